"""The cockpit (驾驶舱): the expected-share and light rules, the page and its Excel through HTTP, a light that
changes after a figure changes, constant statement counts, permissions and bad months."""

import io
import json
import re
from datetime import datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.extensions import db
from app.ledger.cockpit import cockpit, expected_share, light_of
from app.ledger.models import ProjectStage
from tests.ledger.test_cockpit_data import (
    a_person,
    chain_figure,
    chains,
    d,
    enterprise,
    enterprise_figure,
    indicator_target,
    indicator_value,
    milestone,
    project,
    project_figure,
    unit_id,
    year_plan,
)


@pytest.mark.pure
@pytest.mark.parametrize("period, unit, year, month, expected", [
    ("每年", "家", 2026, 3, Decimal(3) / 12),
    ("每年", "家", 2026, 12, Decimal(1)),
    ("2025年", "家", 2022, 1, Decimal(1) / 48),
    ("2025年", "家", 2023, 12, Decimal("0.5")),
    ("2025年", "家", 2025, 12, Decimal(1)),
    ("2025年", "家", 2026, 2, Decimal(1)),       # past 2025: the whole target is due
    ("2025年", "家", 2021, 6, Decimal(0)),       # before the programme
    ("2025年", "%", 2023, 1, Decimal(1)),        # a rate is expected in full at any time
    ("每年", "%", 2026, 1, Decimal(1)),
])
def test_expected_share(period, unit, year, month, expected):
    assert expected_share(period, unit, year, month) == expected


@pytest.mark.pure
@pytest.mark.parametrize("share, expected, light", [
    (Decimal("0.5"), Decimal("0.5"), "green"),
    (Decimal("1.2"), Decimal("1"), "green"),
    (Decimal("0.4"), Decimal("0.5"), "yellow"),     # exactly 80 % of expected
    (Decimal("0.399"), Decimal("0.5"), "red"),
    (Decimal("-0.1"), Decimal("0.1"), "red"),       # a net loss
    (None, Decimal("0.5"), "grey"),
])
def test_light_rules(share, expected, light):
    assert light_of(share, expected) == light


def _card_light(html, code):
    match = re.search(rf'data-code="{re.escape(code)}" data-light="(\w+)"', html)
    assert match, f"no card {code}"
    return match[1]


def _page(client, month="2026-02"):
    response = client.get(f"/ledger/cockpit?month={month}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def test_the_light_changes_after_a_figure_changes(client, login_as, clock):
    clock.set(datetime(2026, 3, 10, 9, 0))
    login_as("shizhang")
    assert _card_light(_page(client), "G12") == "grey"          # no figure yet
    row = indicator_value("G12", d("2026-02-01"), "30")          # 30 of 40 %: 75 % < 80 % of the full share
    assert _card_light(_page(client), "G12") == "red"
    row.value = Decimal("33")                                     # 82.5 %: yellow
    assert _card_light(_page(client), "G12") == "yellow"
    row.value = Decimal("41")
    assert _card_light(_page(client), "G12") == "green"

    # a computed, yearly indicator with a year's target: net new 规上 (P4-1), 14 for 2026, 2/12 expected in Feb
    # (2.33 enterprises; yellow from 1.87)
    indicator_target("P4-1", 2026, 14)
    assert _card_light(_page(client), "P4-1") == "red"
    for _ in range(2):
        enterprise(is_above_scale=True, above_scale_since=d("2026-01-01"))
    assert _card_light(_page(client), "P4-1") == "yellow"
    enterprise(is_above_scale=True, above_scale_since=d("2026-02-01"))
    html = _page(client)
    assert _card_light(html, "P4-1") == "green"
    assert _card_light(_page(client, "2026-01"), "P4-1") == "green"  # as of January: 2 (Jan) of 14 ≥ 1/12


def _small_ledger(scale=1, start=0):
    """A few of every row the cockpit reads; `scale` multiplies them (for the statement count)."""
    leader = a_person()
    c = chains()
    for k in range(start, start + scale):
        for unit in ("湘潭县", "湘潭高新区"):
            e = enterprise(unit=unit, revenue_tier=(100, 50, 20, 10)[k % 4], is_above_scale=True,
                           above_scale_since=d("2025-01-01"), liaison_id=leader.id if k % 2 else None)
            for month in ("2025-12-01", "2026-01-01", "2026-02-01"):
                enterprise_figure(e, d(month), revenue=Decimal(1000 * (k + 1)), output=Decimal(900))
            p = project(unit=unit, tier=(100, 10, 1)[k % 3], stage=list(ProjectStage)[k % 6])
            milestone(p, ProjectStage.started, d("2026-01-10"), d("2026-01-20") if k % 2 else None)
            year_plan(p, 2026, Decimal(1000))
            project_figure(p, d("2026-01-01"), Decimal(100), Decimal(80))
            project_figure(p, d("2026-02-01"), Decimal(250), Decimal(200))
        chain_figure(c[k % 12], d(f"{2010 + k}-12-01"), 100 * (k + 1))
        chain_figure(c[k % 12], d("2026-02-01") if k < 12 else d(f"{2000 + k}-06-01"), 50 * (k + 1))
    if start == 0:
        indicator_value("G12", d("2026-02-01"), "39")


def test_the_page_shows_every_part_with_links(client, login_as, clock):
    clock.set(datetime(2026, 3, 10, 9, 0))
    _small_ledger()
    login_as("shuji")
    html = _page(client, "")  # default: last month
    assert "2026年2月" in html
    assert html.count('class="card h-100 cockpit-card"') >= 30
    assert "/ledger/enterprises?" in html and "tier=100" in html
    assert "/ledger/projects?" in html and "/ledger/chains/" in html
    assert 'role="img"' in html and "<title" in html and "<desc" in html   # SVG charts with text for readers
    assert "资金到位率＝本年累计到位资金÷本年累计完成投资" in html
    assert "<script" not in html.split("</nav>", 1)[1].split('<script src=')[0]  # no inline script
    c = cockpit(2026, 2, d("2026-03-10"))
    xtx = next(u for u in c["units"] if u["unit"] == "湘潭县")
    assert (xtx["invested"], xtx["planned"], xtx["invest_rate"], xtx["funds_rate"]) == (250, 1000, 25, 80)
    assert (xtx["start_reached"], xtx["start_planned"]) == (0, 1)
    assert len(c["chains"]) == 12 and len(c["trend"]) == 12
    assert c["trend"][-1]["key"] == "2026-02" and c["trend"][-1]["revenue"] == 2000
    assert c["trend"][-1]["chain_scale"] == 50
    assert c["projects"]["total"] == 2
    tiers = {t["tier"]: t for t in c["enterprise_tiers"]}
    assert tiers[100]["count"] == 2 and tiers[100]["target"] == 12
    json.dumps(c)   # the monthly analysis freezes it: plain JSON
    g13 = next(r for r in c["indicators"] if r["code"] == "G13")   # 规上 count, broken down by county / park
    by_unit = {b["unit"]: b for b in g13["breakdown"]}
    assert (by_unit["湘潭县"]["actual"], by_unit["湘潭高新区"]["actual"], by_unit["湘乡市"]["actual"]) == (1, 1, 0)
    assert f"unit={unit_id('湘潭县')}" in by_unit["湘潭县"]["url"] and "above_scale=1" in by_unit["湘潭县"]["url"]
    assert by_unit["湘潭县"]["url"].replace("&", "&amp;") in html   # the page links each unit's figure to its list


def test_statement_count_does_not_grow_with_the_rows(client, login_as, clock, count_queries):
    clock.set(datetime(2026, 3, 10, 9, 0))
    login_as("shizhang")
    _page(client)
    _small_ledger(1)
    with count_queries() as small:   # computed: the ledger changed since the last page
        _page(client)
    _small_ledger(14, start=1)
    with count_queries() as large:
        _page(client)
    assert large.count == small.count, (small.count, large.count)
    assert small.count <= 25, small.count
    with count_queries() as again:   # nothing changed: what was computed for this state of the ledger
        html = _page(client)
    if db.session.get_bind().dialect.name == "postgresql":
        # this test's transaction has written: PostgreSQL computes afresh (tests/ledger/test_ledger_speed.py
        # checks the reuse across committed transactions)
        assert again.count == small.count
    else:
        assert again.count < small.count - 10, (again.count, small.count)
    assert "2026年2月" in html


def test_excel_export(client, login_as, clock):
    clock.set(datetime(2026, 3, 10, 9, 0))
    _small_ledger()
    login_as("guancha")
    response = client.get("/ledger/cockpit.xlsx?month=2026-02")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["指标", "指标分解", "企业分级", "项目阶段", "县市区园区", "产业链", "月度走势"]
    codes = [row[1].value for row in wb["指标"].iter_rows(min_row=4)]
    assert "G01" in codes and "P8-1" in codes
    g12 = next(row for row in wb["指标"].iter_rows(min_row=4) if row[1].value == "G12")
    assert g12[6].value == 39


@pytest.mark.parametrize("username, status", [
    ("shizhang", 200), ("shuji", 200), ("admin", 200), ("guancha", 200), ("gxj", 403), ("xtx", 403)])
def test_who_may_open_the_cockpit(client, login_as, username, status):
    login_as(username)
    assert client.get("/ledger/cockpit").status_code == status
    assert client.get("/ledger/cockpit.xlsx").status_code == status


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/ledger/cockpit")
    assert response.status_code == 302 and "login" in response.headers["Location"]


@pytest.mark.parametrize("month, message", [
    ("2026-13", "格式不正确"), ("abc", "格式不正确"), ("2026-04", "尚未开始")])
def test_a_bad_month_is_refused_in_chinese(client, login_as, clock, month, message):
    clock.set(datetime(2026, 3, 10, 9, 0))
    login_as("shizhang")
    for url in (f"/ledger/cockpit?month={month}", f"/ledger/cockpit.xlsx?month={month}"):
        response = client.get(url)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)


def test_the_lists_behind_yearly_figures_are_narrowed_to_the_year(app):
    from app.ledger.cockpit import measure_url

    with app.test_request_context():
        assert measure_url("above_scale_net_new", 2026) == "/ledger/enterprises?above_scale=1&scale_year=2026"
        assert measure_url("specialized_new:national", 2026, unit_id=7) == (
            "/ledger/enterprises?registry=specialized&level=national&registry_year=2026&unit=7")
        assert measure_url("above_scale_count", 2026) == "/ledger/enterprises?above_scale=1"
