"""The ledger's measures (app.ledger.measures) against small hand-built data, as of 2026-02."""

from decimal import Decimal

import pytest

from app.ledger.measures import Snapshot, chain_band
from app.ledger.models import ProjectStage, Registry, SpecializedLevel
from tests.ledger.test_cockpit_data import (
    a_person,
    chain_figure,
    chains,
    d,
    enterprise,
    enterprise_figure,
    indicator_target,
    indicator_value,
    membership,
    milestone,
    project,
    project_figure,
    target,
    unit_id,
    year_plan,
)


def snap():
    return Snapshot.load(2026, 2, d("2026-03-10"))


@pytest.mark.pure
@pytest.mark.parametrize("scale, band", [
    ("1000", 1000), ("999.99", 800), ("800", 800), ("799.99", 500), ("500", 500), ("499.99", 200), ("200", 200),
    ("199.99", None), (None, None), ("5000", 1000)])
def test_chain_bands_edges(scale, band):
    assert chain_band(Decimal(scale) if scale else None) == band


def test_chains_at_tier_uses_the_latest_full_year_or_a_larger_cumulative():
    c = chains()
    chain_figure(c[0], d("2025-12-01"), "1000")      # 1000
    chain_figure(c[1], d("2025-12-01"), "999.99")    # 800
    chain_figure(c[2], d("2024-12-01"), "800")       # 800 (an older December is still the latest full year)
    chain_figure(c[3], d("2025-12-01"), "300")       # cumulative 850 this year is larger → 800
    chain_figure(c[3], d("2026-02-01"), "850")
    chain_figure(c[4], d("2025-12-01"), "900")       # cumulative 200 is smaller → the December's 900 → 800
    chain_figure(c[4], d("2026-01-01"), "200")
    chain_figure(c[5], d("2025-12-01"), "500")       # 500
    chain_figure(c[6], d("2025-12-01"), "199.99")    # below every band
    chain_figure(c[7], d("2026-03-01"), "2000")      # after the month: not counted
    chain_figure(c[8], d("2025-11-01"), "900")       # not a full year, no figure this year: none
    s = snap()
    assert s.actual("chains_at_tier:1000").city == 1
    assert s.actual("chains_at_tier:800").city == 4
    assert s.actual("chains_at_tier:500").city == 1
    assert s.actual("chains_at_tier:200").city == 0
    assert s.actual("chains_reporting").city == 2
    scales = {x.chain_id: x for x in s.chains}
    assert len(scales) == 12
    assert scales[c[3].id].scale == Decimal("850") and not scales[c[3].id].full_year
    assert scales[c[4].id].scale == Decimal("900") and scales[c[4].id].full_year


def test_enterprise_counts_by_tier_scale_registries_and_listing():
    xtx, gx = unit_id("湘潭县"), unit_id("湘潭高新区")
    leader = a_person()
    e1 = enterprise(revenue_tier=100, is_above_scale=True, above_scale_since=d("2020-01-01"), liaison_id=leader.id,
                    listing_stage="listed")
    enterprise(revenue_tier=100, unit="湘潭高新区", is_above_scale=True, above_scale_since=d("2026-02-01"))
    enterprise(revenue_tier=100, is_active=False, listing_stage="listed")          # inactive: not counted
    enterprise(revenue_tier=50, is_above_scale=True, above_scale_since=d("2026-01-01"))
    enterprise(is_above_scale=True, above_scale_since=d("2026-03-01"))             # 规上 after the month
    enterprise(is_above_scale=False, above_scale_since=d("2019-01-01"), left_scale_on=d("2026-01-15"))  # left
    enterprise(is_above_scale=True)                                               # 规上 without a date
    enterprise(is_above_scale=False, above_scale_since=d("2018-01-01"), left_scale_on=d("2025-06-30"))  # last year
    s = snap()
    assert s.actual("enterprises_at_tier:100").city == 2
    assert s.actual("enterprises_at_tier:100").by_unit[xtx] == 1
    assert s.actual("enterprises_at_tier:100").by_unit[gx] == 1
    assert s.actual("enterprises_at_tier:50").city == 1
    assert s.actual("enterprises_at_tier:10").city == 0
    assert s.actual("above_scale_count").city == 4      # e1, the Feb and Jan entrants, the undated one
    net = s.actual("above_scale_net_new")
    assert net.city == 1                                # entered 2 this year, left 1
    assert net.by_unit[gx] == 1 and net.by_unit[xtx] == 0
    assert s.actual("liaison_coverage").city == Decimal("25.0")
    assert s.actual("liaison_coverage").by_unit[xtx] == Decimal("33.3")
    assert s.actual("listed_count").city == 1

    membership(e1, Registry.high_tech, d("2024-01-01"), year=2024)
    old = enterprise()
    membership(old, Registry.high_tech, d("2020-01-01"), ends_on=d("2026-01-31"))   # ended before the month's end
    later = enterprise()
    membership(later, Registry.high_tech, d("2026-03-01"))                         # starts after it
    membership(e1, Registry.specialized, d("2026-01-20"), level=SpecializedLevel.national, year=2026)
    membership(old, Registry.specialized, d("2025-09-01"), level=SpecializedLevel.national, year=2025)
    membership(later, Registry.specialized, d("2026-02-01"), level=SpecializedLevel.province, year=2026)
    membership(later, Registry.specialized, d("2025-02-01"), level=SpecializedLevel.champion, year=2025)
    s = snap()
    assert s.actual("high_tech_count").city == 1
    assert s.actual("specialized_new:national").city == 1
    assert s.actual("specialized_new:province").city == 1
    assert s.actual("specialized_new:city").city == 0
    assert s.actual("specialized_count:champion").city == 1


def test_projects_at_tier_count_started_active_projects():
    project(tier=10, stage=ProjectStage.started)
    project(tier=10, stage=ProjectStage.producing, unit="湘潭经开区")
    project(tier=10, stage=ProjectStage.signed)                     # not started
    project(tier=10, stage=ProjectStage.building, is_active=False)  # cancelled
    project(tier=1, stage=ProjectStage.building, total=Decimal(20000))
    project(tier=100, stage=ProjectStage.signed, total=Decimal(1_200_000))
    s = snap()
    assert s.actual("projects_at_tier:10").city == 2
    assert s.actual("projects_at_tier:10").by_unit[unit_id("湘潭经开区")] == 1
    assert s.actual("projects_at_tier:1").city == 1
    assert s.actual("projects_at_tier:100").city == 0


def test_parks_at_thousand_billion_sum_the_last_full_year_output():
    a, b = enterprise(unit="湘潭高新区"), enterprise(unit="湘潭高新区")
    enterprise_figure(a, d("2025-12-01"), output=Decimal(6_000_000))
    enterprise_figure(b, d("2025-12-01"), output=Decimal(4_000_000))   # park total exactly 1000亿
    enterprise_figure(b, d("2026-01-01"), output=Decimal(9_000_000))   # this year's: not a full year
    c = enterprise(unit="湘潭经开区")
    enterprise_figure(c, d("2025-12-01"), output=Decimal("9999999.99"))
    county = enterprise(unit="湘潭县")
    enterprise_figure(county, d("2025-12-01"), output=Decimal(20_000_000))  # a county is not a park
    assert snap().actual("parks_at_thousand_billion").city == 1


def test_entered_indicator_takes_the_latest_value_of_the_year_up_to_the_month():
    indicator_value("G12", d("2025-12-01"), "45")
    indicator_value("G12", d("2026-01-01"), "38")
    indicator_value("G12", d("2026-02-01"), "41")
    indicator_value("G12", d("2026-03-01"), "50")
    indicator_value("P3-1", d("2026-01-01"), "0.4", unit="湘潭县")
    s = snap()
    assert s.entered_actual(target("G12").id).city == Decimal("41")
    p31 = s.entered_actual(target("P3-1").id)
    assert p31.city is None and p31.by_unit[unit_id("湘潭县")] == Decimal("0.4")
    assert Snapshot.load(2025, 6).entered_actual(target("G12").id).city is None


def test_yearly_targets_override_the_document_value_and_break_down():
    p41 = target("P4-1")
    assert snap().target_of(p41) == Decimal(120)
    indicator_target("P4-1", 2026, 150)
    indicator_target("P4-1", 2026, 20, unit="湘潭县")
    indicator_target("P4-1", 2025, 999)
    s = snap()
    assert s.target_of(p41) == Decimal(150)
    assert s.target_of(p41, unit_id("湘潭县")) == Decimal(20)
    assert s.target_of(p41, unit_id("湘乡市")) is None


def test_rates_by_unit():
    xtx = unit_id("湘潭县")
    a = project()
    milestone(a, ProjectStage.started, d("2026-02-10"), d("2026-02-20"))
    b = project()
    milestone(b, ProjectStage.started, d("2026-02-15"))                       # planned, not reached
    c = project()
    milestone(c, ProjectStage.started, d("2026-04-01"), d("2026-01-05"))     # not yet planned: not counted
    project_figure(a, d("2026-01-01"), Decimal(100), Decimal(50))
    project_figure(a, d("2026-02-01"), Decimal(300), Decimal(150))
    project_figure(b, d("2025-12-01"), Decimal(9000), Decimal(9000))          # last year's: not counted
    project_figure(b, d("2026-03-01"), Decimal(9000), Decimal(9000))          # after the month
    year_plan(a, 2026, Decimal(1000))
    year_plan(b, 2026, Decimal(200))
    year_plan(b, 2025, Decimal(5000))
    r = snap().rates[xtx]
    assert (r.start_reached, r.start_planned, r.start_rate) == (1, 2, Decimal("50.0"))
    assert (r.invested, r.planned, r.invest_rate) == (Decimal(300), Decimal(1200), Decimal("25.0"))
    assert (r.funds, r.funds_rate) == (Decimal(150), Decimal("50.0"))
    # within the current month the evaluation day is today: b's 开工 (planned 02-15) is not due on 02-12
    early = Snapshot.load(2026, 2, d("2026-02-12")).rates[xtx]
    assert (early.start_reached, early.start_planned) == (0, 1)
