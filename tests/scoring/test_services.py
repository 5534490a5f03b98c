"""The assessment service layer on the real database: yearly rules as versioned data, entry by assessors, the
千百十办 component computed from assigned tasks (DOMAIN.md §4), the utility companies' 15% blend, the quarter
lifecycle (finalize → frozen snapshot → reasoned reopening) and the annual results.

Every expected score below is computed by hand in the test, from the annex-2 maxima and the task rule
component = max × Σ(w·c) / Σw (一般 1, 重点 2; on time 1, late 0.5, not completed 0).
"""

import copy
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import current_app

from app.auth.models import Role, User
from app.auth.services import create_user
from app.core.clock import today
from app.core.errors import Conflict, PermissionDenied
from app.core.models import AuditEntry
from app.extensions import db
from app.scoring import engine
from app.scoring.approvals import opinion_of, set_opinion
from app.scoring.entries import EntryItem, cells_for_enterer, enter_scores, entered_by_quarter
from app.scoring.models import (
    FailDecision,
    PolicyRate,
    QuarterReopening,
    QuarterStatus,
    RuleSetVersion,
    ScoreEntry,
    ScoringQuarter,
)
from app.scoring.reports import compute_quarter, quarter_report, year_report
from app.scoring.services import finalize_quarter, reopen_quarter
from app.scoring.year_inputs import delete_fail_decision, record_fail_decision, set_policy_rate, set_province_first
from app.scoring.year_rules import assessed_units, default_rule_data, ensure_year_rules, load_year_rules, save_rules
from app.tasks import services as task_services
from app.tasks.models import TaskPriority
from tests.factories import account, unit
from tests.helpers import refused_writing_nothing

D = date.fromisoformat
YEAR = 2026
COUNTY = "湘潭县人民政府"  # profile county_a: 千百十办 15 of 100; its staff account is xtx
NORMAL, KEY = TaskPriority.normal, TaskPriority.key
APPROVAL = {"approved_on": D("2026-03-31"), "doc_number": "潭千百十〔2026〕1号"}  # a 审定 of Q1 (refusals come first)


# --- builders (also used by tests/api/test_scoring_api.py) --------------------------------------------------

def staff_of(unit_name, username):
    """A staff account of a unit: created (as the office would) when the demo has none."""
    existing = db.session.scalar(sa.select(User).where(User.username == username))
    return existing or create_user(account("admin"), username, f"{unit_name}联络员", "Test2026scoring", Role.staff,
                                   unit(unit_name))


def fill_quarter(year, quarter, skip=(), values=None):
    """A complete quarter: every entered (not computed) cell of every unit at full marks, written as rows.

    `skip`: cells (unit id, assessor) left empty; `values`: {(unit id, assessor): "points"} (noted as deducted)."""
    values = values or {}
    year_rules = load_year_rules(year)
    for u in assessed_units():
        for assessor, sub_item, maximum, computed in year_rules.entry_cells(u.id):
            if computed or (u.id, assessor) in skip:
                continue
            value = Decimal(values.get((u.id, assessor), maximum))
            db.session.add(ScoreEntry(year=year, quarter=quarter, unit_id=u.id, assessor=assessor, sub_item=sub_item,
                                      value=value, note=None if value == maximum else "扣分"))
    db.session.flush()


def at(clock, day, hour=9):
    clock.set(datetime.combine(day, time(hour)))


def approve(admin, year, quarter, evaluated_on, clock=None, approved_on=None, doc_number=None):
    """The leadership group's 审定 of a quarter as the office records it: the quarter's 考评意见 (written once),
    then the 审定 dated `approved_on` (default: the evaluation date, or the quarter's end if later) with a 文号.
    A frozen clock (the test's) still before the 审定 date is moved to it: a 审定 cannot be dated in the future."""
    approved_on = approved_on or max(evaluated_on, engine.quarter_dates(year, quarter)[1])
    clock = clock or current_app.extensions["clock"]
    if today() < approved_on and hasattr(clock, "set"):
        at(clock, approved_on, 17)
    if opinion_of(year, quarter) is None:
        set_opinion(admin, year, quarter, f"{year}年第{quarter}季度考评结果经核对无误，建议审定。", approved_on)
    return finalize_quarter(admin, year, quarter, evaluated_on, approved_on=approved_on,
                            doc_number=doc_number or f"潭千百十〔{year}〕{quarter}号")


def assign(clock, lead=COUNTY, due=D("2026-03-31"), priority=NORMAL, co=(), on=D("2026-03-10"), title=None):
    """A task assigned by the office on `on` (the clock is moved there: services refuse past due dates)."""
    at(clock, on)
    return task_services.assign_task(account("admin"), title=title or f"交办事项（{due.isoformat()}）",
                                     lead_unit=unit(lead), due_on=due, today=today(), priority=priority,
                                     co_units=[unit(n) for n in co])


def complete(clock, task, completed_on, approved_on=None, staff="xtx"):
    """The lead unit accepts and asks for completion dated `completed_on`; the office approves on `approved_on`."""
    at(clock, completed_on, 10)
    lead_staff = account(staff)
    if task.state.value == "assigned":
        task_services.accept_task(lead_staff, task)
    task_services.request_completion(lead_staff, task, completed_on, "已按要求完成", today())
    at(clock, approved_on or completed_on, 16)
    task_services.approve_completion(account("admin"), task)


def office_of(report, unit_name):
    row = next(r for r in report["units"] if r["name"] == unit_name)
    return row["office"]


def row_of(report, unit_name):
    return next(r for r in report["units"] if r["name"] == unit_name)


def counts():
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in
                 (RuleSetVersion, ScoreEntry, ScoringQuarter, QuarterReopening, PolicyRate, FailDecision,
                  AuditEntry))


def refused(call, *fragments, status=422):
    """Assert that `call()` is refused with a Chinese message containing `fragments`, writing nothing."""
    return refused_writing_nothing(call, counts, *fragments, status=status)


@pytest.fixture
def admin(clock):
    return account("admin")


def rule_data(year=YEAR):
    return copy.deepcopy(load_year_rules(year).to_data())


def component(data, profile, assessor):
    prof = next(p for p in data["rules"]["profiles"] if p["code"] == profile)
    return next(c for c in prof["components"] if c["assessor"] == assessor)


# --- rules --------------------------------------------------------------------------------------------------

def test_a_new_year_without_earlier_rules_starts_from_the_annex_2_defaults(admin):
    assert load_year_rules(2001).saved is False
    version = ensure_year_rules(admin, 2001)
    assert (version.year, version.version) == (2001, 1)
    assert "附件2" in version.note
    assert version.data == default_rule_data()
    assert component(version.data, "county_a", "office")["maximum"] == "15"
    assert component(version.data, "city", "office")["maximum"] == "70"


def test_ensure_year_rules_copies_the_previous_years_rules_as_version_1(admin):
    data = rule_data(2031)
    data["rules"]["tasks"]["late_credit"] = "0.4"
    save_rules(admin, 2031, data, note="逾期系数调整为 0.4")
    assert load_year_rules(2032).saved is False  # shown before the year is created, not saved
    assert load_year_rules(2032).rules.tasks.late_credit == Decimal("0.4")

    version = ensure_year_rules(admin, 2032)

    assert (version.year, version.version, version.note) == (2032, 1, "由上一年度规则复制")
    assert version.data == data
    assert load_year_rules(2032).rules.tasks.late_credit == Decimal("0.4")
    assert ensure_year_rules(admin, 2032).id == version.id  # idempotent: no second version
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RuleSetVersion)
                             .where(RuleSetVersion.year == 2032)) == 1


def test_save_rules_makes_version_2_which_becomes_current_and_is_audited(admin):
    first = ensure_year_rules(admin, YEAR)
    data = rule_data()
    data["rules"]["tasks"]["weights"]["key"] = "3"
    second = save_rules(admin, YEAR, data, note="重点事项权重改为 3")
    assert (first.version, second.version) == (1, 2)
    current = load_year_rules(YEAR)
    assert current.version.id == second.id and current.rules.tasks.weights["key"] == Decimal(3)
    assert first.data["rules"]["tasks"]["weights"]["key"] == "2"  # the old version is kept as it was
    audit = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "rules.save")
                               .order_by(AuditEntry.id)).all()
    assert [a.after["version"] for a in audit] == [1, 2]
    assert audit[-1].actor_id == admin.id and audit[-1].after["note"] == "重点事项权重改为 3"


def _row_not_100(data):
    component(data, "county_a", "miit")["maximum"] = "30"


def _sub_items_not_adding_up(data):
    component(data, "county_a", "miit")["sub_items"] = [
        {"code": "chain", "name": "产业链建设", "maximum": "10"},
        {"code": "firms", "name": "规模工业企业培育", "maximum": "10"},
    ]


def _quarter_weights_not_100(data):
    data["rules"]["quarter_weights"]["county"] = ["15", "25", "25", "30"]


@pytest.mark.parametrize(("change", "message"), [
    (_row_not_100, "各项满分合计105分"),
    (_sub_items_not_adding_up, "细项满分合计20分,应等于该项满分25分"),
    (_quarter_weights_not_100, "季度权重合计95%"),
])
def test_a_rule_set_that_does_not_add_up_is_refused_and_nothing_written(admin, change, message):
    ensure_year_rules(admin, YEAR)
    data = rule_data()
    change(data)
    error = refused(lambda: save_rules(admin, YEAR, data), "考评规则未保存", message)
    assert error.field == "rules"
    assert load_year_rules(YEAR).version.version == 1


def test_a_malformed_rule_set_is_refused_with_a_message(admin):
    refused(lambda: save_rules(admin, YEAR, {"rules": [], "unit_profiles": []}), "考评规则格式不正确")


def test_only_the_office_saves_rules(admin):
    data = rule_data()
    with pytest.raises(PermissionDenied):
        save_rules(account("gxj"), YEAR, data)
    with pytest.raises(PermissionDenied):
        ensure_year_rules(account("shizhang"), YEAR)


def test_saving_rules_is_refused_while_a_quarter_of_the_year_is_finalized(admin):
    ensure_year_rules(admin, YEAR)
    fill_quarter(YEAR, 1)
    approve(admin, YEAR, 1, D("2026-03-31"))
    data = rule_data()
    data["rules"]["tasks"]["late_credit"] = "0.6"
    error = refused(lambda: save_rules(admin, YEAR, data), "已有审定的季度", status=409)
    assert error.code == "finalized"
    reopen_quarter(admin, YEAR, 1, "考评细则调整，需重新审定")
    assert save_rules(admin, YEAR, data).version == 2


# --- entry --------------------------------------------------------------------------------------------------

def item(unit_name, assessor, value, note=None, sub_item=""):
    return EntryItem(unit(unit_name).id, assessor, sub_item, value, note)


def entry(unit_name, assessor, quarter=1, sub_item=""):
    return db.session.scalar(sa.select(ScoreEntry).where(
        ScoreEntry.year == YEAR, ScoreEntry.quarter == quarter, ScoreEntry.unit_id == unit(unit_name).id,
        ScoreEntry.assessor == assessor, ScoreEntry.sub_item == sub_item))


def test_an_assessor_enters_its_own_cells_and_nothing_when_one_item_is_wrong(admin):
    gxj, fgw = account("gxj"), account("fgw")
    assert enter_scores(gxj, YEAR, 1, [item(COUNTY, "miit", "25"), item("市发改委", "miit", 28, "扣2分")]) == 2
    assert entry(COUNTY, "miit").value == Decimal("25.00") and entry(COUNTY, "miit").entered_by_id == gxj.id
    assert entry("市发改委", "miit").note == "扣2分"
    # all or nothing: the good item of a request with a wrong one is not written either
    refused(lambda: enter_scores(gxj, YEAR, 1, [item("湘乡市人民政府", "miit", "25"),
                                                         item(COUNTY, "ndrc", "20")]),
            "您所在单位不负责湘潭县人民政府的“市发改委”考评")
    refused(lambda: enter_scores(fgw, YEAR, 1, [item(COUNTY, "miit", "25")]), "不负责")
    assert enter_scores(fgw, YEAR, 1, [item(COUNTY, "ndrc", "20")]) == 1


def test_entered_by_quarter_counts_only_the_given_cells_per_quarter(admin, clock):
    gxj, fgw = account("gxj"), account("fgw")
    enter_scores(gxj, YEAR, 1, [item(COUNTY, "miit", "25"), item("市发改委", "miit", 28, "扣2分")])
    at(clock, D("2026-04-10"))
    enter_scores(gxj, YEAR, 2, [item(COUNTY, "miit", "25")])
    enter_scores(fgw, YEAR, 1, [item(COUNTY, "ndrc", "20")])  # another enterer's cell: not counted
    county = unit(COUNTY).id
    cells = {(county, "miit", ""), (unit("市发改委").id, "miit", ""), (unit("湘乡市人民政府").id, "miit", "")}
    assert entered_by_quarter(YEAR, cells) == {1: 2, 2: 1}
    assert entered_by_quarter(YEAR + 1, cells) == {}
    assert entered_by_quarter(YEAR, set()) == {}


@pytest.mark.parametrize(("unit_name", "assessor", "sub_item", "value", "note", "message"), [
    (COUNTY, "miit", "", "24.555", "扣分", "最多保留两位小数"),
    (COUNTY, "miit", "", "-1", "扣分", "不能为负数"),
    (COUNTY, "miit", "", "25.01", None, "不能超过满分 25.00 分"),
    (COUNTY, "miit", "", "二十", "扣分", "不是数字"),
    (COUNTY, "miit", "", "1e30", "扣分", "超出了得分的范围"),
    (COUNTY, "miit", "", "NaN", "扣分", "不是有效数字"),
    (COUNTY, "miit", "", "", None, "请填写得分"),
    (COUNTY, "miit", "", "24", None, "请填写扣分说明"),
    (COUNTY, "miit", "", "24", "   ", "请填写扣分说明"),
    (COUNTY, "miit", "", "24", "扣" * 1001, "不能超过 1000 个字符"),
    ("湘潭综保区管委会", "miit", "", "25", None, "湘潭综保区管委会的季度得分不含“市工信局”这一项"),
    (COUNTY, "bogus", "", "25", None, "不含“bogus”这一项"),
    (COUNTY, "miit", "chain", "25", None, "不含“市工信局·chain”这一项"),  # a sub-item the rules do not have
    ("市产业强市“千百十”工程办", "miit", "", "25", None, "不是考评对象"),
])
def test_a_bad_entry_is_refused_with_a_chinese_message_and_nothing_written(admin, unit_name, assessor, sub_item,
                                                                           value, note, message):
    refused(lambda: enter_scores(account("gxj"), YEAR, 1,
                                          [item(unit_name, assessor, value, note, sub_item)]), message)


def test_the_computed_office_cell_cannot_be_entered(admin):
    refused(lambda: enter_scores(admin, YEAR, 1, [item(COUNTY, "office", "15")]),
            "由系统按交办事项办结情况计算")


def test_the_same_cell_twice_in_one_request_is_refused(admin):
    refused(lambda: enter_scores(account("gxj"), YEAR, 1, [item(COUNTY, "miit", "25"),
                                                                    item(COUNTY, "miit", "24", "扣1分")]),
            "在本次提交中出现了不止一次")


def test_leaders_and_observers_do_not_enter_scores(admin):
    for username in ("shizhang", "guancha"):
        with pytest.raises(PermissionDenied):
            enter_scores(account(username), YEAR, 1, [item(COUNTY, "miit", "25")])


def test_a_period_out_of_range_is_refused(admin):
    refused(lambda: enter_scores(account("gxj"), YEAR, 5, [item(COUNTY, "miit", "25")]), "季度应为 1 到 4")


def test_entering_again_updates_the_value_and_audits_before_and_after(admin):
    gxj = account("gxj")
    enter_scores(gxj, YEAR, 1, [item(COUNTY, "miit", 25)])
    first = entry(COUNTY, "miit")
    assert enter_scores(gxj, YEAR, 1, [item(COUNTY, "miit", "22.5", "规上工业企业培育未达序时进度")]) == 1
    db.session.expire_all()
    changed = entry(COUNTY, "miit")
    assert changed.id == first.id
    assert (changed.value, changed.note) == (Decimal("22.50"), "规上工业企业培育未达序时进度")
    audit = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "score.enter", AuditEntry.object_id == str(first.id)).order_by(AuditEntry.id)).all()
    assert [a.before for a in audit] == [None, {"value": "25.00", "note": None}]
    assert audit[1].after["value"] == "22.50" and audit[1].after["note"] == "规上工业企业培育未达序时进度"
    assert audit[1].actor_id == gxj.id


def test_entering_the_same_value_again_changes_nothing(admin):
    gxj = account("gxj")
    enter_scores(gxj, YEAR, 1, [item(COUNTY, "miit", "24.5", "扣0.5分")])
    before = counts()
    assert enter_scores(gxj, YEAR, 1, [item(COUNTY, "miit", Decimal("24.50"), "扣0.5分")]) == 0
    assert counts() == before


def test_a_sub_item_is_entered_by_its_own_assessor_and_adds_up_to_the_component(admin, clock):
    """考评细则: the office component of county_a split into tasks (10, computed) and 项目审批服务 (5), the latter
    entered by 市行政审批局 (附件2 三(一)8 “会同市行政审批局”)."""
    data = rule_data()
    component(data, "county_a", "office")["sub_items"] = [
        {"code": "tasks", "name": "交办事项落实", "maximum": "10"},
        {"code": "approval", "name": "产业项目审批服务", "maximum": "5"},
    ]
    data["sub_item_assessors"] = {"office.approval": unit("市行政审批局").id}
    save_rules(admin, YEAR, data)
    approval_staff = staff_of("市行政审批局", "spj")
    cells = {(u.name, a, s) for u, a, s, _ in cells_for_enterer(load_year_rules(YEAR),
                                                                          approval_staff.unit_id,
                                                                          assessed_units())}
    assert (COUNTY, "office", "approval") in cells and (COUNTY, "office", "tasks") not in cells

    refused(lambda: enter_scores(admin, YEAR, 1, [item(COUNTY, "office", "5", sub_item="approval")]),
            "不负责")
    def enter(value, sub_item):
        return lambda: enter_scores(approval_staff, YEAR, 1, [item(COUNTY, "office", value,
                                                                            sub_item=sub_item)])

    refused(enter("10", "tasks"), "由系统按交办事项办结情况计算")
    refused(enter("5.5", "approval"), "不能超过满分 5.00 分")
    enter_scores(approval_staff, YEAR, 1, [item(COUNTY, "office", "4.5", "审批时限超期", sub_item="approval")])

    task = assign(clock, due=D("2026-03-20"))
    complete(clock, task, D("2026-03-25"))  # late: 10 × 0.5 = 5
    report = compute_quarter(YEAR, 1, D("2026-03-31"))
    row = row_of(report, COUNTY)
    assert row["components"]["office"] == "9.50"  # 5 + 4.5
    assert row["office"]["maximum"] == "10.00" and row["office"]["value"] == "5.00"
    assert "office" not in row["missing"] and "office.approval" not in row["missing"]
    assert "office.approval" in row_of(report, "湘乡市人民政府")["missing"]


def test_entries_that_no_longer_fit_changed_rules_count_as_missing(admin):
    gxj = account("gxj")
    enter_scores(gxj, YEAR, 1, [item(COUNTY, "miit", "25")])
    data = rule_data()
    component(data, "county_a", "miit")["maximum"] = "20"
    component(data, "county_a", "ndrc")["maximum"] = "25"
    save_rules(admin, YEAR, data)
    row = row_of(compute_quarter(YEAR, 1, D("2026-03-31")), COUNTY)
    assert row["components"]["miit"] == "0.00" and "miit" in row["missing"]


# --- the 千百十办 component from tasks ------------------------------------------------------------------------

def test_office_component_weights_credits_and_completion_dates_computed_by_hand(admin, clock):
    a = assign(clock, due=D("2026-03-20"), priority=NORMAL, title="A")  # on time → w 1, c 1
    b = assign(clock, due=D("2026-03-25"), priority=KEY, title="B")  # late → w 2, c 0.5
    c = assign(clock, due=D("2026-03-31"), priority=KEY, title="C")  # never completed → w 2, c 0
    d = assign(clock, due=D("2026-03-31"), priority=NORMAL, title="D")  # asked 3-30, approved 4-03 → on time
    q2 = assign(clock, due=D("2026-04-15"), priority=KEY, title="Q2")  # due in the next quarter
    assign(clock, lead="市发改委", due=D("2026-03-31"), title="other unit")  # another unit's task
    complete(clock, a, D("2026-03-18"))
    task_services.accept_task(account("xtx"), c)

    at(clock, D("2026-03-26"))
    earlier = office_of(compute_quarter(YEAR, 1, today()), COUNTY)
    # as of 3-26: A on time (1·1); B, C, D not completed → 15 × 1 / 6 = 2.50
    assert (earlier["value"], earlier["weight_total"], earlier["earned"]) == ("2.50", "6", "1")

    complete(clock, b, D("2026-03-28"))
    complete(clock, d, D("2026-03-30"), approved_on=D("2026-04-03"))
    at(clock, D("2026-04-05"))
    office = office_of(compute_quarter(YEAR, 1, D("2026-04-05")), COUNTY)

    # Σw = 1 + 2 + 2 + 1 = 6; Σw·c = 1·1 + 2·0.5 + 2·0 + 1·1 = 3; 15 × 3 / 6 = 7.50
    assert (office["value"], office["maximum"], office["weight_total"], office["earned"]) == ("7.50", "15.00",
                                                                                              "6", "3.0")
    lines = {line["task_id"]: line for line in office["lines"]}
    assert set(lines) == {a.id, b.id, c.id, d.id}  # not the Q2 task, not another unit's
    assert q2.id not in lines
    assert (lines[a.id]["outcome"], lines[a.id]["weight"], lines[a.id]["credit"], lines[a.id]["contribution"]) == \
        ("on_time", "1", "1", "2.50")
    assert (lines[b.id]["outcome"], lines[b.id]["weight"], lines[b.id]["credit"], lines[b.id]["contribution"]) == \
        ("late", "2", "0.5", "2.50")
    assert (lines[c.id]["outcome"], lines[c.id]["credit"], lines[c.id]["contribution"]) == ("not_done", "0", "0.00")
    # the date in the approved request counts, not the approval on 4-03 after the due date
    assert (lines[d.id]["completed_on"], lines[d.id]["outcome"], lines[d.id]["contribution"]) == \
        ("2026-03-30", "on_time", "2.50")
    assert row_of(compute_quarter(YEAR, 1, D("2026-04-05")), COUNTY)["components"]["office"] == "7.50"

    # recomputing as of the earlier date gives the earlier value
    again = office_of(compute_quarter(YEAR, 1, D("2026-03-26")), COUNTY)

    def outcome(component):
        return (component["value"], component["earned"], component["weight_total"],
                [(line["task_id"], line["outcome"], line["credit"], line["contribution"])
                 for line in component["lines"]])

    assert outcome(again) == outcome(earlier)
    assert {line["task_id"]: line["outcome"] for line in again["lines"]}[d.id] == "not_done"  # completed after 3-26
    # as of 3-29: A 1, B late 0.5·2 = 1, D not yet → 15 × 2 / 6 = 5.00
    assert office_of(compute_quarter(YEAR, 1, D("2026-03-29")), COUNTY)["value"] == "5.00"


def test_a_key_task_weighs_twice_a_normal_one(admin, clock):
    normal = assign(clock, due=D("2026-03-20"), priority=NORMAL)
    assign(clock, due=D("2026-03-20"), priority=KEY)
    complete(clock, normal, D("2026-03-19"))
    # only the normal task done: 15 × 1 / 3 = 5.00 (with both normal it would be 7.50)
    assert office_of(compute_quarter(YEAR, 1, D("2026-03-31")), COUNTY)["value"] == "5.00"


def test_a_task_late_credit_follows_the_years_rules(admin, clock):
    data = rule_data()
    data["rules"]["tasks"]["late_credit"] = "0.6"
    save_rules(admin, YEAR, data)
    task = assign(clock, due=D("2026-03-20"))
    complete(clock, task, D("2026-03-23"))
    assert office_of(compute_quarter(YEAR, 1, D("2026-03-31")), COUNTY)["value"] == "9.00"  # 15 × 0.6


def test_full_marks_when_a_unit_had_no_task_due_in_the_quarter(admin, clock):
    assign(clock, due=D("2026-04-10"))  # due in Q2
    report = compute_quarter(YEAR, 1, D("2026-03-31"))
    office = office_of(report, COUNTY)
    assert (office["value"], office["has_tasks"], office["lines"]) == ("15.00", False, [])
    assert office_of(report, "市发改委")["value"] == "70.00"
    assert office_of(report, "湘潭综保区管委会")["value"] == "25.00"


def test_an_approved_extension_moves_the_quarter_the_task_counts_in(admin, clock):
    task = assign(clock, due=D("2026-03-31"))
    assert office_of(compute_quarter(YEAR, 1, D("2026-03-31")), COUNTY)["value"] == "0.00"
    at(clock, D("2026-03-20"))
    task_services.request_extension(account("xtx"), task, D("2026-04-20"), "项目用地报批未完成", today())
    task_services.decide_extension(admin, task, True)
    q1 = office_of(compute_quarter(YEAR, 1, D("2026-03-31")), COUNTY)
    q2 = office_of(compute_quarter(YEAR, 2, D("2026-04-30")), COUNTY)
    assert (q1["value"], q1["has_tasks"]) == ("15.00", False)
    assert [line["task_id"] for line in q2["lines"]] == [task.id] and q2["lines"][0]["due_on"] == "2026-04-20"
    assert q2["value"] == "0.00"


def test_cancelled_tasks_do_not_count(admin, clock):
    task = assign(clock, due=D("2026-03-31"))
    assert office_of(compute_quarter(YEAR, 1, D("2026-03-31")), COUNTY)["value"] == "0.00"
    task_services.cancel_task(admin, task, "任务调整，不再交办")
    assert office_of(compute_quarter(YEAR, 1, D("2026-03-31")), COUNTY)["value"] == "15.00"


def test_co_unit_tasks_count_only_when_the_rules_say_so(admin, clock):
    assign(clock, due=D("2026-03-31"), co=("湘乡市人民政府",))
    lead_only = compute_quarter(YEAR, 1, D("2026-03-31"))
    assert office_of(lead_only, COUNTY)["value"] == "0.00"
    assert office_of(lead_only, "湘乡市人民政府")["value"] == "15.00"
    data = rule_data()
    data["rules"]["tasks"]["include_co_units"] = True
    save_rules(admin, YEAR, data)
    with_co = compute_quarter(YEAR, 1, D("2026-03-31"))
    assert office_of(with_co, "湘乡市人民政府")["value"] == "0.00"
    assert office_of(with_co, COUNTY)["value"] == "0.00"


# --- blends -------------------------------------------------------------------------------------------------

def test_ndrc_final_is_85_percent_own_plus_15_percent_of_the_power_company(admin):
    gxj = account("gxj")
    enter_scores(gxj, YEAR, 1, [item("市发改委", "miit", "20", "扣10分"),
                                         item("国网湘潭供电公司", "miit", "10", "扣20分")])
    report = compute_quarter(YEAR, 1, D("2026-03-31"))
    ndrc, power = row_of(report, "市发改委"), row_of(report, "国网湘潭供电公司")
    # 市发改委 70 + 20 = 90; 供电公司 70 + 10 = 80; final 90 × 85% + 80 × 15% = 76.50 + 12.00 = 88.50
    assert (ndrc["total"], ndrc["final"], ndrc["source_score"]) == ("90.00", "88.50", "80.00")
    assert ndrc["blended_from"] == unit("国网湘潭供电公司").id
    assert (power["total"], power["final"], power["blended_from"]) == ("80.00", "80.00", None)
    other = row_of(report, "市科技局")
    assert other["final"] == other["total"] == "70.00"


def test_the_office_component_counts_with_its_shown_two_place_value_in_total_and_blend(admin, clock):
    late = assign(clock, lead="市发改委", due=D("2026-03-20"), priority=NORMAL)
    assign(clock, lead="市发改委", due=D("2026-03-20"), priority=KEY)
    complete(clock, late, D("2026-03-23"), staff="fgw")
    enter_scores(account("gxj"), YEAR, 1, [item("市发改委", "miit", "0.03", "扣分")])
    row = row_of(compute_quarter(YEAR, 1, D("2026-03-31")), "市发改委")
    # office 70 × (1 × 0.5) / 3 = 11.666… shown and stored as 11.67 (engine: OfficeComponent.value);
    # total 11.67 + 0.03 = 11.70; final 11.70 × 85% + 70 × 15% = 9.945 + 10.5 = 20.445 → 20.45
    # (with the unrounded 11.666… it would be 20.442… → 20.44, disagreeing with the figures shown)
    assert (row["components"]["office"], row["total"], row["final"]) == ("11.67", "11.70", "20.45")


# --- the quarter's lifecycle --------------------------------------------------------------------------------

def test_finalize_refuses_an_incomplete_quarter(admin, clock):
    at(clock, D("2026-04-01"))
    ensure_year_rules(admin, YEAR)
    fill_quarter(YEAR, 1, skip={(unit(COUNTY).id, "culture")})
    error = refused(lambda: finalize_quarter(admin, YEAR, 1, D("2026-03-31"), **APPROVAL), "湘潭县", "不能审定")
    assert error.code == "incomplete"


def test_finalize_needs_the_years_rules_and_the_office(admin, clock):
    at(clock, D("2026-04-01"))
    fill_quarter(YEAR, 1)
    assert refused(lambda: finalize_quarter(admin, YEAR, 1, D("2026-03-31"), **APPROVAL), "尚未建立").code == "no_rules"
    ensure_year_rules(admin, YEAR)
    with pytest.raises(PermissionDenied):
        finalize_quarter(account("shizhang"), YEAR, 1, D("2026-03-31"), **APPROVAL)


def test_a_finalized_report_does_not_change_when_tasks_or_entries_change(admin, clock):
    ensure_year_rules(admin, YEAR)
    task = assign(clock, due=D("2026-03-20"))
    fill_quarter(YEAR, 1)
    at(clock, D("2026-04-02"))
    state = approve(admin, YEAR, 1, D("2026-03-31"))
    frozen = quarter_report(YEAR, 1, D("2026-04-02"))
    assert frozen["status"] == "finalized" and state.status is QuarterStatus.finalized
    assert row_of(frozen, COUNTY)["components"]["office"] == "0.00" and row_of(frozen, COUNTY)["total"] == "85.00"
    assert frozen["rule_version"] == 1 and len(frozen["entries"]) > 100

    complete(clock, task, D("2026-03-19"))  # completed on time after all
    refused(lambda: enter_scores(account("gxj"), YEAR, 1, [item(COUNTY, "miit", "20", "更正")]),
            "已审定", status=409)
    db.session.execute(sa.update(ScoreEntry).where(ScoreEntry.unit_id == unit(COUNTY).id,
                                                   ScoreEntry.assessor == "miit").values(value=Decimal("1.00")))
    db.session.expire_all()  # read the snapshot back from the database
    later = quarter_report(YEAR, 1, D("2026-06-30"))
    assert later == frozen
    live = compute_quarter(YEAR, 1, D("2026-03-31"))
    assert row_of(live, COUNTY)["components"]["office"] == "15.00"  # what a live computation would now say
    with pytest.raises(Conflict):
        approve(admin, YEAR, 1, D("2026-03-31"))


def test_reopening_needs_a_reason_and_keeps_the_previous_snapshot(admin, clock):
    ensure_year_rules(admin, YEAR)
    fill_quarter(YEAR, 1)
    state = approve(admin, YEAR, 1, D("2026-03-31"), clock)
    snapshot = copy.deepcopy(state.snapshot)
    for reason in (None, "", "   "):
        assert refused(lambda r=reason: reopen_quarter(admin, YEAR, 1, r), "必须说明理由").field == "reason"
    control = refused(lambda: reopen_quarter(admin, YEAR, 1, "更正\x00得分"), "控制字符", status=400)
    assert control.field == "reason"
    assert refused(lambda: reopen_quarter(admin, YEAR, 1, "长" * 2001), "不能超过 2000").field == "reason"
    with pytest.raises(PermissionDenied):
        reopen_quarter(account("gxj"), YEAR, 1, "更正")

    reopen_quarter(admin, YEAR, 1, "市工信局更正湘潭县得分")

    reopening = db.session.scalar(sa.select(QuarterReopening))
    assert reopening.reason == "市工信局更正湘潭县得分" and reopening.by_id == admin.id
    assert reopening.previous_snapshot == snapshot
    assert state.status is QuarterStatus.open and state.snapshot is None
    assert quarter_report(YEAR, 1, D("2026-03-31"))["status"] == "open"
    audit = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "quarter.reopen"))
    assert audit.reason == "市工信局更正湘潭县得分"
    error = refused(lambda: reopen_quarter(admin, YEAR, 1, "再次打开"), "尚未审定", status=409)
    assert error.code == "not_finalized"
    # entry is possible again, and a new finalization freezes the corrected figures
    enter_scores(account("gxj"), YEAR, 1, [item(COUNTY, "miit", "20", "更正")])
    approve(admin, YEAR, 1, D("2026-03-31"))
    assert row_of(quarter_report(YEAR, 1, D("2026-04-30")), COUNTY)["total"] == "95.00"


# --- the year -----------------------------------------------------------------------------------------------

def test_year_report_deducts_3_points_for_a_policy_rate_below_90_percent(admin):
    # no entries: every county unit scores its office 15 each quarter, so all five tie at rank 1 (15 points)
    set_policy_rate(admin, YEAR, unit(COUNTY), "89.99")
    set_policy_rate(admin, YEAR, unit("湘乡市人民政府"), "90")
    report = year_report(YEAR, D("2026-12-31"))
    county, xiangxiang = row_of(report, COUNTY), row_of(report, "湘乡市人民政府")
    assert (county["annual"], county["rank"], county["base_points"]) == ("15.00", 1, "15.00")
    assert (county["points"], county["deduction"], county["policy_rate"]) == ("12.00", "3.00", "89.99")
    assert (xiangxiang["points"], xiangxiang["deduction"]) == ("15.00", None)
    assert report["quarter_status"] == {1: "open", 2: "open", 3: "open", 4: "open"}


def test_year_report_annual_score_weights_the_quarterly_finals(admin):
    gxj = account("gxj")
    enter_scores(gxj, YEAR, 1, [item("市发改委", "miit", "10", "扣20分")])
    enter_scores(gxj, YEAR, 4, [item("市科协", "miit", "20", "扣10分")])
    report = year_report(YEAR, D("2026-12-31"))
    # 市科协 (服务保障): finals 70, 70, 70, 90 → 70×15% + 70×25% + 70×30% + 90×30% = 10.5 + 17.5 + 21 + 27 = 76.00
    assert row_of(report, "市科协")["quarters"] == ["70.00", "70.00", "70.00", "90.00"]
    assert row_of(report, "市科协")["annual"] == "76.00"
    # 市发改委 (产业推进): Q1 final (70 + 10) × 85% + 70 × 15% = 78.50, then 70 → 78.5×15% + 70×85% = 71.28
    assert row_of(report, "市发改委")["quarters"] == ["78.50", "70.00", "70.00", "70.00"]
    assert row_of(report, "市发改委")["annual"] == "71.28"


def test_province_first_makes_every_annual_score_full_marks(admin):
    set_province_first(admin, YEAR, True, "省真抓实干督查激励同类市州第一")
    report = year_report(YEAR, D("2026-12-31"))
    assert report["province_first"] is True
    assert {r["score"] for r in report["units"]} == {"100.00"}
    assert all(r["overridden"] for r in report["units"])
    assert row_of(report, COUNTY)["assessed_score"] == "15.00"
    assert row_of(report, "市科协")["grade"] == "excellent"


def test_a_fail_decision_of_the_leadership_group_gives_bu_he_ge(admin):
    record_fail_decision(admin, YEAR, unit("市科协"), "年度重点任务未完成", D("2026-12-20"))
    row = row_of(year_report(YEAR, D("2026-12-31")), "市科协")
    assert (row["grade"], row["grade_label"], row["points"]) == ("failed", "不合格", "6.00")  # 60% of 10
    assert row["awarded"] is False


def test_year_report_uses_the_snapshot_of_a_finalized_quarter(admin, clock):
    ensure_year_rules(admin, YEAR)
    task = assign(clock, due=D("2026-03-20"))
    fill_quarter(YEAR, 1)
    approve(admin, YEAR, 1, D("2026-03-31"), clock)
    complete(clock, task, D("2026-03-19"))
    report = year_report(YEAR, D("2026-12-31"))
    assert row_of(report, COUNTY)["quarters"][0] == "85.00"  # frozen: the task counted as not completed
    assert report["quarter_status"][1] == "finalized" and report["complete"] is False


# --- query counts -------------------------------------------------------------------------------------------

def test_compute_quarter_and_year_report_query_counts_do_not_grow_with_tasks(admin, clock, count_queries):
    units = [u.name for u in assessed_units()]

    def add_tasks(count, start):
        made = []
        for i in range(start, start + count):
            made.append(assign(clock, lead=units[i % 13] if i % 2 else units[13 + i % 46],
                               due=D("2026-03-11") + timedelta(days=5 * (i % 5)),
                               priority=KEY if i % 3 else NORMAL, co=(units[(i + 1) % 59],)))
        for task in made:
            if task.lead_unit.name == COUNTY:
                complete(clock, task, D("2026-03-12"))
        at(clock, D("2026-04-01"))
        db.session.flush()
        return made

    def measure():
        db.session.expire_all()
        with count_queries() as quarter:
            report = compute_quarter(YEAR, 1, D("2026-03-31"))
        with count_queries() as year:
            year_report(YEAR, D("2026-12-31"))
        return quarter.count, year.count, sum(len(r["office"]["lines"]) for r in report["units"])

    add_tasks(5, 0)
    few_quarter, few_year, few_lines = measure()
    add_tasks(45, 5)
    many_quarter, many_year, many_lines = measure()
    assert (few_lines, many_lines) == (5, 50)
    assert many_quarter == few_quarter, f"compute_quarter: {few_quarter} queries for 5 tasks, {many_quarter} for 50"
    assert many_year == few_year, f"year_report: {few_year} queries for 5 tasks, {many_year} for 50"
    assert few_quarter <= 8, few_quarter


def test_a_fail_decision_or_its_withdrawal_refuses_a_reason_with_control_characters_or_too_long(admin):
    """Review finding: these reasons were only stripped (no control-character check, no length limit at all)."""
    assert refused(lambda: record_fail_decision(admin, YEAR, unit("市科协"), "未完成\x07", D("2026-12-20")),
                   "控制字符", status=400).field == "reason"
    assert refused(lambda: record_fail_decision(admin, YEAR, unit("市科协"), "长" * 2001, D("2026-12-20")),
                   "不能超过 2000").field == "reason"
    row = record_fail_decision(admin, YEAR, unit("市科协"), "年度重点任务未完成", D("2026-12-20"))
    control = refused(lambda: delete_fail_decision(admin, row, "撤销\x00"), "控制字符", status=400)
    assert control.field == "reason"
