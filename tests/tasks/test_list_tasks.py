"""The task tables' narrow rows (queries.load_task_lines) say what the task objects say: the same light, plan, lead
unit, co-units in the parties' order, and the lead unit's latest follow-up — for tasks with and without co-units,
plan, follow-ups or an extension, and in any state."""

import re
from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.tasks import queries, services
from app.tasks.models import Task, TaskState
from tests.factories import account, assign_task, make_task, plan, unit

TODAY = date(2026, 3, 10)


def _as_objects_say(task, window):
    lead = task.party_for(task.lead_unit_id)
    follow_up = lead.last_follow_up if lead else None
    return (task.id, task.title, window.of(task), f"{task.plan.code} {task.plan.name}" if task.plan else None,
            (task.lead_unit.id, task.lead_unit.name, task.lead_unit.short_name),
            lead.last_reported_on if lead else None,
            [(p.unit_id, p.unit.name, p.unit.short_name,
              (p.last_follow_up.reported_on, p.last_follow_up.text) if p.last_follow_up else None)
             for p in task.parties if not p.is_lead],
            (follow_up.reported_on, follow_up.percent, follow_up.text) if follow_up else None,
            task.assigned_on, task.due_on, task.original_due_on, task.completed_on, task.state, task.is_open,
            task.urge_count, task.priority)


def _as_rows_say(row, window):
    return (row.id, row.title, window.of(row), f"{row.plan_code} {row.plan_name}" if row.plan_code else None,
            (row.lead_unit.id, row.lead_unit.name, row.lead_unit.short_name), row.lead_reported_on,
            [(unit.id, unit.name, unit.short_name, (progress.reported_on, progress.text) if progress else None)
             for unit, progress in row.co_units],
            (row.progress.reported_on, row.progress.percent, row.progress.text) if row.progress else None,
            row.assigned_on, row.due_on, row.original_due_on, row.completed_on, row.state, row.is_open,
            row.urge_count, row.priority)


def test_the_narrow_rows_say_what_the_task_objects_say(clock):  # the clock stands on TODAY
    gxj, kjj = account("gxj"), account("kjj")
    with_everything = assign_task("配合单位、计划和进展俱全", lead="市科技局", co=("市工信局", "市发改委"),
                                  due="2026-03-12", plan=plan("P1"))
    services.accept_task(kjj, with_everything)
    services.record_follow_up(kjj, with_everything, "第一次进展", 20, TODAY)
    services.record_follow_up(kjj, with_everything, "最新进展", 60, TODAY)
    services.record_follow_up(gxj, with_everything, "配合单位的进展", 30, TODAY)
    extended = assign_task("延期的事项", lead="市工信局", due="2026-03-20")
    services.accept_task(gxj, extended)
    services.request_extension(gxj, extended, date(2026, 4, 30), "设备到货推迟", TODAY)
    services.decide_extension(account("admin"), extended, True)
    bare = make_task("市发改委", due="2026-03-01", title="逾期而无反馈")
    done = make_task("湘潭县人民政府", due="2026-03-05", state=TaskState.completed, completed="2026-03-04",
                     title="按时办结")
    db.session.commit()
    ids = [with_everything.id, extended.id, bare.id, done.id]
    window = queries.light_window(TODAY)
    db.session.expire_all()
    objects = {t.id: t for t in db.session.scalars(sa.select(Task).where(Task.id.in_(ids)))}
    rows = {r.id: r for r in queries.load_task_lines(ids)}
    assert sorted(rows) == sorted(ids)
    for task_id in ids:
        assert _as_rows_say(rows[task_id], window) == _as_objects_say(objects[task_id], window)
    assert rows[with_everything.id].progress.text == "最新进展"  # the lead unit's, not the co-unit's
    assert [unit.short_name for unit, _ in rows[with_everything.id].co_units] == [
        p.unit.short_name for p in objects[with_everything.id].parties if not p.is_lead]
    assert [progress.text for unit, progress in rows[with_everything.id].co_units if progress] == ["配合单位的进展"]
    co_unit_ids = [unit.id for unit, _ in rows[with_everything.id].co_units]
    assert rows[with_everything.id].unit_ids == [unit("市科技局").id, *co_unit_ids]
    assert queries.load_task_lines([]) == []


def test_the_whole_list_by_its_filter_gives_the_same_lines_as_by_their_ids(clock):
    ids = [assign_task(f"按筛选读取{n}", lead="市科技局", co=("市工信局",), due="2026-03-20").id for n in range(3)]
    db.session.commit()
    by_filter = queries.load_task_lines(where=[Task.lead_unit_id == unit("市科技局").id, Task.id.in_(ids)])
    by_id = queries.load_task_lines(ids)
    assert sorted(by_filter, key=lambda line: line.id) == sorted(by_id, key=lambda line: line.id)
    assert len(by_id) == 3 and all(len(line.co_units) == 1 for line in by_id)


def test_a_page_of_narrow_rows_takes_one_statement_whatever_its_length(clock, count_queries):
    """The tasks and their co-units in one statement (issue #13: one round trip fewer a list page)."""
    ids = [make_task("市工信局", due=f"2026-03-{day:02d}", title=f"事项{day}").id for day in range(1, 29)]
    db.session.commit()
    with count_queries() as few:
        assert len(queries.load_task_lines(ids[:3])) == 3
    with count_queries() as many:
        assert len(queries.load_task_lines(ids)) == 28
    assert few.count == many.count == 1


def test_a_filter_is_joined_as_the_set_of_tasks_to_start_from(app):
    """The whole list by its filter (print, Excel): the filter's ids are a derived table the tasks join to, not an
    `IN (select …)` beside the outer joins: PostgreSQL planned the latter by joining every task of the city to its
    parties and follow-ups first (632 ms instead of 32 for the stress dispatch list's Excel file, issue #13)."""
    statement = queries.task_line_statement(sa.select(Task.id).where(Task.lead_unit_id == 1).correlate(None))
    sql = " ".join(str(statement.compile(db.engine)).split())
    assert re.search(r"FROM \(SELECT tasks\.id AS id FROM tasks WHERE .*?\) AS chosen JOIN tasks ON tasks\.id = "
                     r"chosen\.id", sql), sql
    assert "IN (SELECT" not in sql
    by_page = " ".join(str(queries._task_line_statement_by_id().compile(db.engine)).split())
    assert "chosen" not in by_page and "tasks.id IN (__[POSTCOMPILE_ids])" in by_page
