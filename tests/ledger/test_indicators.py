"""Indicators: the list, an indicator's page, the office's yearly targets and settings (HTTP), bad input refused."""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.core.models import AuditEntry
from app.extensions import db
from app.ledger.models import Enterprise, IndicatorTarget, IndicatorValue
from app.org.models import Target
from tests.factories import unit as unit_named


def indicator(measure=None, breaks_down=None, entered=False):
    query = sa.select(Target).where(Target.code.is_not(None)).order_by(Target.id)
    if entered:
        query = query.where(Target.measure.is_(None))
    if measure:
        query = query.where(Target.measure == measure)
    if breaks_down is not None:
        query = query.where(Target.breaks_down.is_(breaks_down))
    return db.session.scalars(query).first()


def targets_of(target):
    return db.session.execute(sa.select(IndicatorTarget.year, IndicatorTarget.unit_id, IndicatorTarget.value)
                              .where(IndicatorTarget.target_id == target.id)
                              .order_by(IndicatorTarget.year, IndicatorTarget.unit_id.is_not(None),
                                        IndicatorTarget.unit_id)).all()


def test_the_list_shows_every_indicator_with_targets_source_and_values(client, login_as, clock):
    entered = indicator(entered=True)
    computed = indicator(measure="enterprises_at_tier:100")
    db.session.add(IndicatorTarget(target_id=entered.id, year=2026, value=Decimal("41.5")))
    db.session.add(IndicatorValue(target_id=entered.id, month=date(2026, 2, 1), value=Decimal("38.2"),
                                  source_note="市统计局月报"))
    db.session.add(Enterprise(name="百亿企业", uscc="91430300TESTIND001", unit_id=unit_named("湘潭县人民政府").id,
                              revenue_tier=100))
    db.session.flush()
    login_as("guancha")
    response = client.get("/ledger/indicators")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Target).where(Target.code.is_not(None)))
    assert html.count("/ledger/indicators/") == count
    row = html.split(f">{entered.code}<", 1)[1].split("</tr>", 1)[0]
    assert "2026年 41.5" in row and "38.2" in row and "市统计局月报" in row and "单位填报" in row
    row = html.split(f">{computed.code}<", 1)[1].split("</tr>", 1)[0]
    assert "台账计算" in row and ">1<" in row


def test_the_indicator_page_shows_yearly_targets_by_unit_and_entered_values(client, login_as, clock):
    target = indicator(breaks_down=True, entered=True)
    county = unit_named("湘潭县人民政府")
    db.session.add_all([
        IndicatorTarget(target_id=target.id, year=2026, value=Decimal(3)),
        IndicatorTarget(target_id=target.id, year=2026, unit_id=county.id, value=Decimal("1.25")),
        IndicatorValue(target_id=target.id, month=date(2026, 1, 1), value=Decimal("0.7"), source_note="县统计局"),
    ])
    db.session.flush()
    login_as("xtx")
    html = client.get(f"/ledger/indicators/{target.code}").get_data(as_text=True)
    assert "1.25" in html and "0.7" in html and "县统计局" in html and county.short_name in html
    assert "设定年度目标" not in html  # only the office edits


def test_an_absent_indicator_is_404(client, login_as):
    login_as("admin")
    assert client.get("/ledger/indicators/NOPE").status_code == 404


def test_the_office_sets_changes_and_removes_a_yearly_target_audited(client, login_as):
    target = indicator(breaks_down=True)
    county = unit_named("湘潭县人民政府")
    login_as("admin")
    assert client.post(f"/ledger/indicators/{target.code}/targets",
                       data={"year": "2026", "unit_id": "", "value": "1900"}).status_code == 302
    assert client.post(f"/ledger/indicators/{target.code}/targets",
                       data={"year": "2026", "unit_id": str(county.id), "value": "210.5"}).status_code == 302
    assert client.post(f"/ledger/indicators/{target.code}/targets",
                       data={"year": "2026", "unit_id": "", "value": "1950"}).status_code == 302
    assert targets_of(target) == [(2026, None, Decimal("1950.00")), (2026, county.id, Decimal("210.50"))]
    actions = db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.object_type == "indicator_targets").order_by(AuditEntry.id)).all()
    assert actions == ["indicator_target.create", "indicator_target.create", "indicator_target.update"]
    row_id = db.session.scalar(sa.select(IndicatorTarget.id).where(IndicatorTarget.target_id == target.id,
                                                                   IndicatorTarget.unit_id == county.id))
    assert client.post(f"/ledger/indicators/{target.code}/targets/{row_id}/delete").status_code == 302
    assert targets_of(target) == [(2026, None, Decimal("1950.00"))]
    other = indicator(breaks_down=False)
    assert client.post(f"/ledger/indicators/{other.code}/targets/{row_id}/delete").status_code == 404


@pytest.mark.parametrize("data, message", [
    ({"year": "2026", "unit_id": "", "value": "-1"}, "目标值不能为负数"),
    ({"year": "2026", "unit_id": "", "value": "abc"}, "目标值必须是数字"),
    ({"year": "2026", "unit_id": "", "value": "NaN"}, "目标值必须是数字"),
    ({"year": "2026", "unit_id": "", "value": ""}, "请填写目标值"),
    ({"year": "2026", "unit_id": "", "value": "1.234"}, "最多保留两位小数"),
    ({"year": "2026", "unit_id": "", "value": "1e20"}, "目标值过大"),
    ({"year": "1999", "unit_id": "", "value": "5"}, "年度必须在 2020 至 2035 之间"),
    ({"year": "二〇二六", "unit_id": "", "value": "5"}, "必须是整数"),
    ({"year": "", "unit_id": "", "value": "5"}, "请填写年度"),
    ({"year": "2026", "unit_id": "999999", "value": "5"}, "请从列表中选择有效的适用范围"),
])
def test_bad_yearly_targets_are_refused_in_chinese_and_nothing_written(client, login_as, data, message):
    target = indicator(breaks_down=True)
    login_as("admin")
    response = client.post(f"/ledger/indicators/{target.code}/targets", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert targets_of(target) == []


def test_a_unit_target_for_an_indicator_that_does_not_break_down_is_refused(client, login_as):
    target = indicator(breaks_down=False)
    login_as("admin")
    response = client.post(f"/ledger/indicators/{target.code}/targets",
                           data={"year": "2026", "unit_id": str(unit_named("湘潭县人民政府").id), "value": "5"})
    assert response.status_code == 400
    assert "请从列表中选择有效的适用范围" in response.get_data(as_text=True)
    assert targets_of(target) == []


def test_the_office_sets_responsible_unit_and_breakdown_audited(client, login_as):
    target = indicator(breaks_down=False, entered=True)
    unit = unit_named("市商务局")
    assert target.responsible_unit_id != unit.id
    login_as("admin")
    assert client.get(f"/ledger/indicators/{target.code}/edit").status_code == 200
    response = client.post(f"/ledger/indicators/{target.code}/edit",
                           data={"responsible_unit_id": str(unit.id), "breaks_down": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    target = db.session.get(Target, target.id)
    assert target.responsible_unit_id == unit.id and target.breaks_down
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "indicator.update")
                              .order_by(AuditEntry.id.desc()))
    assert entry.after == {"responsible_unit_id": unit.id, "breaks_down": True}
    # a county's target exists: the breakdown cannot be switched off under it
    client.post(f"/ledger/indicators/{target.code}/targets",
                data={"year": "2026", "unit_id": str(unit_named("湘潭县人民政府").id), "value": "5"})
    response = client.post(f"/ledger/indicators/{target.code}/edit", data={"responsible_unit_id": str(unit.id)})
    assert response.status_code == 400 and "请先删除这些目标" in response.get_data(as_text=True)
    response = client.post(f"/ledger/indicators/{target.code}/edit", data={"responsible_unit_id": "abc"})
    assert response.status_code == 400 and "请从列表中选择有效的责任单位" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Target, target.id).breaks_down


def test_only_the_office_edits(client, login_as):
    target = indicator(breaks_down=True)
    for username in ("shizhang", "gxj", "xtx"):
        login_as(username)
        assert client.post(f"/ledger/indicators/{target.code}/targets",
                           data={"year": "2026", "unit_id": "", "value": "5"}).status_code == 403
        assert client.post(f"/ledger/indicators/{target.code}/edit",
                           data={"responsible_unit_id": "", "breaks_down": "y"}).status_code == 403
    assert targets_of(target) == []
    client.get("/auth/logout")


def test_the_pages_statement_count_does_not_grow_with_rows(client, login_as, clock, count_queries):
    target = indicator(breaks_down=True, entered=True)
    units = [unit_named("湘潭县人民政府"), unit_named("湘潭高新区管委会")]
    login_as("admin")
    counts = []
    for n in (1, 6):
        for year in range(2020 + (n - 1) * 2, 2020 + n * 2):
            for unit in [None, *units]:
                db.session.add(IndicatorTarget(target_id=target.id, year=year, unit_id=unit and unit.id,
                                               value=Decimal(year)))
            db.session.add(IndicatorValue(target_id=target.id, month=date(year, 12, 1), value=Decimal(1),
                                          source_note="统计"))
        db.session.flush()
        for url in ("/ledger/indicators", f"/ledger/indicators/{target.code}"):
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            counts.append(counter.count)
    assert counts[:2] == counts[2:]
