"""Records of each meeting type through the services: who may log them, decisions that become tasks, the frozen
dispatch list, the month's analysis, the quarter's results with last-placed explanations, 述职 reports with
attachments, sign-off and reasoned amendment — and every refusal of the issue, with nothing written."""

import io
import os
from datetime import date

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from app.core.errors import Conflict, PermissionDenied, ServiceError
from app.core.models import AuditEntry
from app.core.periods import Xun
from app.extensions import db
from app.meetings import permissions, services
from app.meetings.models import (
    ItemKind,
    MeetingRecord,
    MeetingType,
    RecordStatus,
)
from app.meetings.services import DecisionInput, RecordInput
from app.tasks import services as task_services
from app.tasks.dispatch_queries import dispatch_list
from app.tasks.models import Task, TaskSource, TaskState
from tests.factories import make_task, unit
from tests.factories import person as services_person
from tests.meetings.records_helpers import D, counts, dispatch, monthly, quarterly, semiannual, weekly

TODAY = D("2026-03-10")


@pytest.fixture(autouse=True)
def _frozen(clock):
    return clock


def decision(text="推进科技成果转化平台建设", lead="市科技局", co=("市工信局",), due="2026-03-31", make_task=True):
    return DecisionInput(text=text, lead_unit_id=unit(lead).id if lead else None,
                         co_unit_ids=[unit(n).id for n in co], due_on=D(due) if due else None, make_task=make_task)


def weekly_input(**kwargs):
    values = dict(held_on=D("2026-03-09"), place="市科技局三楼会议室", chair="局长", attendees="张三、李四",
                  topics="科技创新举措推进", minutes="会议听取了各单位汇报。", unit_ids=[unit("市工信局").id])
    values.update(kwargs)
    return RecordInput(**values)


# --- 周会商 ----------------------------------------------------------------------------------------------------

def test_weekly_decision_becomes_a_task_of_the_convener_and_appears_on_the_vice_mayors_next_dispatch_list(user):
    meeting = weekly()
    record = services.create_record(user("kjj"), meeting, weekly_input(decisions=[decision()]), TODAY)
    item = next(i for i in record.items if i.kind is ItemKind.decision)
    task = db.session.get(Task, item.task_id)
    assert task.source is TaskSource.meeting and task.meeting_ref_id == record.id
    assert task.lead_unit_id == unit("市科技局").id and task.co_unit_ids == [unit("市工信局").id]
    assert task.assigner_unit_id == unit("市科技局").id  # in the name of the convening unit
    assert task.assigner_id == user("kjj").id and task.due_on == D("2026-03-31")
    assert "周会商" in task.source_ref and task.title == "推进科技成果转化平台建设"
    assert [u.name for u in record.units] == ["市工信局"]
    # 市科技局 is in 杨晓军's portfolio: the decision is on his next 旬调度 list
    dl = dispatch_list(services_person("杨晓军"), Xun.of(D("2026-03-11")), D("2026-03-11"))
    assert task.id in {row.task.id for row in dl.rows}
    # the lead unit sees it in its inbox and can accept it like any other task
    task_services.accept_task(user("kjj"), task)
    assert task.state is TaskState.accepted


def test_decision_without_a_task_stays_a_decision(user):
    record = services.create_record(user("kjj"), weekly(), weekly_input(
        decisions=[decision(make_task=False, due=None)]), TODAY)
    item = next(i for i in record.items if i.kind is ItemKind.decision)
    assert item.task_id is None and item.unit_id == unit("市科技局").id


def test_a_unit_that_does_not_convene_cannot_log_the_weekly_record_and_nothing_is_written(user):
    meeting = weekly()
    before = counts()
    with pytest.raises(PermissionDenied) as error:
        services.create_record(user("gxj"), meeting, weekly_input(decisions=[decision()]), TODAY)
    assert "市科技局" in error.value.message and "召集单位" in error.value.message
    assert counts() == before


@pytest.mark.parametrize("username", ["guancha", "fushizhang", "shizhang"])
def test_observers_and_leaders_cannot_log_a_units_weekly_record(user, username):
    with pytest.raises(PermissionDenied):
        services.create_record(user(username), weekly(), weekly_input(), TODAY)


def test_the_office_may_log_any_record(user):
    record = services.create_record(user("admin"), weekly(), weekly_input(decisions=[decision()]), TODAY)
    task = db.session.get(Task, record.items[0].task_id)
    assert task.assigner_unit_id == unit("市科技局").id  # still the convener's name, not the office's


def test_a_list_row_links_the_form_to_who_may_log_and_a_leaders_record_not_to_unit_staff(user):
    meeting = weekly()  # 市科技局's 周会商, no record yet
    assert permissions.can_follow_from_list(user("kjj"), meeting)
    assert not permissions.can_follow_from_list(user("gxj"), meeting)
    assert not permissions.can_follow_from_list(user("guancha"), meeting)
    leaders = dispatch()
    services.create_record(user("fushizhang"), leaders, RecordInput(held_on=D("2026-03-05")), TODAY)
    assert permissions.can_follow_from_list(user("guancha"), leaders)
    assert not permissions.can_follow_from_list(user("kjj"), leaders)
    services.create_record(user("kjj"), meeting, RecordInput(held_on=D("2026-03-09")), TODAY)
    assert permissions.can_follow_from_list(user("gxj"), meeting)


def test_a_decision_with_an_unknown_lead_unit_is_refused_and_nothing_is_written(user):
    meeting = weekly()
    before = counts()
    bad = DecisionInput(text="某项决定", lead_unit_id=999999, due_on=D("2026-03-31"))
    with pytest.raises(ServiceError) as error:
        services.create_record(user("kjj"), meeting, weekly_input(decisions=[decision(), bad]), TODAY)
    assert error.value.message == "会议决定的牵头单位不存在，请从列表中选择。"
    assert counts() == before
    assert meeting.record is None


def test_a_decision_without_a_lead_unit_or_with_an_unknown_co_unit_is_refused(user):
    with pytest.raises(ServiceError, match="选择牵头单位"):
        services.create_record(user("kjj"), weekly(), weekly_input(decisions=[decision(lead=None)]), TODAY)
    bad = DecisionInput(text="某项决定", lead_unit_id=unit("市科技局").id, co_unit_ids=[999999],
                        due_on=D("2026-03-31"))
    with pytest.raises(ServiceError, match="配合单位中有不存在的单位"):
        services.create_record(user("kjj"), weekly(day="2026-03-16"), weekly_input(decisions=[bad]), TODAY)


def test_a_decision_with_a_past_due_date_is_refused_and_nothing_is_written(user):
    before = counts()
    with pytest.raises(ServiceError) as error:
        services.create_record(user("kjj"), weekly(), weekly_input(decisions=[decision(due="2026-03-09")]), TODAY)
    assert "2026-03-09 早于今天" in error.value.message
    assert counts() == before


def test_a_decision_added_later_with_a_past_due_date_or_unknown_unit_is_refused(user):
    record = services.create_record(user("kjj"), weekly(), weekly_input(), TODAY)
    before = counts()
    with pytest.raises(ServiceError, match="早于今天"):
        services.add_decision(user("kjj"), record, "补充决定", unit("市科技局"), [], D("2026-03-01"), TODAY)
    with pytest.raises(ServiceError, match="牵头单位"):
        services.add_decision(user("kjj"), record, "补充决定", None, [], D("2026-03-31"), TODAY)
    with pytest.raises(ServiceError, match="不存在"):
        services.add_decisions(user("kjj"), record, [decision(), DecisionInput("x", 999999, [], D("2026-04-01"))],
                               TODAY)
    assert counts() == before
    item = services.add_decision(user("kjj"), record, "补充决定", unit("市工信局"), [], D("2026-03-31"), TODAY)
    assert item.task.lead_unit_id == unit("市工信局").id


def test_a_duplicate_record_for_the_same_expected_meeting_is_refused(user):
    meeting = weekly()
    services.create_record(user("kjj"), meeting, weekly_input(), TODAY)
    before = counts()
    with pytest.raises(Conflict) as error:
        services.create_record(user("admin"), meeting, weekly_input(decisions=[decision()]), TODAY)
    assert error.value.code == "duplicate" and "不能重复填写" in error.value.message
    assert counts() == before


def test_a_duplicate_written_behind_the_sessions_back_is_caught_by_the_unique_key(user):
    meeting = weekly()
    assert meeting.record is None  # the session now believes there is none
    db.session.execute(sa.insert(MeetingRecord).values(expected_id=meeting.id, type=meeting.type,
                                                       held_on=D("2026-03-09"), status=RecordStatus.draft,
                                                       version=1, place="", chair="", attendees="", topics="",
                                                       minutes="", comments=""))
    before = counts()
    with pytest.raises(Conflict) as error:
        services.create_record(user("kjj"), meeting, weekly_input(decisions=[decision()]), TODAY)
    assert error.value.code == "duplicate"
    assert counts() == before


def test_a_meeting_date_in_the_future_is_refused(user):
    with pytest.raises(ServiceError, match="晚于今天"):
        services.create_record(user("kjj"), weekly(), weekly_input(held_on=D("2026-03-11")), TODAY)
    with pytest.raises(ServiceError, match="请填写会议日期"):
        services.create_record(user("kjj"), weekly(), weekly_input(held_on=None), TODAY)


def test_creating_a_record_is_audited(user):
    record = services.create_record(user("kjj"), weekly(), weekly_input(decisions=[decision()]), TODAY)
    actions = set(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.actor_id == user("kjj").id)))
    assert {"meeting_record.create", "meeting_item.create", "task.assign"} <= actions
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "meeting_record.create",
                                                          AuditEntry.object_id == str(record.id)))
    assert entry.after["expected_id"] == record.expected_id and entry.after["place"] == "市科技局三楼会议室"


# --- 旬调度 ----------------------------------------------------------------------------------------------------

@pytest.fixture
def portfolio_tasks():
    """Tasks of 杨晓军's portfolio (市科技局, 市市场监管局) and one outside it (市工信局)."""
    return {
        "open": make_task("市科技局", title="科技局在办事项", due="2026-03-05"),
        "due_later": make_task("市市场监管局", title="监管局在办事项", due="2026-04-30"),
        "done": make_task("市科技局", title="已办结事项", due="2026-03-06", state=TaskState.completed,
                          completed="2026-03-04"),
        "outside": make_task("市工信局", title="工信局事项"),
    }


def test_dispatch_record_freezes_the_whole_list_and_never_changes_afterwards(user, portfolio_tasks):
    meeting = dispatch(day="2026-03-01")
    record = services.create_record(user("fushizhang"), meeting, RecordInput(
        held_on=TODAY, place="市政府", minutes="调度会议", instructions=[(portfolio_tasks["open"].id, "本周内办结")],
        decisions=[decision(text="新增：组织专精特新企业申报", lead="市科技局", co=())]), TODAY)
    snap = record.snapshot
    rows = {row["task_id"]: row for u in snap["units"] for row in u["rows"]}
    assert portfolio_tasks["outside"].id not in rows
    frozen = rows[portfolio_tasks["open"].id]
    assert frozen["title"] == "科技局在办事项" and frozen["light"] == "red" and frozen["days_overdue"] > 0
    assert frozen["lead_unit"]["name"] == "市科技局" and frozen["due_on"] == "2026-03-05"
    assert rows[portfolio_tasks["done"].id]["light"] == "done_on_time"
    assert snap["xun_label"] == "2026年3月上旬" and snap["person"]["name"] == "杨晓军"
    assert snap["total"] == len(rows)

    by_kind = {}
    for item in record.items:
        by_kind.setdefault(item.kind, []).append(item)
    assert [(i.task_id, i.text) for i in by_kind[ItemKind.instruction]] == [(portfolio_tasks["open"].id, "本周内办结")]
    carried = {i.task_id for i in by_kind[ItemKind.carry_over]}
    assert portfolio_tasks["open"].id in carried and portfolio_tasks["due_later"].id in carried
    assert portfolio_tasks["done"].id not in carried
    new_task = db.session.get(Task, by_kind[ItemKind.decision][0].task_id)
    assert new_task.assigner_id == user("fushizhang").id and new_task.source is TaskSource.meeting

    # the tasks change afterwards; the record does not
    task = portfolio_tasks["open"]
    task.title, task.due_on = "改过的标题", D("2026-06-30")
    db.session.flush()
    db.session.expire_all()
    again = db.session.get(MeetingRecord, record.id)
    rows = {row["task_id"]: row for u in again.snapshot["units"] for row in u["rows"]}
    assert rows[task.id]["title"] == "科技局在办事项" and rows[task.id]["due_on"] == "2026-03-05"
    assert again.snapshot == snap


def test_a_dispatch_record_logged_after_the_meeting_leaves_out_tasks_assigned_after_it(user, portfolio_tasks):
    later = make_task("市科技局", title="会后交办的事项", assigned="2026-03-04", due="2026-03-25")
    meeting = dispatch(day="2026-03-01")
    record = services.create_record(user("fushizhang"), meeting, RecordInput(
        held_on=D("2026-03-03"), place="市政府", minutes="调度会议（会后补录）"), TODAY)
    rows = {row["task_id"] for u in record.snapshot["units"] for row in u["rows"]}
    assert portfolio_tasks["open"].id in rows and later.id not in rows
    assert record.snapshot["total"] == len(rows) == sum(record.snapshot["light_counts"].values())
    assert later.id not in {i.task_id for i in record.items if i.kind is ItemKind.carry_over}


def test_dispatch_instruction_on_a_task_not_on_the_list_is_refused(user, portfolio_tasks):
    before = counts()
    with pytest.raises(ServiceError, match="不在本旬调度清单上"):
        services.create_record(user("fushizhang"), dispatch(), RecordInput(
            held_on=TODAY, instructions=[(portfolio_tasks["outside"].id, "指示")]), TODAY)
    assert counts() == before


def test_only_the_vice_mayor_himself_or_the_office_logs_his_dispatch_record(user, portfolio_tasks):
    meeting = dispatch()
    for username in ("fushizhang2", "kjj", "shizhang", "guancha"):
        with pytest.raises(PermissionDenied):
            services.create_record(user(username), meeting, RecordInput(held_on=TODAY), TODAY)
    record = services.create_record(user("admin"), meeting, RecordInput(held_on=TODAY), TODAY)
    assert record.snapshot["person"]["name"] == "杨晓军"


def test_instruction_added_later_to_a_dispatch_record(user, portfolio_tasks):
    record = services.create_record(user("fushizhang"), dispatch(), RecordInput(held_on=TODAY), TODAY)
    item = services.add_instruction(user("fushizhang"), record, portfolio_tasks["due_later"].id, "加快进度")
    assert item.kind is ItemKind.instruction and item.unit_id == unit("市市场监管局").id
    with pytest.raises(ServiceError, match="不在本旬调度清单上"):
        services.add_instruction(user("fushizhang"), record, portfolio_tasks["outside"].id, "加快进度")


# --- 月分析 ----------------------------------------------------------------------------------------------------

def test_monthly_record_holds_the_months_analysis_and_the_mayors_comments(user, portfolio_tasks):
    meeting = monthly(day="2026-02-01")
    record = services.create_record(user("shizhang"), meeting, RecordInput(
        held_on=TODAY, comments="各单位要加快红灯事项办理。", minutes="二月分析"), TODAY)
    assert record.comments == "各单位要加快红灯事项办理。"
    assert record.snapshot["key"] == "2026-02" and record.snapshot["label"] == "2026年2月"
    import json

    json.dumps(record.snapshot)  # plain JSON, stored as such


def test_only_the_mayor_or_the_office_logs_the_monthly_record(user):
    meeting = monthly()
    for username in ("fushizhang", "shuji", "gxj"):
        with pytest.raises(PermissionDenied, match="市长本人"):
            services.create_record(user(username), meeting, RecordInput(held_on=TODAY), TODAY)


# --- 季考核 ----------------------------------------------------------------------------------------------------

def test_quarterly_record_has_visits_results_and_an_explanation_by_each_last_placed_unit(user):
    from app.auth.models import Role, User

    meeting = quarterly(day="2026-01-01")
    record = services.create_record(user("shuji"), meeting, RecordInput(
        held_on=TODAY, visits=["湘潭高新区某新能源项目：进度符合预期"], comments="讲评意见"), TODAY)
    snap = record.snapshot
    assert snap["year"] == 2026 and snap["quarter"] == 1
    assert {g["group"] for g in snap["groups"]} == {"county", "park1", "park2", "promotion", "support"}
    last_ids = {uid for lp in snap["last_placed"] for uid in lp["unit_ids"]}
    explanations = [i for i in record.items if i.kind is ItemKind.explanation]
    assert {i.unit_id for i in explanations} == last_ids and last_ids
    assert [i.text for i in record.items if i.kind is ItemKind.visit] == ["湘潭高新区某新能源项目：进度符合预期"]

    item = explanations[0]
    other_unit = next(i.unit_id for i in record.items if i.unit_id != item.unit_id) \
        if len(explanations) > 1 else unit("市工信局").id
    staff = User(username="last_placed", display_name="末位单位联络员", password_hash="x", role=Role.staff,
                 unit_id=item.unit_id)
    outsider = User(username="other_unit", display_name="他单位联络员", password_hash="x", role=Role.staff,
                    unit_id=other_unit if other_unit != item.unit_id else unit("市工信局").id)
    db.session.add_all([staff, outsider])
    db.session.flush()
    with pytest.raises(PermissionDenied, match="只能由该单位填写"):
        services.submit_explanation(outsider, item, "不是我们单位的说明")
    with pytest.raises(PermissionDenied):
        services.submit_explanation(user("shuji"), item, "书记代写")
    services.submit_explanation(staff, item, "本季度得分偏低的原因是……")
    assert item.text == "本季度得分偏低的原因是……" and item.submitted_by_id == staff.id
    # once signed, the explanation changes only with a reason
    services.sign_off(user("shuji"), record)
    with pytest.raises(ServiceError, match="修改理由"):
        services.submit_explanation(staff, item, "补充说明")
    services.submit_explanation(staff, item, "补充说明", reason="补充整改措施")
    assert record.amendments[-1].reason == "补充整改措施"


def test_only_the_secretary_or_the_office_logs_the_quarterly_record(user):
    with pytest.raises(PermissionDenied, match="市委书记本人"):
        services.create_record(user("shizhang"), quarterly(), RecordInput(held_on=TODAY), TODAY)


# --- 半年述职 --------------------------------------------------------------------------------------------------

def pdf(name="述职材料.pdf"):
    return FileStorage(stream=io.BytesIO(b"%PDF-1.4 report"), filename=name, content_type="application/pdf")


def test_semiannual_report_is_submitted_by_the_reporters_unit_with_attachments(user):
    meeting = semiannual(day="2025-07-01")
    record = services.create_record(user("xtx"), meeting, RecordInput(
        held_on=TODAY, minutes="2025年下半年述职报告正文"), TODAY)
    attachment = services.store_attachment(user("xtx"), record, pdf())
    assert attachment.filename == "述职材料.pdf" and attachment.size == len(b"%PDF-1.4 report")
    with open(services.attachment_path(attachment), "rb") as stored:
        assert stored.read() == b"%PDF-1.4 report"


def test_an_attachment_stored_in_a_transaction_that_rolls_back_is_removed_and_kept_once_committed(user):
    """Whatever ends the unit of work without a commit (a later refusal, the database failing at commit), the file
    stored in it goes with it: no file is left that no row names."""
    meeting = semiannual(day="2025-07-01")
    record = services.create_record(user("xtx"), meeting, RecordInput(held_on=TODAY, minutes="正文"), TODAY)
    db.session.commit()
    attachment = services.store_attachment(user("xtx"), record, pdf())
    path = services.attachment_path(attachment)
    assert os.path.exists(path)
    db.session.rollback()  # e.g. a later step of the same request refused
    assert not os.path.exists(path)
    kept = services.store_attachment(user("xtx"), db.session.merge(record), pdf())
    db.session.commit()
    assert os.path.exists(services.attachment_path(kept))


def test_a_report_by_a_unit_that_is_not_the_reporters_is_refused_and_nothing_is_written(user):
    meeting = semiannual(day="2025-07-01")
    before = counts()
    with pytest.raises(PermissionDenied) as error:
        services.create_record(user("gxq"), meeting, RecordInput(held_on=TODAY, minutes="别人的述职"), TODAY)
    assert "述职人所在单位" in error.value.message
    assert counts() == before
    record = services.create_record(user("xtx"), meeting, RecordInput(held_on=TODAY, minutes="正文"), TODAY)
    with pytest.raises(PermissionDenied, match="述职人所在单位"):
        services.store_attachment(user("gxq"), record, pdf())
    assert not record.attachments


def test_a_report_without_text_or_a_bad_attachment_is_refused(user):
    meeting = semiannual(day="2025-07-01")
    with pytest.raises(ServiceError, match="述职报告正文"):
        services.create_record(user("xtx"), meeting, RecordInput(held_on=TODAY, minutes="  "), TODAY)
    record = services.create_record(user("xtx"), meeting, RecordInput(held_on=TODAY, minutes="正文"), TODAY)
    fake = FileStorage(stream=io.BytesIO(b"MZ not a pdf"), filename="病毒.pdf", content_type="application/pdf")
    with pytest.raises(ServiceError, match="内容与扩展名"):
        services.store_attachment(user("xtx"), record, fake)
    with pytest.raises(ServiceError, match="不能设会议决定|不设会议决定"):
        services.add_decision(user("xtx"), record, "决定", unit("湘潭县人民政府"), [], D("2026-04-01"), TODAY)


# --- sign-off and amendment -----------------------------------------------------------------------------------

def test_a_signed_record_is_locked_and_changes_only_with_a_recorded_reason(user):
    record = services.create_record(user("kjj"), weekly(), weekly_input(), TODAY)
    with pytest.raises(PermissionDenied):
        services.sign_off(user("gxj"), record)
    services.sign_off(user("kjj"), record, expected_version=record.version)
    assert record.status is RecordStatus.signed and record.signed_by_id == user("kjj").id
    with pytest.raises(ServiceError, match="已经签发"):
        services.sign_off(user("kjj"), record)

    before = counts()
    with pytest.raises(ServiceError) as error:
        services.update_record(user("kjj"), record, {"minutes": "改过的纪要"})
    assert error.value.code == "locked" and "修改理由" in error.value.message
    with pytest.raises(ServiceError, match="修改理由"):
        services.add_decision(user("kjj"), record, "会后补充", unit("市科技局"), [], D("2026-03-31"), TODAY)
    with pytest.raises(ServiceError, match="修改理由"):
        services.store_attachment(user("kjj"), record, pdf("纪要扫描件.pdf"))
    db.session.expire(record)
    assert record.minutes == "会议听取了各单位汇报。" and counts() == before

    with pytest.raises(ServiceError, match="控制字符"):  # the amendment reason is a multi-line text like the others
        services.update_record(user("kjj"), record, {"minutes": "改过的纪要"}, reason="更正\x00笔误")
    services.update_record(user("kjj"), record, {"minutes": "改过的纪要", "place": "市政府"}, reason="更正笔误")
    amendment = record.amendments[-1]
    assert amendment.reason == "更正笔误" and amendment.changed == "地点、会议纪要"
    assert amendment.user_id == user("kjj").id
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "meeting_record.amend"))
    assert entry.reason == "更正笔误" and entry.after == {"place": "市政府", "minutes": "改过的纪要"}
    with pytest.raises(ServiceError, match="没有修改任何内容"):
        services.update_record(user("kjj"), record, {"minutes": "改过的纪要"}, reason="再改一次")
    item = services.add_decision(user("kjj"), record, "会后补充", unit("市科技局"), [], D("2026-03-31"), TODAY,
                                 reason="会后补充决定")
    assert item.task_id is not None and record.amendments[-1].reason == "会后补充决定"


def test_a_draft_is_edited_without_a_reason_and_a_stale_version_is_refused(user):
    record = services.create_record(user("kjj"), weekly(), weekly_input(), TODAY)
    version = record.version
    services.update_record(user("kjj"), record, {"topics": "新议题", "unit_ids": [unit("市发改委").id]},
                           expected_version=version)
    assert record.topics == "新议题" and [u.name for u in record.units] == ["市发改委"]
    assert not record.amendments
    with pytest.raises(Conflict):
        services.update_record(user("kjj"), record, {"topics": "又一个议题"}, expected_version=version)
    with pytest.raises(PermissionDenied):
        services.update_record(user("gxj"), record, {"topics": "别人改"})
    with pytest.raises(ServiceError, match="不能超过 200 个字符"):
        services.update_record(user("kjj"), record, {"place": "地" * 201})


def test_cancelled_meetings_take_no_record(user):
    meeting = weekly()
    meeting.is_cancelled = True
    with pytest.raises(ServiceError, match="已取消"):
        services.create_record(user("kjj"), meeting, weekly_input(), TODAY)


def test_the_decision_service_refuses_a_task_on_behalf_of_a_unit_outside_a_meeting(user):
    with pytest.raises(PermissionDenied):
        task_services.assign_task(user("kjj"), title="冒名交办", lead_unit=unit("市工信局"), due_on=date(2026, 4, 1),
                                  today=TODAY, on_behalf_of=unit("市科技局"))


def test_the_list_condition_for_records_agrees_with_can_read_record(user, portfolio_tasks):
    """readable_records_clause is can_read_record as SQL: for every kind of reader, a list filtered by it holds
    exactly the records can_read_record lets that reader open."""
    services.create_record(user("kjj"), weekly(day="2026-03-02"), RecordInput(held_on=D("2026-03-02"), minutes="会商"),
                           TODAY)
    services.create_record(user("fushizhang"), dispatch(day="2026-03-01"), RecordInput(
        held_on=D("2026-03-02"), minutes="调度", instructions=[(portfolio_tasks["open"].id, "抓紧办理")]), TODAY)
    records = db.session.scalars(sa.select(MeetingRecord)).all()
    assert {r.type for r in records} >= {MeetingType.weekly, MeetingType.dispatch}
    seen = {}
    for username in ("admin", "guancha", "shizhang", "kjj", "gxj", "xtx"):
        reader = user(username)
        listed = set(db.session.scalars(sa.select(MeetingRecord.id).where(
            permissions.readable_records_clause(reader))))
        assert listed == {r.id for r in records if permissions.can_read_record(reader, r)}, username
        seen[username] = listed
    assert seen["xtx"] < seen["admin"]  # the condition does leave something out
