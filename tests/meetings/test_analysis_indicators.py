"""The 月分析's indicators section: each indicator's actual, target, share and light as of the month, on the page,
in the Excel file, and frozen into the month's record (a figure reported later does not change the record)."""

import io
import re
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from openpyxl import load_workbook

from app.extensions import db
from app.ledger.models import Enterprise, IndicatorTarget, IndicatorValue
from app.meetings.analysis import month_analysis
from app.meetings.models import MeetingRecord
from app.org.models import Target
from tests.factories import unit
from tests.meetings.records_helpers import monthly

_serial = iter(range(10**6))


def hundred_billion_indicator():
    return db.session.scalar(sa.select(Target).where(Target.measure == "enterprises_at_tier:100")
                             .order_by(Target.id))


def add_big_enterprise():
    db.session.add(Enterprise(name=f"百亿企业{next(_serial)}", uscc=f"91430300ANALYS{next(_serial):04d}",
                              unit_id=unit("湘潭县人民政府").id, revenue_tier=100))
    db.session.flush()


def row_of(a, code):
    found = [r for r in a["indicators"] if r["code"] == code]
    assert len(found) == 1
    return found[0]


def test_the_section_gives_actual_target_share_and_light_of_every_indicator(clock):
    target = hundred_billion_indicator()
    db.session.add(IndicatorTarget(target_id=target.id, year=2026, value=Decimal(4)))
    entered = db.session.scalar(sa.select(Target).where(Target.code.is_not(None), Target.measure.is_(None))
                                .order_by(Target.id))
    db.session.add(IndicatorValue(target_id=entered.id, month=date(2026, 2, 1), value=Decimal("41"),
                                  source_note="市统计局"))
    db.session.add(IndicatorValue(target_id=entered.id, month=date(2026, 4, 1), value=Decimal("99"),
                                  source_note="市统计局"))  # after the month: not counted
    add_big_enterprise()
    add_big_enterprise()
    add_big_enterprise()
    a = month_analysis(2026, 2, date(2026, 3, 10))
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Target).where(Target.code.is_not(None)))
    assert len(a["indicators"]) == count
    row = row_of(a, target.code)
    # 3 of the year's 4 = 75 %; after 2025 the full target is due: below 80 % of it is red
    assert (row["actual"], row["target"], row["share"], row["expected"]) == (3, 4, 75.0, 100.0)
    assert row["light"] == "red" and row["source"] == "台账计算"
    row = row_of(a, entered.code)
    assert row["actual"] == 41 and row["source"] == "单位填报"


def test_the_page_and_the_excel_show_the_section(client, login_as, clock):
    target = hundred_billion_indicator()
    add_big_enterprise()
    login_as("shizhang")
    html = client.get("/meetings/analysis?month=2026-02").get_data(as_text=True)
    assert "七、指标完成情况" in html
    row = html.split(f">{target.code}<", 1)[1].split("</tr>", 1)[0]
    assert target.text in row and re.search(r">1家?<", row)
    response = client.get("/meetings/analysis.xlsx?month=2026-02")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))["指标完成"]
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    line = next(r for r in values if r[0] == target.code)
    assert line[1] == target.text and line[3] == 1


def test_the_section_is_frozen_into_the_months_record(client, login_as, clock):
    target = hundred_billion_indicator()
    add_big_enterprise()
    meeting = monthly(day="2026-02-01")
    login_as("shizhang")
    response = client.post(f"/meetings/expected/{meeting.id}/record",
                           data={"held_on": "2026-03-05", "comments": "讲评", "minutes": "二月分析"})
    assert response.status_code == 302, response.get_data(as_text=True)
    record = db.session.scalar(sa.select(MeetingRecord).where(MeetingRecord.expected_id == meeting.id))
    assert row_of(record.snapshot, target.code)["actual"] == 1
    add_big_enterprise()
    add_big_enterprise()
    assert row_of(month_analysis(2026, 2, date(2026, 3, 10)), target.code)["actual"] == 3
    db.session.expire_all()
    record = db.session.get(MeetingRecord, record.id)
    assert row_of(record.snapshot, target.code)["actual"] == 1
    html = client.get(f"/meetings/records/{record.id}").get_data(as_text=True)
    row = html.split(f">{target.code}<", 1)[1].split("</tr>", 1)[0]
    assert re.search(r">1家?<", row) and not re.search(r">3家?<", row)


def test_a_record_frozen_before_the_section_still_shows(client, login_as, clock):
    meeting = monthly(day="2026-02-01")
    login_as("shizhang")
    client.post(f"/meetings/expected/{meeting.id}/record", data={"held_on": "2026-03-05", "minutes": "二月分析"})
    record = db.session.scalar(sa.select(MeetingRecord).where(MeetingRecord.expected_id == meeting.id))
    snap = dict(record.snapshot)
    snap.pop("indicators")
    record.snapshot = snap
    db.session.flush()
    response = client.get(f"/meetings/records/{record.id}")
    assert response.status_code == 200
    assert "七、指标完成情况" not in response.get_data(as_text=True)
