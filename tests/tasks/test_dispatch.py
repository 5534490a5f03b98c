"""The 10-day dispatch list (旬调度清单): 旬 boundaries, which tasks it shows for a vice mayor's portfolio, grouped
by unit with light, working days overdue, the latest follow-ups and the "no follow-up since the previous 旬" flag,
in a number of queries that does not grow with the rows."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from app.core.calendar import get_calendar
from app.core.periods import Xun
from app.core.workdays import LIBRARY_LAST_YEAR
from app.demo.org import PORTFOLIOS
from app.extensions import db
from app.org.models import PortfolioItem
from app.tasks import services
from app.tasks.dispatch_queries import dispatch_list
from app.tasks.models import Light
from app.tasks.queries import units_with_red_tasks
from tests.factories import account, person, unit
from tests.tasks.helpers import add_reported_task

D = date.fromisoformat
FALLBACK_YEAR = max(LIBRARY_LAST_YEAR + 1, 2031)


# --- 旬 -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "index", "start", "end"), [
    ("2026-03-01", 1, "2026-03-01", "2026-03-10"),
    ("2026-03-10", 1, "2026-03-01", "2026-03-10"),
    ("2026-03-11", 2, "2026-03-11", "2026-03-20"),
    ("2026-03-20", 2, "2026-03-11", "2026-03-20"),
    ("2026-03-21", 3, "2026-03-21", "2026-03-31"),  # a 31-day month: the 下旬 has 11 days
    ("2026-03-31", 3, "2026-03-21", "2026-03-31"),
    ("2026-04-30", 3, "2026-04-21", "2026-04-30"),
    ("2026-02-21", 3, "2026-02-21", "2026-02-28"),  # February: 8 days
    ("2026-02-28", 3, "2026-02-21", "2026-02-28"),
    ("2028-02-29", 3, "2028-02-21", "2028-02-29"),  # a leap year: 9 days
    ("2026-12-31", 3, "2026-12-21", "2026-12-31"),
])
def test_xun_boundaries_are_1_to_10_11_to_20_and_21_to_the_end_of_the_month(day, index, start, end):
    xun = Xun.of(D(day))
    assert xun.index == index
    assert (xun.start, xun.end) == (D(start), D(end))


@pytest.mark.parametrize(("code", "previous", "next_"), [
    ("2026-03-1", "2026-02-3", "2026-03-2"),
    ("2026-03-2", "2026-03-1", "2026-03-3"),
    ("2026-02-3", "2026-02-2", "2026-03-1"),
    ("2026-12-3", "2026-12-2", "2027-01-1"),
    ("2027-01-1", "2026-12-3", "2027-01-2"),
])
def test_previous_and_next_xun_cross_months_and_years(code, previous, next_):
    xun = Xun.parse(code)
    assert xun.previous() == Xun.parse(previous)
    assert xun.next() == Xun.parse(next_)


def test_xun_code_label_and_parse():
    xun = Xun.of(D("2026-11-16"))
    assert xun.code == "2026-11-2"
    assert xun.label == "2026年11月中旬"
    assert Xun.parse(xun.code) == xun
    assert Xun.parse("2026-1-3") == Xun(2026, 1, 3)
    for bad in ("", "2026-11", "2026-13-1", "2026-11-4", "2026-11-0", "1999-01-1", "abc", "2026-11-2-1", None):
        assert Xun.parse(bad) is None


@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31)))
def test_every_day_lies_in_exactly_one_xun_and_neighbours_are_adjacent(day):
    xun = Xun.of(day)
    assert xun.start <= day <= xun.end
    assert xun.next().start == xun.end + timedelta(1)
    assert xun.previous().end == xun.start - timedelta(1)
    assert xun.next().previous() == xun and xun.previous().next() == xun
    assert 8 <= (xun.end - xun.start).days + 1 <= 11


# --- the list -----------------------------------------------------------------------------------------------

XUN = Xun(2026, 11, 2)  # 2026-11-11 … 2026-11-20; the previous 旬 began on 11-01
AS_OF = D("2026-11-16")  # a Monday


def assign(title, lead, due, assigned="2026-10-08", co=()):
    return services.assign_task(account("admin"), title=title, lead_unit=unit(lead), co_units=[unit(n) for n in co],
                                due_on=D(due), today=D(assigned))


def report(username, task, day, text=None, percent=50):
    services.record_follow_up(account(username), task, text or f"{username} {day}", percent, D(day))


def complete(task, on, requested=None):
    services.accept_task(account("gxj"), task)
    services.request_completion(account("gxj"), task, D(on), "完成", D(requested or on))
    services.approve_completion(account("admin"), task)


@pytest.fixture
def portfolio_tasks(clock):
    """Tasks around the 2026-11 中旬 for 丁诚's portfolio (市工信局, 湘乡市 …) and one outside it."""
    tasks = {}
    tasks["reported"] = t = assign("本旬有反馈", "市工信局", "2026-12-31", co=("市发改委", "市科技局"))
    services.accept_task(account("gxj"), t)
    report("gxj", t, "2026-10-20", "十月进展")
    report("gxj", t, "2026-11-12", "十一月进展", 70)
    report("fgw", t, "2026-11-13", "发改委配合进展", 40)
    tasks["overdue"] = t = assign("逾期未反馈", "市工信局", "2026-11-05")
    services.accept_task(account("gxj"), t)
    report("gxj", t, "2026-10-25")
    tasks["last_xun"] = t = assign("上旬有反馈", "市工信局", "2026-11-18")
    services.accept_task(account("gxj"), t)
    report("gxj", t, "2026-11-01")
    tasks["new"] = assign("新交办未反馈", "湘乡市人民政府", "2026-12-15", assigned="2026-11-02")
    tasks["silent"] = assign("从未反馈", "湘乡市人民政府", "2026-12-20")
    tasks["done_in_xun"] = t = assign("本旬办结", "市工信局", "2026-11-15")
    complete(t, "2026-11-12")
    tasks["due_in_xun_done_before"] = t = assign("本旬到期已提前办结", "市工信局", "2026-11-19")
    complete(t, "2026-11-05")
    # not on the list
    t = assign("上月办结", "市工信局", "2026-10-30")
    complete(t, "2026-10-20")
    t = assign("已撤销", "市工信局", "2026-11-15")
    services.cancel_task(account("admin"), t, "调整")
    assign("非分管单位牵头", "市发改委", "2026-11-15", co=("市工信局",))
    assign("旬后交办", "市工信局", "2026-12-31", assigned="2026-11-25")
    db.session.flush()
    return tasks


def test_dispatch_list_shows_open_tasks_and_those_due_or_completed_in_the_xun_grouped_by_unit(portfolio_tasks):
    leader = person("丁诚")
    dl = dispatch_list(leader, XUN, AS_OF)
    assert dl.title == "副市长丁诚 2026年11月中旬调度清单"
    assert not dl.provisional
    assert sorted(u.name for u, _ in dl.units) == sorted(PORTFOLIOS["丁诚"])
    assert [u.sort_order for u, _ in dl.units] == sorted(u.sort_order for u, _ in dl.units)
    by_unit = {u.name: [row.task.title for row in rows] for u, rows in dl.units}
    # red first, then yellow, green and done; within a light by due date
    assert by_unit["市工信局"] == ["逾期未反馈", "上旬有反馈", "本旬有反馈", "本旬办结", "本旬到期已提前办结"]
    assert by_unit["湘乡市人民政府"] == ["新交办未反馈", "从未反馈"]
    assert all(not rows for name, rows in by_unit.items() if name not in ("市工信局", "湘乡市人民政府"))
    assert len(dl.rows) == 7

    rows = {row.task.id: row for row in dl.rows}
    t = portfolio_tasks
    summary = {key: (rows[t[key].id].light, rows[t[key].id].days_overdue, rows[t[key].id].stale) for key in t}
    assert summary == {
        "reported": (Light.green, 0, False),
        "overdue": (Light.red, 7, True),  # 11-06, 09–13, 16; last report 10-25, before the previous 旬
        "last_xun": (Light.yellow, 0, False),  # reported on 11-01, the first day of the previous 旬
        "new": (Light.green, 0, False),  # assigned within the previous 旬: no chance to report yet
        "silent": (Light.green, 0, True),  # assigned before it and never reported
        "done_in_xun": (Light.done_on_time, 0, False),
        "due_in_xun_done_before": (Light.done_on_time, 0, False),
    }
    assert get_calendar().workdays_overdue(D("2026-11-05"), AS_OF) == 7

    reported = rows[t["reported"].id]
    assert reported.lead_progress.text == "十一月进展" and reported.lead_progress.percent == 70
    co = [(u.name, f.text if f else None) for u, f in reported.co_progress]
    assert sorted(co, key=lambda pair: unit(pair[0]).id) == co
    assert dict(co) == {"市发改委": "发改委配合进展", "市科技局": None}
    assert rows[t["silent"].id].lead_progress is None


def test_dispatch_list_of_another_leader_shows_only_their_portfolio(portfolio_tasks):
    dl = dispatch_list(person("吴志雄"), XUN, AS_OF)
    assert [row.task.title for row in dl.rows] == ["非分管单位牵头"]
    assert dict((u.name, len(rows)) for u, rows in dl.units)["市发改委"] == 1


def test_dispatch_list_follows_the_portfolio_in_force_on_the_day_it_is_drawn_up(portfolio_tasks):
    item = db.session.scalar(sa.select(PortfolioItem).where(PortfolioItem.person_id == person("丁诚").id,
                                                            PortfolioItem.unit_id == unit("市工信局").id))
    item.ends_on = D("2026-11-10")
    db.session.flush()
    dl = dispatch_list(person("丁诚"), XUN, AS_OF)
    assert "市工信局" not in [u.name for u, _ in dl.units]
    assert [row.task.title for row in dl.rows] == ["新交办未反馈", "从未反馈"]
    # the 2026-10 下旬, when the unit was still in the portfolio: open tasks assigned by its end, and the one due
    # within it although completed; not tasks assigned later, completed ones due elsewhere, or cancelled ones
    earlier = dispatch_list(person("丁诚"), Xun(2026, 10, 3), D("2026-10-31"))
    assert {u.name: [row.task.title for row in rows] for u, rows in earlier.units if rows} == {
        "市工信局": ["逾期未反馈", "上旬有反馈", "本旬有反馈", "上月办结"], "湘乡市人民政府": ["从未反馈"]}


def test_dispatch_list_in_a_year_nobody_has_entered_is_provisional():
    xun = Xun(FALLBACK_YEAR, 3, 2)
    assert dispatch_list(person("丁诚"), xun, xun.start).provisional


# --- query count --------------------------------------------------------------------------------------------

def add_tasks(n, start=0):
    """n open tasks for 丁诚's units, each with two co-units and follow-ups by the lead and one co-unit."""
    leads = [unit(name) for name in PORTFOLIOS["丁诚"]]
    co_units = [unit("市发改委"), unit("市科技局")]
    for i in range(start, start + n):
        lead = leads[i % len(leads)]
        add_reported_task(f"批量事项{i}", lead, co_units, D("2026-10-01"), D("2026-11-01") + timedelta(i % 40),
                          [(0, D("2026-11-12"), f"进展{i}", i % 100), (1, D("2026-11-03"), f"进展{i}", i % 100)])


def render(dl):
    """Touch everything the page and the workbook show."""
    shown = [dl.title, dl.xun.previous().label, dl.xun.next().label]
    for u, rows in dl.units:
        shown.append(u.short_name)
        for row in rows:
            task = row.task
            shown += [task.title, task.priority, task.lead_unit.name, task.due_on, task.state.label, task.urge_count,
                      task.is_open, task.assigned_on, row.light.label, row.days_overdue, row.stale]
            if row.lead_progress:
                shown += [row.lead_progress.text, row.lead_progress.reported_on, row.lead_progress.percent]
            for co_unit, follow_up in row.co_progress:
                shown += [co_unit.name, co_unit.short_name, follow_up and (follow_up.text, follow_up.reported_on)]
    return shown


def test_dispatch_list_query_count_does_not_grow_with_rows(count_queries, clock):
    leader = person("丁诚")
    get_calendar()  # the calendar is loaded once per request

    def measure():
        db.session.expire_all()
        with count_queries() as counter:
            dl = dispatch_list(leader, XUN, AS_OF)
            render(dl)
        return counter.count, len(dl.rows)

    add_tasks(2)
    few, few_rows = measure()
    add_tasks(40, start=2)
    many, many_rows = measure()
    assert (few_rows, many_rows) == (2, 42)
    assert many == few, f"{few} queries for {few_rows} rows, {many} for {many_rows}"
    assert few <= 8


def test_dispatch_list_counts_lights_new_and_stale_tasks_for_the_list_and_each_unit(portfolio_tasks):
    """By hand: 市工信局 has 逾期未反馈 (red, stale), 上旬有反馈 (yellow), 本旬有反馈 (green), 本旬办结 and
    本旬到期已提前办结 (done), plus 本旬新交办 (green, assigned on 11-12: new, not stale); 湘乡市 has 新交办未反馈
    (green, assigned in the previous 旬: not new, not stale) and 从未反馈 (green, stale)."""
    assign("本旬新交办", "市工信局", "2026-12-10", assigned="2026-11-12")
    db.session.flush()
    dl = dispatch_list(person("丁诚"), XUN, AS_OF)
    assert dl.summary.text == "8 项：红灯 1 · 黄灯 1 · 绿灯 4 · 办结 2"
    assert (dl.summary.new, dl.summary.stale) == (1, 2)
    gxj, xx = unit("市工信局").id, unit("湘乡市人民政府").id
    assert dl.unit_summary(gxj).text == "6 项：红灯 1 · 黄灯 1 · 绿灯 2 · 办结 2"
    assert (dl.unit_summary(gxj).new, dl.unit_summary(gxj).stale) == (1, 1)
    assert dl.unit_summary(xx).text == "2 项：红灯 0 · 黄灯 0 · 绿灯 2 · 办结 0"
    assert (dl.unit_summary(xx).new, dl.unit_summary(xx).stale) == (0, 1)
    assert dl.unit_summary(unit("市通管办").id).text == "0 项：红灯 0 · 黄灯 0 · 绿灯 0 · 办结 0"
    # a page of the list counts the whole list, and keeps the red-first order across pages
    first = dispatch_list(person("丁诚"), XUN, AS_OF, page=1, per_page=4)
    second = dispatch_list(person("丁诚"), XUN, AS_OF, page=2, per_page=4)
    assert first.summary == dl.summary and first.unit_summaries == dl.unit_summaries
    assert [r.task.title for r in first.rows + second.rows] == [r.task.title for r in dl.rows]
    assert [r.task.title for r in dl.rows if r.task.lead_unit_id == gxj] == [
        "逾期未反馈", "上旬有反馈", "本旬新交办", "本旬有反馈", "本旬办结", "本旬到期已提前办结"]


def test_dispatch_list_title_names_the_persons_real_post(portfolio_tasks):
    assert dispatch_list(person("丁诚"), XUN, AS_OF).title == "副市长丁诚 2026年11月中旬调度清单"
    # his post is “副市长(负责日常工作)”: the remark on his duties does not head the list
    assert dispatch_list(person("杨晓军"), XUN, AS_OF).title == "副市长杨晓军 2026年11月中旬调度清单"
    assert dispatch_list(person("吴志雄"), XUN, AS_OF).title == "常务副市长吴志雄 2026年11月中旬调度清单"
    assert dispatch_list(person("胡贺波"), XUN, AS_OF).title == "市长胡贺波 2026年11月中旬调度清单"
    assert dispatch_list(person("刘志仁"), XUN, AS_OF).title == "市委书记刘志仁 2026年11月中旬调度清单"


def test_a_current_lists_overdue_units_are_read_from_its_own_rows_and_match_the_query(portfolio_tasks):
    """For a 旬 not yet over, the units leading an overdue open task ("有逾期事项") come from the list's own rows,
    one statement fewer per view (issue #13), and are the units the query finds; for a past 旬 the list does not
    hold every open task, and leaves the answer to the query."""
    leader = person("丁诚")
    dl = dispatch_list(leader, XUN, AS_OF, page=1, per_page=60)
    asked = units_with_red_tasks(AS_OF, [u.id for u, _ in dl.units])
    assert dl.red_unit_ids == asked == {unit("市工信局").id}
    assert dispatch_list(leader, XUN, AS_OF).red_unit_ids == asked  # the whole list (print, Excel) likewise
    assert dispatch_list(leader, XUN.previous(), AS_OF).red_unit_ids is None
