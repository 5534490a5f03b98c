"""The month's analysis (月分析): tasks assigned, completed (on time / late) and overdue in the month, by unit, group
and plan; lights on the evaluation day; the units with most red tasks; the month's meeting compliance; the
previous month and the twelve-month trend — hand-counted on a small data set, JSON-serialisable, in a number of
queries that does not grow with the data; its page, charts and Excel export."""

import io
import json
from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.core.periods import parse_month
from app.extensions import db
from app.meetings.analysis import month_analysis
from app.meetings.analysis_charts import analysis_charts, nice_max
from app.meetings.analysis_excel import analysis_workbook
from app.meetings.models import ExpectedMeeting, MeetingRecord, MeetingType
from app.org.models import Plan, Unit
from app.tasks.models import TaskState
from tests import factories
from tests.factories import unit

D = date.fromisoformat


# Left pending in the session: the tests' queries flush them.
make_task = partial(factories.make_task, title="分析用事项", flush=False)


def done(lead, assigned, due, completed, plan=None):
    return make_task(lead, assigned, due, TaskState.completed, completed, plan=plan)


@pytest.fixture
def march():
    """Tasks around March 2026, hand-counted in the tests below."""
    tasks = {
        "t1": done("市工信局", "2026-03-02", "2026-03-20", "2026-03-18", plan="P1"),  # March: on time
        "t2": done("市工信局", "2026-03-05", "2026-03-10", "2026-03-16", plan="P1"),  # March: late
        "t3": make_task("市工信局", "2026-03-10", "2026-03-25"),  # March: assigned, overdue at month end
        "t4": make_task("湘潭县人民政府", "2026-02-10", "2026-03-05", plan="P2"),  # overdue
        "t5": make_task("湘潭县人民政府", "2026-02-10", "2026-03-31", plan="P2"),  # due on the last day: yellow
        "t6": make_task("湘潭县人民政府", "2026-03-20", "2026-06-30", plan="P2"),  # assigned, green
        # completed only in April: open (and overdue) at the end of March
        "t7": done("市发改委", "2026-02-01", "2026-03-15", "2026-04-02", plan="P1"),
        "t8": make_task("市发改委", "2026-03-03", "2026-03-30", TaskState.cancelled),  # never counted
        "t9": done("市发改委", "2026-01-05", "2026-02-10", "2026-02-20"),  # February: late
        "t10": make_task("市工信局", "2026-04-01", "2026-04-30"),  # after the month
        "t11": make_task("市工信局", "2026-01-10", "2026-02-27"),  # overdue since February
    }
    db.session.flush()
    return tasks


def pick(rows, key, value):
    found = [r for r in rows if r[key] == value]
    assert len(found) == 1, (key, value, rows)
    return found[0]


def measures(row):
    return (row["assigned"], row["completed"], row["completed_on_time"], row["completed_late"], row["overdue"])


# --- the counts ---------------------------------------------------------------------------------------------

def test_closed_month_counts_assigned_completed_on_time_late_and_overdue_at_month_end(march):
    a = month_analysis(2026, 3, D("2026-04-05"))
    assert a["evaluated_on"] == "2026-03-31" and a["closed"] and a["label"] == "2026年3月"
    assert measures(a["totals"]) == (4, 2, 1, 1, 4)
    assert a["totals"]["on_time_rate"] == "50.0%"
    assert {x["light"]: x["count"] for x in a["lights"]} == {
        "red": 4, "yellow": 1, "green": 1, "done_on_time": 1, "done_late": 1}
    assert a["open_on_evaluation_day"] == 6
    assert [x["label"] for x in a["lights"]] == ["红灯", "黄灯", "绿灯", "按时办结", "逾期办结"]


def test_breakdown_by_lead_unit_group_and_plan_adds_up_to_the_totals(march):
    a = month_analysis(2026, 3, D("2026-04-05"))
    by_unit = {r["short_name"]: measures(r) for r in a["by_unit"]}
    assert by_unit == {"湘潭县": (1, 0, 0, 0, 1), "市发改委": (0, 0, 0, 0, 1), "市工信局": (3, 2, 1, 1, 2)}
    # county group first, then the promotion units in their order
    assert [r["short_name"] for r in a["by_unit"]] == ["湘潭县", "市发改委", "市工信局"]
    assert pick(a["by_unit"], "short_name", "湘潭县")["group_label"] == "县市区组"
    groups = {r["group"]: measures(r) for r in a["by_group"]}
    assert groups["county"] == (1, 0, 0, 0, 1)
    assert groups["promotion"] == (3, 2, 1, 1, 3)
    assert groups["park1"] == groups["park2"] == groups["support"] == (0, 0, 0, 0, 0)
    assert [r["label"] for r in a["by_group"]][:2] == ["县市区组", "一类园区组"]
    plans = {r["code"]: measures(r) for r in a["by_plan"]}
    assert plans["P1"] == (2, 2, 1, 1, 1)
    assert plans["P2"] == (1, 0, 0, 0, 1)
    assert plans["P3"] == (0, 0, 0, 0, 0)
    assert plans["—"] == (1, 0, 0, 0, 2)
    assert pick(a["by_plan"], "code", "—")["label"] == "其他来源（未关联计划举措）"
    for breakdown in ("by_unit", "by_group", "by_plan"):
        assert tuple(map(sum, zip(*(measures(r) for r in a[breakdown]), strict=True))) == measures(a["totals"])


def test_a_unit_outside_the_assessment_groups_is_counted_under_other_units(march):
    make_task("市统计局", "2026-03-03", "2026-03-06")
    db.session.flush()
    a = month_analysis(2026, 3, D("2026-04-05"))
    assert a["by_group"][-1] == pick(a["by_group"], "group", "other")
    assert measures(a["by_group"][-1]) == (1, 0, 0, 0, 1) and a["by_group"][-1]["label"] == "其他单位"
    assert pick(a["by_unit"], "short_name", "市统计局")["group_label"] == "其他单位"
    assert measures(a["totals"]) == (5, 2, 1, 1, 5)


def test_units_with_most_red_tasks_are_ranked_with_ties_sharing_a_rank(march):
    a = month_analysis(2026, 3, D("2026-04-05"))
    assert [(r["rank"], r["short_name"], r["red"]) for r in a["red_units"]] == [
        (1, "市工信局", 2), (2, "湘潭县", 1), (2, "市发改委", 1)]


def test_red_units_are_the_top_ten(march):
    names = db.session.scalars(sa.select(Unit.name).where(Unit.group.is_not(None))
                               .order_by(Unit.sort_order).limit(12)).all()
    for index, name in enumerate(names):
        for _ in range(index + 1):
            make_task(name, "2026-03-02", "2026-03-09")
    db.session.flush()
    a = month_analysis(2026, 3, D("2026-04-05"))
    assert len(a["red_units"]) == 10
    assert a["red_units"][0]["name"] == names[-1] and a["red_units"][0]["red"] == 12
    assert [r["red"] for r in a["red_units"]] == sorted((r["red"] for r in a["red_units"]), reverse=True)


def test_running_month_is_evaluated_on_as_of_and_later_completions_count_as_open(march):
    a = month_analysis(2026, 3, D("2026-03-16"))
    assert a["evaluated_on"] == "2026-03-16" and not a["closed"]
    # assigned up to the 16th: t1, t2, t3; completed by the 16th: t2 (late); t1 completed on the 18th is open,
    # due the 20th: green (yellow runs to the 19th from Monday the 16th)
    assert measures(a["totals"]) == (3, 1, 0, 1, 3)
    lights = {x["light"]: x["count"] for x in a["lights"]}
    assert lights == {"red": 3, "yellow": 0, "green": 3, "done_on_time": 0, "done_late": 1}


def test_previous_month_and_change_come_from_the_same_rules(march):
    a = month_analysis(2026, 3, D("2026-04-05"))
    # February: assigned t4, t5, t7; completed t9; overdue at 02-28: t11
    assert a["previous"] == {"key": "2026-02", "label": "2026年2月", "assigned": 3, "completed": 1, "overdue": 1}
    assert a["change"] == {"assigned": 1, "completed": 1, "overdue": 3}
    february = month_analysis(2026, 2, D("2026-04-05"))
    assert (february["totals"]["assigned"], february["totals"]["completed"], february["totals"]["overdue"]) == (3, 1, 1)


def test_trend_has_twelve_months_ending_with_the_month_and_agrees_with_each_month(march):
    a = month_analysis(2026, 3, D("2026-04-05"))
    assert [m["key"] for m in a["trend"]][0] == "2025-04" and a["trend"][-1]["key"] == "2026-03"
    assert len(a["trend"]) == 12
    assert a["trend"][9]["label"] == "2026年1月" and a["trend"][8]["label"] == "12月"
    for point in a["trend"][-3:]:
        single = month_analysis(point["year"], point["month"], D("2026-04-05"))["totals"]
        assert (point["assigned"], point["completed"], point["overdue"]) == \
            (single["assigned"], single["completed"], single["overdue"])
    assert [m["assigned"] for m in a["trend"][-3:]] == [2, 3, 4]  # t9, t11 in January


def test_trend_agrees_with_each_months_own_analysis_on_varied_tasks():
    """The trend counts by buckets in one query; each month's analysis counts with its own conditions. On tasks
    with every kind of history (open, completed early, late, after the window, before it; cancelled) they agree."""
    import random

    rng = random.Random(20260310)
    names = db.session.scalars(sa.select(Unit.name).where(Unit.group.is_not(None)).limit(8)).all()
    first = D("2025-01-01")
    for _ in range(250):
        assigned = first + timedelta(days=rng.randrange(0, 600))
        due = assigned + timedelta(days=rng.randrange(0, 90))
        kind = rng.random()
        if kind < 0.45:
            completed = assigned + timedelta(days=rng.randrange(0, 120))
            done(rng.choice(names), assigned.isoformat(), due.isoformat(), completed.isoformat())
        elif kind < 0.9:
            make_task(rng.choice(names), assigned.isoformat(), due.isoformat())
        else:
            make_task(rng.choice(names), assigned.isoformat(), due.isoformat(), TaskState.cancelled)
    db.session.flush()
    as_of = D("2026-03-18")
    trend = month_analysis(2026, 3, as_of)["trend"]
    for point in trend:
        single = month_analysis(point["year"], point["month"], as_of)["totals"]
        assert (point["assigned"], point["completed"], point["overdue"]) == \
            (single["assigned"], single["completed"], single["overdue"]), point["key"]
    assert sum(p["overdue"] for p in trend) > 0 and sum(p["completed"] for p in trend) > 0


def test_month_not_yet_begun_counts_nothing(march):
    a = month_analysis(2026, 5, D("2026-04-05"))
    assert not a["started"]
    assert measures(a["totals"]) == (0, 0, 0, 0, 0)
    assert a["by_unit"] == [] and a["red_units"] == []
    assert a["trend"][-1]["overdue"] == 0


def test_analysis_is_plain_json_so_it_can_be_frozen_into_a_record(march):
    a = month_analysis(2026, 3, D("2026-04-05"))
    assert json.loads(json.dumps(a, ensure_ascii=False)) == a


# --- meeting compliance -------------------------------------------------------------------------------------

def expected(kind, key, scheduled, due, unit_name="市工信局"):
    convener = unit(unit_name)
    meeting = ExpectedMeeting(type=kind, period_key=key, period_start=D(scheduled), period_end=D(scheduled),
                              convener_key=f"unit:{convener.id}", convener_unit_id=convener.id,
                              scheduled_on=D(scheduled), record_due_on=D(due))
    db.session.add(meeting)
    db.session.flush()
    return meeting


def record(meeting, logged_at):
    db.session.add(MeetingRecord(expected_id=meeting.id, type=meeting.type, held_on=meeting.scheduled_on,
                                 created_at=logged_at))
    db.session.flush()


def test_compliance_counts_the_months_meetings_recorded_on_time_late_missing_and_pending():
    record(expected(MeetingType.weekly, "2026-W10", "2026-03-06", "2026-03-10"),
           datetime(2026, 3, 10, 15, 0, tzinfo=UTC))  # 23:00 in Xiangtan on the due day: on time
    record(expected(MeetingType.weekly, "2026-W11", "2026-03-13", "2026-03-17"),
           datetime(2026, 3, 17, 17, 0, tzinfo=UTC))  # 01:00 on the 18th in Xiangtan: late
    expected(MeetingType.weekly, "2026-W12", "2026-03-20", "2026-03-24")  # missing
    expected(MeetingType.monthly, "2026-03", "2026-03-31", "2026-04-03")  # not due yet on 04-02
    expected(MeetingType.weekly, "2026-W14", "2026-04-03", "2026-04-07")  # April: not counted
    cancelled = expected(MeetingType.dispatch, "2026-03-1", "2026-03-10", "2026-03-12")
    cancelled.is_cancelled = True
    db.session.flush()
    c = month_analysis(2026, 3, D("2026-04-02"))["compliance"]
    weekly = pick(c["by_type"], "type", "weekly")
    assert (weekly["expected"], weekly["recorded"], weekly["late"], weekly["missing"], weekly["pending"]) == \
        (3, 1, 1, 1, 0)
    assert weekly["logged"] == 2 and weekly["rate"] == "66.7%" and weekly["label"] == "周会商"
    monthly = pick(c["by_type"], "type", "monthly")
    assert (monthly["expected"], monthly["pending"], monthly["rate"]) == (1, 1, None)
    assert pick(c["by_type"], "type", "dispatch")["expected"] == 0
    assert (c["total"]["expected"], c["total"]["logged"], c["total"]["missing"]) == (4, 2, 1)
    assert c["total"]["rate"] == "66.7%"


# --- constant queries ---------------------------------------------------------------------------------------

def test_query_count_does_not_grow_with_tasks_units_or_plans(march, count_queries):
    month_analysis(2026, 3, D("2026-04-05"))  # warm: the working-day calendar is loaded once per request
    with count_queries() as small:
        month_analysis(2026, 3, D("2026-04-05"))
    names = db.session.scalars(sa.select(Unit.name).where(Unit.group.is_not(None))).all()
    codes = db.session.scalars(sa.select(Plan.code)).all()
    for index in range(300):
        day = 1 + index % 28
        make_task(names[index % len(names)], f"2026-03-{day:02d}", f"2026-03-{min(day + 5, 31):02d}",
                  plan=codes[index % len(codes)])
    db.session.flush()
    with count_queries() as large:
        a = month_analysis(2026, 3, D("2026-04-05"))
    assert len(a["by_unit"]) > 40
    # 5 statements for the tasks' part; the indicators' section (the ledger's snapshot, app.ledger.measures) adds
    # its own fixed number
    assert small.count == large.count <= 20, large.statements


# --- charts -------------------------------------------------------------------------------------------------

def test_charts_are_inline_svg_stating_every_value(march):
    charts = analysis_charts(month_analysis(2026, 3, D("2026-04-05")))
    assert set(charts) == {"by_group", "by_plan", "trend"}
    for svg in charts.values():
        assert svg.startswith("<svg") and svg.endswith("</svg>") and "style=" not in svg and "<script" not in svg
    assert "县市区组：新交办1，办结0，逾期未办结1" in charts["by_group"]
    assert "P1 优势产业链“强链”计划：新交办2，办结2，逾期未办结1" in charts["by_plan"]
    assert "3月：新交办4，办结2，逾期未办结4" in charts["trend"]


@pytest.mark.parametrize(("value", "top"), [(0, 5), (5, 5), (6, 10), (11, 20), (21, 50), (120, 200), (500, 500)])
def test_chart_axis_ends_on_a_round_number(value, top):
    assert nice_max(value) == top


# --- month parameter ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected_month"), [
    ("2026-11", (2026, 11)), ("2026-3", (2026, 3)), (" 2026-03 ", (2026, 3)),
    ("2026-13", None), ("2026-00", None), ("26-11", None), ("2026/11", None), ("", None), ("abc", None),
    ("1999-01", None), (None, None), ("2026-11-01", None), ("２０２６-11", None),
])
def test_month_parameter_is_year_dash_month(text, expected_month):
    assert parse_month(text) == expected_month


# --- Excel --------------------------------------------------------------------------------------------------

def test_excel_has_one_sheet_per_part_with_the_numbers_of_the_analysis(march):
    a = month_analysis(2026, 3, D("2026-04-05"))
    data = analysis_workbook(a)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["概况", "按单位", "按分组", "按计划", "红灯单位", "会议落实", "指标完成"]
    summary = [[c for c in row if c is not None] for row in wb["概况"].iter_rows(values_only=True)]
    assert any(row[:2] == ["新交办", 4] for row in summary), summary
    assert any(row[:2] == ["逾期未办结", 4] for row in summary), summary
    units = list(wb["按单位"].iter_rows(min_row=4, values_only=True))
    xgj = next(r for r in units if r[2] == "市工信局")
    assert list(xgj[3:8]) == [3, 2, 1, 1, 2]
    red = list(wb["红灯单位"].iter_rows(min_row=4, values_only=True))
    assert [r[:3] for r in red[:3]] == [(1, "市工信局", "市直·产业推进单位"), (2, "湘潭县", "县市区组"),
                                        (2, "市发改委", "市直·产业推进单位")]


def test_excel_keeps_formula_like_names_as_text(march):
    xgj = unit("市工信局")
    xgj.short_name = '=HYPERLINK("http://evil.example","点我")'
    db.session.flush()
    a = month_analysis(2026, 3, D("2026-04-05"))
    data = analysis_workbook(a)
    wb = load_workbook(io.BytesIO(data))
    cells = [c for row in wb["按单位"].iter_rows() for c in row if c.value == xgj.short_name]
    cells += [c for row in wb["红灯单位"].iter_rows() for c in row if c.value == xgj.short_name]
    assert len(cells) == 2
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_excel_counts_are_numbers_with_the_published_table_frame_and_print_setup(march):
    a = month_analysis(2026, 3, D("2026-04-05"))
    data = analysis_workbook(a)
    wb = load_workbook(io.BytesIO(data))
    assert wb.properties.title == "湘潭市产业强市“千百十”工程2026年3月分析"
    for ws in wb.worksheets:
        ncols = sum(1 for c in ws[3] if c.value is not None)
        last = chr(ord("A") + ncols - 1)
        title, subtitle = ws["A1"], ws["A2"]
        assert title.font.name == "黑体" and title.font.b and title.font.sz == 16 and f"A1:{last}1" in ws.merged_cells
        assert subtitle.value.startswith("统计期：2026-03-01 至 2026-03-31") and f"A2:{last}2" in ws.merged_cells
        for cell in ws[3][:ncols]:
            assert cell.font.b and cell.fill.fgColor.rgb.endswith("D9D9D9") and cell.border.top.style == "thin"
            assert cell.alignment.wrap_text and cell.alignment.horizontal == "center"
        assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and (ws.page_setup.fitToWidth or 1) == 1
        assert ws.print_title_rows.replace("$", "") == "1:3" and ws.freeze_panes == "C4"
        assert ws.print_area.replace("$", "").endswith(f"A1:{last}{ws.max_row}")
        assert not any(c.data_type == "f" for r in ws.iter_rows() for c in r)
    units = wb["按单位"]
    xgj = next(r for r in range(4, units.max_row + 1) if units.cell(r, 3).value == "市工信局")
    counts = [units.cell(xgj, c) for c in range(4, 9)]
    assert [c.value for c in counts] == [3, 2, 1, 1, 2] and all(c.data_type == "n" for c in counts)
    assert counts[0].alignment.horizontal == "center" and units.cell(xgj, 3).alignment.vertical == "top"
    total = units.cell(units.max_row, 1)
    assert total.value == "合计" and total.font.b and not units.cell(xgj, 1).font.b
    assert units.cell(units.max_row, 4).data_type == "n"


# --- the live page ------------------------------------------------------------------------------------------

def test_page_shows_the_months_analysis_with_charts_for_the_office(client, login_as, clock, march):
    clock.set(datetime(2026, 4, 5, 9, 0))
    login_as("admin")
    response = client.get("/meetings/analysis?month=2026-03")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "湘潭市产业强市“千百十”工程2026年3月分析" in html
    assert "评价日 2026-03-31" in html and "本月尚未结束" not in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') >= 3
    assert "红灯事项最多的单位" in html and "市工信局" in html
    assert "会议落实情况" in html
    assert "/meetings/analysis?month=2026-02" in html and "/meetings/analysis?month=2026-04" in html
    assert "/meetings/analysis.xlsx?month=2026-03" in html
    assert 'aria-current="page" href="/meetings/analysis">月度分析</a>' in html  # the meetings section's tab


def test_the_meetings_tabs_link_the_analysis_for_those_who_may_read_it(client, login_as, clock):
    login_as("admin")
    assert 'href="/meetings/analysis">月度分析</a>' in client.get("/meetings/").get_data(as_text=True)
    login_as("gxj")
    assert "月度分析" not in client.get("/meetings/").get_data(as_text=True)


def test_page_defaults_to_the_running_month_and_offers_no_next_month(client, login_as, clock, march):
    login_as("shizhang")
    html = client.get("/meetings/analysis").get_data(as_text=True)
    assert "2026年3月分析" in html and "评价日 2026-03-10" in html and "本月尚未结束" in html
    assert "month=2026-04" not in html


def test_observers_read_the_analysis_and_unit_staff_may_not(client, login_as, clock):
    login_as("guancha")
    assert client.get("/meetings/analysis").status_code == 200
    login_as("gxj")
    assert client.get("/meetings/analysis").status_code == 403
    assert client.get("/meetings/analysis.xlsx").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, clock):
    response = client.get("/meetings/analysis")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(("month", "message"), [
    ("2026-13", "月份“2026-13”格式不正确，请按“年-月”填写，如 2026-03。"),
    ("三月", "格式不正确"),
    ("2026-04", "2026年4月尚未开始，只能分析本月及以前的月份。"),
])
def test_bad_or_future_month_is_refused_in_chinese(client, login_as, clock, month, message):
    login_as("admin")
    for url in ("/meetings/analysis", "/meetings/analysis.xlsx"):
        response = client.get(url, query_string={"month": month})
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)


def test_excel_download_of_the_page(client, login_as, clock, march):
    clock.set(datetime(2026, 4, 5, 9, 0))
    login_as("admin")
    response = client.get("/meetings/analysis.xlsx?month=2026-03")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "2026%E5%B9%B43%E6%9C%88" in response.headers["Content-Disposition"]  # 2026年3月
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["概况", "按单位", "按分组", "按计划", "红灯单位", "会议落实", "指标完成"]
    assert wb["按分组"].cell(row=1, column=1).value == "湘潭市产业强市“千百十”工程2026年3月分析"


def test_excel_of_an_empty_month_says_so_on_each_empty_sheet():
    a = month_analysis(2026, 3, D("2026-04-05"))
    data = analysis_workbook(a)
    wb = load_workbook(io.BytesIO(data))
    assert wb["红灯单位"].cell(row=4, column=1).value == "本月无数据。"
    assert wb["按单位"].cell(row=4, column=1).value == "本月无数据。"
    assert wb["按分组"].cell(row=4, column=2).value == "县市区组"


def test_page_says_what_its_red_counts_count_and_keeps_wide_tables_in_their_own_scroll_box(
        client, login_as, clock, march):
    clock.set(datetime(2026, 4, 5, 9, 0))
    login_as("shizhang")
    html = client.get("/meetings/analysis?month=2026-03").get_data(as_text=True)
    definition = ("红灯：评价日（2026-03-31）已过完成时限仍未办结的交办事项，按牵头单位统计"
                  "（配合单位、已撤销的事项不计），与“逾期未办结”为同一数；评价日之后才办结的事项在评价日仍按未办结计。"
                  "待办、督办清单中的红灯按今天计算，数目可能不同。")
    assert html.count(definition) == 2  # beside the lights of the evaluation day and the units with most red
    # every table sits in a focusable, named box that scrolls sideways on its own (the page does not)
    assert html.count('<table') == html.count('role="region" aria-label=') + 1  # but the two-column lights table
    assert 'tabindex="0" role="region" aria-label="各单位情况"' in html
    # the trend chart's months as a table too
    assert "<summary>近十二个月数据表</summary>" in html
    assert '<tr><th scope="row">3月</th><td class="num">4</td><td class="num">2</td><td class="num">4</td></tr>' in html
