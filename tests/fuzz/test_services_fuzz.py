"""Fuzzing the services with hypothesis: arbitrary strings, dates, numbers and ids, valid and invalid.

Every call either succeeds (and then writes its audit entry) or raises a ServiceError (or subclass) whose message
is Chinese, and a refusal writes nothing: the row counts of the tables the service touches are the same before
and after, and the session holds no pending rows. Each example runs in its own savepoint.
"""

import io
import zipfile
from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import event, given
from hypothesis import strategies as st
from openpyxl import Workbook

from app.core import calendar as calendar_service
from app.core.errors import ServiceError
from app.core.models import AuditEntry, CalendarOverride, CalendarYear
from app.extensions import db
from app.org import services as org_services
from app.org.models import Chain, GroupMembership, GroupRole, Person, PortfolioItem, Position, Unit
from app.reminders import services as reminder_services
from app.reminders.models import Channel, ChannelPreference, ReminderSetting
from app.reminders.rules import DEFAULTS
from app.scoring.entries import TWO_PLACES, EntryItem, cells_for_enterer, enter_scores, parse_score
from app.scoring.models import FailDecision, PolicyRate, ScoreEntry
from app.scoring.services import reopen_quarter
from app.scoring.year_inputs import record_fail_decision, set_policy_rate, set_province_first
from app.scoring.year_rules import assessed_units, load_year_rules
from app.tasks import excel
from app.tasks import services as task_services
from app.tasks.models import (
    CompletionRequest,
    ExtensionRequest,
    FollowUp,
    Task,
    TaskEvent,
    TaskParty,
    TaskPriority,
    TaskSource,
    Urge,
)
from tests.factories import account, unit
from tests.fuzz.conftest import example_savepoint, fuzz_settings, has_chinese, row_counts

TODAY = date(2026, 3, 10)
USERS = ("admin", "shuji", "fushizhang", "gxj", "fgw", "kjj", "xtx", "guancha")
TASK_TABLES = (Task, TaskParty, TaskEvent, FollowUp, ExtensionRequest, CompletionRequest, Urge, AuditEntry)

# Text the way people (and attackers) type it: any printable or control character but NUL, which the HTTP
# layer refuses before a service sees it (PostgreSQL cannot store it; see test_forms_fuzz), plus whitespace
# only, long strings and Chinese.
TEXT = st.one_of(
    st.none(),
    st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=60),
    st.sampled_from(["", "   ", "推进重点项目开工", "进展顺利", "<script>alert(1)</script>", "=1+2", "'; DROP TABLE"]),
    st.builds(lambda n: "长" * n, st.sampled_from([199, 200, 201, 1000, 1001, 2001, 5000, 5001])),
)
DATES = st.one_of(st.none(), st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
                  st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)))
SOME_TEXT = st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
                    min_size=1, max_size=60).filter(str.strip)
LIKELY_TEXT = st.one_of(SOME_TEXT, SOME_TEXT, TEXT)  # mostly acceptable, sometimes not
LATER = st.dates(min_value=TODAY, max_value=date(2027, 12, 31))
LIKELY_DATES = st.one_of(LATER, LATER, DATES)
IDS = st.one_of(st.integers(min_value=-5, max_value=5000), st.integers())
SCALARS = st.one_of(st.none(), st.integers(), st.text(max_size=12), st.floats(allow_nan=True),
                    st.sampled_from(["50", "100", "abc", "", "1e9", "-1", "NaN", "Infinity", "3.999"]))


def fetch(model, ident):
    """The row with that id, or None; ids beyond the 32-bit id columns cannot exist (PostgreSQL would refuse
    to compare them)."""
    return db.session.get(model, ident) if ident is not None and -2**31 <= ident < 2**31 else None


def check_refusal(error, before, tables):
    """A refusal: Chinese message, nothing written, nothing pending."""
    assert isinstance(error, ServiceError)
    assert has_chinese(error.message), error.message
    assert not db.session.new, f"pending rows after a refusal: {db.session.new}"
    assert row_counts(*tables) == before


def run_service(call, tables):
    """Call the service; on success the audit log grew (or nothing changed at all); on refusal nothing did."""
    before = row_counts(*tables)
    try:
        result = call()
    except ServiceError as error:
        check_refusal(error, before, tables)
        db.session.rollback()  # what the view does; the example's savepoint is still there
        event(f"refused: {type(error).__name__}")
        return "refused", error
    db.session.flush()
    event("succeeded")
    after = row_counts(*tables)
    if after != before and AuditEntry in tables:
        assert after["audit_entries"] > before["audit_entries"], "a change without an audit entry"
    return "ok", result


# --- tasks --------------------------------------------------------------------------------------------------

ACTIONS = ("accept", "follow_up", "request_completion", "approve_completion", "return", "request_extension",
           "decide_extension", "urge", "cancel")


# For each action, the task state and the account it is meant for; half of the examples use them.
PLAUSIBLE = {
    "accept": ("assigned", "gxj"), "follow_up": ("in_progress", "fgw"), "request_completion": ("accepted", "gxj"),
    "approve_completion": ("completion_requested", "admin"), "return": ("completion_requested", "admin"),
    "request_extension": ("accepted", "gxj"), "decide_extension": ("in_progress", "admin"),
    "urge": ("in_progress", "fushizhang"), "cancel": ("accepted", "admin"),
}


@given(action=st.sampled_from(ACTIONS), plausible=st.booleans(), username=st.sampled_from(USERS),
       state=st.sampled_from(["assigned", "accepted", "in_progress", "completion_requested", "completed",
                              "cancelled"]),
       text=LIKELY_TEXT, day=st.one_of(st.dates(date(2026, 3, 1), TODAY), DATES, LIKELY_DATES),
       number=st.one_of(st.integers(0, 100), SCALARS), level=st.one_of(st.integers(-3, 6), st.integers()),
       version=st.one_of(st.none(), st.just("current"), st.none(), st.just("current"), st.none(),
                         st.integers(-2, 10), st.text(max_size=5)),
       approve=st.booleans())
@fuzz_settings(scale=3)
def test_task_workflow_services_refuse_bad_input_in_chinese_and_write_nothing(
        task_world, action, plausible, username, state, text, day, number, level, version, approve):
    if plausible:
        state, username = PLAUSIBLE[action]
    with example_savepoint():
        actor, task = account(username), db.session.get(Task, task_world[state])
        expected = task.version if version == "current" else version
        calls = {
            "accept": lambda: task_services.accept_task(actor, task, expected),
            "follow_up": lambda: task_services.record_follow_up(actor, task, text, number, TODAY, expected),
            "request_completion": lambda: task_services.request_completion(actor, task, day, text, TODAY, expected),
            "approve_completion": lambda: task_services.approve_completion(actor, task, text, expected),
            "return": lambda: task_services.return_task(actor, task, text, expected),
            "request_extension": lambda: task_services.request_extension(actor, task, day, text, TODAY, expected),
            "decide_extension": lambda: task_services.decide_extension(actor, task, approve, text, expected),
            "urge": lambda: task_services.urge_task(actor, task, level, text, TODAY, expected),
            "cancel": lambda: task_services.cancel_task(actor, task, text, expected),
        }
        before_state = task.state
        outcome, _ = run_service(calls[action], TASK_TABLES)
        if outcome == "refused":
            assert db.session.get(Task, task_world[state]).state is before_state


@given(username=st.sampled_from(("admin", "fushizhang") * 3 + USERS), title=LIKELY_TEXT, content=TEXT,
       source_ref=TEXT, due_on=LIKELY_DATES, lead_id=st.one_of(st.integers(1, 70), st.integers(1, 70), IDS),
       co_ids=st.lists(st.one_of(st.integers(1, 70), st.integers(1, 70), IDS), max_size=5),
       source=st.sampled_from(list(TaskSource)),
       priority=st.sampled_from(list(TaskPriority)), plan_id=st.one_of(st.none(), IDS))
@fuzz_settings(scale=2)
def test_assign_task_refuses_bad_input_in_chinese_and_writes_nothing(
        clock, username, title, content, source_ref, due_on, lead_id, co_ids, source, priority, plan_id):
    from app.org.models import Plan

    with example_savepoint():
        actor = account(username)
        lead = fetch(Unit, lead_id)
        co_units = [fetch(Unit, i) for i in co_ids]
        plan = fetch(Plan, plan_id)
        outcome, task = run_service(lambda: task_services.assign_task(
            actor, title=title, lead_unit=lead, due_on=due_on, today=TODAY, content=content, co_units=co_units,
            source=source, plan=plan, source_ref=source_ref, priority=priority), TASK_TABLES)
        if outcome == "ok":
            assert task.title == title.strip() and task.due_on >= TODAY


# --- scoring ------------------------------------------------------------------------------------------------

SCORING_TABLES = (ScoreEntry, PolicyRate, FailDecision, AuditEntry)


@given(raw=SCALARS)
@fuzz_settings(scale=3)
def test_parse_score_returns_two_decimals_or_a_chinese_refusal(raw):
    try:
        value = parse_score(raw, "测试")
    except ServiceError as error:
        assert has_chinese(error.message)
    else:
        assert value >= 0 and value == value.quantize(TWO_PLACES)


SCORE_VALUES = st.one_of(SCALARS, st.decimals(0, 30, places=2).map(str), st.decimals(0, 30, places=2).map(str),
                         st.sampled_from(["0", "5", "10", "10.00", "0.5"]))


@given(username=st.sampled_from(("gxj", "fgw", "kjj") * 2 + ("admin", "guancha", "fushizhang")),
       year=st.one_of(st.just(2026), st.just(2026), SCALARS), quarter=st.one_of(st.integers(1, 4), st.integers(0, 5),
                                                                               SCALARS),
       picks=st.lists(st.tuples(st.integers(0, 10**6), SCORE_VALUES, TEXT), max_size=6),
       junk=st.lists(st.tuples(st.one_of(st.integers(0, 80), IDS),
                               st.sampled_from(["office", "miit", "ndrc", "most", "x", ""]),
                               st.sampled_from(["", "a", "tasks", "economy", "项目"]), SCALARS, TEXT), max_size=2))
@fuzz_settings(scale=2)
def test_enter_scores_all_or_nothing_with_chinese_refusals(username, year, quarter, picks, junk):
    with example_savepoint():
        actor = account(username)
        year_rules = load_year_rules(2026)
        cells = cells_for_enterer(year_rules, actor.unit_id, assessed_units())
        entries = [EntryItem(unit_id=u.id, assessor=a, sub_item=s, value=value, note=note)
                   for (u, a, s, _maximum), value, note in
                   ((cells[i % len(cells)], value, note) for i, value, note in picks if cells)]
        entries += [EntryItem(unit_id=u, assessor=a, sub_item=s, value=v, note=n)
                    for u, a, s, v, n in junk]
        outcome, _ = run_service(lambda: enter_scores(actor, year, quarter, entries),
                                 SCORING_TABLES)
        if outcome == "ok" and entries:
            assert row_counts(ScoreEntry)["score_entries"] >= 1


@given(username=st.sampled_from(("admin", "gxj")), unit_id=IDS, raw=SCALARS, note=TEXT, reason=TEXT,
       day=DATES, flag=st.booleans(), year=st.one_of(st.just(2026), st.integers(1990, 2110)),
       quarter=st.one_of(st.integers(0, 5), SCALARS),
       which=st.sampled_from(["policy_rate", "fail_decision", "province_first", "reopen"]))
@fuzz_settings(scale=2)
def test_scoring_year_services_refuse_in_chinese(username, unit_id, raw, note, reason, day, flag, year, quarter,
                                                 which):
    with example_savepoint():
        actor = account(username)
        target = fetch(Unit, unit_id)
        calls = {
            "policy_rate": lambda: set_policy_rate(actor, year, target, raw, note),
            "fail_decision": lambda: record_fail_decision(actor, year, target, reason, day),
            "province_first": lambda: set_province_first(actor, year, flag, note),
            "reopen": lambda: reopen_quarter(actor, year, quarter, reason),
        }
        run_service(calls[which], SCORING_TABLES)


# --- organisation -------------------------------------------------------------------------------------------

ORG_TABLES = (Unit, Person, Position, GroupMembership, PortfolioItem, Chain, AuditEntry)
# The forms limit these (the services trust the form for lengths and required names): see app/org/forms.py.
NAME = st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
               min_size=1, max_size=60).filter(lambda s: s.strip())


@given(which=st.sampled_from(["position", "membership", "portfolio", "end", "chain", "unit", "person"]),
       person_id=st.integers(0, 40), unit_id=st.one_of(st.integers(0, 80), IDS), title=NAME,
       role=st.sampled_from(list(GroupRole)), starts_on=DATES, ends_on=DATES, sort_order=st.integers(-1000, 1000),
       flag=st.booleans())
@fuzz_settings(scale=2)
def test_org_services_refuse_in_chinese_and_write_nothing(clock, which, person_id, unit_id, title, role,
                                                          starts_on, ends_on, sort_order, flag):
    with example_savepoint():
        actor = account("admin")
        person = db.session.get(Person, person_id) or db.session.scalars(sa.select(Person).limit(1)).first()
        target = fetch(Unit, unit_id)
        record = db.session.scalars(sa.select(PortfolioItem).limit(1)).first()
        chain = db.session.scalars(sa.select(Chain).limit(1)).first()
        calls = {
            "position": lambda: org_services.add_position(actor, person, target, title, starts_on, ends_on, flag),
            "membership": lambda: org_services.add_membership(actor, person, role, title, starts_on, ends_on,
                                                              sort_order),
            "portfolio": lambda: org_services.add_portfolio_item(actor, person, target, starts_on, ends_on),
            "end": lambda: org_services.end_period(actor, record, ends_on or TODAY, "portfolio.end"),
            "chain": lambda: org_services.set_chain_leader(actor, chain, person, target),
            "unit": lambda: org_services.update_unit(actor, target or unit("市工信局"), title, title[:20], None, flag,
                                                     sort_order),
            "person": lambda: org_services.create_person(actor, title, None),
        }
        run_service(calls[which], ORG_TABLES)


# --- reminders ----------------------------------------------------------------------------------------------

REMINDER_TABLES = (ChannelPreference, ReminderSetting, AuditEntry)
RULE_VALUES = st.one_of(st.none(), st.integers(-5, 50), st.integers(), st.booleans(), st.text(max_size=8),
                        st.lists(st.one_of(st.integers(-2, 40), st.text(max_size=3), st.booleans()), max_size=12),
                        st.sampled_from(["08:30", "17:30", "24:00", "7:5", "23:59", "00:00"]))


@given(username=st.sampled_from(("admin", "gxj", "guancha")), for_unit=st.booleans(),
       changes=st.dictionaries(st.sampled_from(list(Channel)),
                               st.tuples(TEXT, st.booleans(), st.one_of(st.just("KEEP"), TEXT)), max_size=4))
@fuzz_settings(scale=2)
def test_update_channels_refuses_bad_addresses_in_chinese(username, for_unit, changes):
    with example_savepoint():
        actor = account(username)
        inputs = {channel: reminder_services.ChannelInput(
            address=(address or "").strip(), is_enabled=enabled,
            secret=reminder_services.KEEP if secret == "KEEP" else (secret or "").strip())
            for channel, (address, enabled, secret) in changes.items()}
        if for_unit:
            call = lambda: reminder_services.update_channels(actor, inputs, unit=unit("市工信局"))  # noqa: E731
        else:
            call = lambda: reminder_services.update_channels(actor, inputs, user=actor)  # noqa: E731
        run_service(call, REMINDER_TABLES)


@given(username=st.sampled_from(("admin", "gxj")),
       overrides=st.dictionaries(st.sampled_from(sorted(DEFAULTS) + ["junk"]), RULE_VALUES, max_size=6),
       drop=st.lists(st.sampled_from(sorted(DEFAULTS)), max_size=2))
@fuzz_settings(scale=2)
def test_update_rules_refuses_bad_settings_in_chinese(username, overrides, drop):
    with example_savepoint():
        values = dict(DEFAULTS, **overrides)
        for key in drop:
            values.pop(key, None)
        run_service(lambda: reminder_services.update_rules(account(username), values), REMINDER_TABLES)


# --- working-day calendar -----------------------------------------------------------------------------------

CALENDAR_TABLES = (CalendarOverride, CalendarYear, AuditEntry)
CSV_LINES = st.lists(st.one_of(
    st.tuples(st.dates(date(2025, 1, 1), date(2027, 12, 31)).map(str), st.sampled_from(["休", "班", "上班", "x", ""]),
              st.text(max_size=10)).map(",".join),
    st.text(max_size=30)), max_size=8).map("\n".join)


@given(data=st.one_of(st.binary(max_size=300), CSV_LINES.map(lambda s: s.encode("utf-8", "surrogatepass")),
                      CSV_LINES.map(lambda s: s.encode("gb18030", "replace")),
                      CSV_LINES.map(lambda s: b"\xef\xbb\xbf" + s.encode("utf-8", "surrogatepass"))),
       year=st.one_of(st.none(), st.integers(2000, 2100)), source=TEXT)
@fuzz_settings(scale=2)
def test_calendar_notice_import_refuses_malformed_files_in_chinese(data, year, source):
    with example_savepoint():
        actor = account("admin")
        run_service(lambda: calendar_service.import_notice(actor, data, year, (source or "")[:200] or None),
                    CALENDAR_TABLES)


# --- Excel import of tasks ----------------------------------------------------------------------------------

def workbook_bytes(rows):
    wb = Workbook()
    ws = wb.active
    ws.title = excel.TEMPLATE_SHEET
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def zip_bytes(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members:
            archive.writestr(name, content)
    return buffer.getvalue()


CELL_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
HEADER = [excel._header_label(c) for c in excel.COLUMNS]
CELL = st.one_of(st.none(), st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
                 st.dates(date(1990, 1, 1), date(2100, 1, 1)),
                 CELL_TEXT,
                 st.sampled_from(["市工信局", "市发改委", "市工信局、市科技局", "P1", "M2", "重点", "一般", "计划举措",
                                  "2026-12-31", "2026/13/45", "=SUM(A1)", "不存在的单位"]))
PLAUSIBLE_ROW = st.tuples(
    st.one_of(CELL_TEXT, st.just("推进重点项目开工"), st.just("长" * 201)),
    st.one_of(st.none(), CELL_TEXT),
    st.sampled_from([None, "", "计划举措", "会议决定", "其他", "未知来源"]),
    st.sampled_from([None, "", "P1", "m2", "Ｐ１", "Z9"]),
    st.sampled_from(["市工信局", "市发改委", "市 工信局", "不存在的单位", "", None]),
    st.sampled_from([None, "", "市科技局", "市科技局、市发改委", "市工信局，不存在的单位"]),
    st.one_of(st.dates(date(2025, 1, 1), date(2027, 12, 31)), st.sampled_from(["2026-12-31", "2026/13/45", "明天",
                                                                                 None, 46000, 3.5])),
    st.sampled_from([None, "", "一般", "重点", "紧急"]),
).map(list)
WORKBOOKS = st.one_of(
    st.lists(PLAUSIBLE_ROW, min_size=1, max_size=4).map(lambda rows: workbook_bytes([HEADER] + rows)),
    st.lists(PLAUSIBLE_ROW, min_size=1, max_size=4).map(lambda rows: workbook_bytes([HEADER] + rows)),
    st.binary(max_size=400),
    st.lists(st.tuples(st.sampled_from(["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml",
                                        "_rels/.rels", "junk.bin"]), st.binary(max_size=200)),
             max_size=5, unique_by=lambda member: member[0]).map(zip_bytes),
    st.lists(st.lists(CELL, max_size=len(HEADER) + 2), max_size=6).map(lambda rows: workbook_bytes([HEADER] + rows)),
    st.lists(st.lists(CELL, max_size=6), max_size=4).map(workbook_bytes),
)


@given(data=WORKBOOKS, username=st.sampled_from(("admin", "fushizhang", "gxj")))
@fuzz_settings(scale=2)
def test_task_excel_import_refuses_malformed_workbooks_in_chinese(clock, data, username):
    with example_savepoint():
        units, plans = excel.import_lookups()
        try:
            drafts = excel.parse_task_workbook(data, units, plans, TODAY)
        except excel.TaskImportError as error:
            assert error.messages and all(has_chinese(m) for m in error.messages), error.messages
            event("file refused")
            return
        before = row_counts(*TASK_TABLES)
        try:
            tasks = excel.import_tasks(account(username), drafts, TODAY)
        except ServiceError as error:  # PermissionDenied for a unit's staff
            check_refusal(error, before, TASK_TABLES)
        except excel.TaskImportError as error:
            assert all(has_chinese(m) for m in error.messages)
            assert row_counts(*TASK_TABLES) == before
        else:
            event("imported")
            assert len(tasks) == len(drafts)
            assert row_counts(AuditEntry)["audit_entries"] >= before["audit_entries"] + len(tasks)


def test_infinite_numbers_are_a_chinese_refusal_not_an_overflow(task_world):
    """Found by the fuzzing: int(float('inf')) raises OverflowError, which the services did not catch."""
    gxj, admin, task = account("gxj"), account("admin"), db.session.get(Task, task_world["in_progress"])
    for call in (lambda: task_services.record_follow_up(gxj, task, "进展", float("inf"), TODAY),
                 lambda: task_services.accept_task(gxj, task, expected_version=float("-inf")),
                 lambda: enter_scores(admin, float("inf"), 1, [])):
        with pytest.raises(ServiceError) as refused:
            call()
        assert has_chinese(refused.value.message)
