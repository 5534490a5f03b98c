"""Reminder texts name what they are about (two vice mayors' missing 旬调度 records must not read alike), and the
office's queue speaks Chinese: rule names, occasions, states, channels and job results, never internal keys.
The real scans (an injected clock) and the page through HTTP."""

import html
import re
from datetime import date, datetime

import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.meetings.models import ExpectedMeeting, MeetingType
from app.org.models import Person, Unit
from app.reminders import jobs
from app.reminders.models import Channel, OutboxMessage, OutboxStatus
from app.reminders.registry import reminder_rules
from app.reminders.scheduler import run_job
from app.tasks import services as task_services
from tests.factories import account, unit
from tests.meetings.conftest import cadence_on  # noqa: F401  (fixture)

D = date.fromisoformat


def dispatch_of(person_name, period_key):
    person = db.session.scalar(sa.select(Person).where(Person.name == person_name))
    return db.session.scalar(sa.select(ExpectedMeeting).where(
        ExpectedMeeting.type == MeetingType.dispatch, ExpectedMeeting.period_key == period_key,
        ExpectedMeeting.convener_person_id == person.id))


def titles_about(reminders, meeting, rule="meeting_record"):
    return {r.title for r in reminders if r.rule == rule and r.subject_id == str(meeting.id)}


def test_two_vice_mayors_missing_dispatch_records_each_name_the_convener(cadence_on, clock):  # noqa: F811
    cadence_on(D("2026-03-02"), since=D("2026-02-01"))
    yang, ding = dispatch_of("杨晓军", "2026-03-1"), dispatch_of("丁诚", "2026-03-1")
    clock.set(datetime.combine(yang.record_due_on, datetime.min.time()).replace(hour=9))
    due = jobs.due_reminders(clock.now())
    [yang_title], [ding_title] = titles_about(due, yang), titles_about(due, ding)
    assert "杨晓军副市长旬调度（2026年3月上旬）" in yang_title and "记录" in yang_title
    assert "丁诚副市长旬调度（2026年3月上旬）" in ding_title
    assert "湘潭市人民政府" not in yang_title + ding_title

    clock.set(datetime(2026, 3, 20, 9, 0))  # well past the due day: the office is told, naming the convener
    late = jobs.due_reminders(clock.now())
    [yang_late], [ding_late] = titles_about(late, yang, "meeting_escalation"), titles_about(late, ding,
                                                                                           "meeting_escalation")
    assert yang_late.startswith("会议记录缺失：杨晓军副市长旬调度（2026年3月上旬）")
    assert ding_late.startswith("会议记录缺失：丁诚副市长旬调度（2026年3月上旬）")
    bodies = {r.body for r in late if r.subject_id == str(yang.id)}
    assert all("杨晓军副市长" in body for body in bodies)


def test_a_weekly_record_reminder_names_the_convening_unit(cadence_on, clock):  # noqa: F811
    cadence_on(D("2026-03-02"))
    clock.set(datetime(2026, 3, 6, 9, 0))  # the Friday the 周会商 records are due
    titles = {r.title for r in jobs.due_reminders(clock.now()) if r.rule == "meeting_record"
              and "周会商" in r.title}
    assert "请录入市工信局周会商（2026年第10周）记录（今天截止）" in titles
    assert "请录入市发改委周会商（2026年第10周）记录（今天截止）" in titles


def test_reminders_of_one_rule_about_different_units_name_the_unit(clock):
    clock.set(datetime(2026, 3, 2, 9, 0))
    admin = account("admin")
    for lead in ("市工信局", "市发改委"):
        task = task_services.assign_task(admin, title="推进重点项目开工", lead_unit=unit(lead), due_on=D("2026-04-30"),
                                         today=D("2026-02-20"))
        staff = db.session.scalar(sa.select(User).where(User.unit_id == unit(lead).id))
        task_services.request_extension(staff, task, D("2026-05-29"), "企业申报窗口调整", D("2026-03-02"))
    clock.set(datetime(2026, 3, 10, 9, 0))  # the day before the next 旬, requests waiting 6 working days
    due = jobs.due_reminders(clock.now())
    pending = {r.title for r in due if r.rule == "extension_pending" and r.user_id == admin.id}
    assert pending == {"市工信局的延期申请待审核：推进重点项目开工", "市发改委的延期申请待审核：推进重点项目开工"}
    stale = {r.title for r in due if r.rule == "follow_up_stale"}
    assert any(title.startswith("市工信局") for title in stale) and any(title.startswith("市发改委") for title in stale)

    clock.set(datetime(2026, 4, 2, 9, 0))  # quarter entries: each assessor unit is named
    entry = [r for r in jobs.due_reminders(clock.now()) if r.rule == "scoring_entry"]
    units = dict(db.session.execute(sa.select(User.id, Unit.short_name).join(Unit, Unit.id == User.unit_id)).all())
    assert entry and all(units[r.user_id] in r.title for r in entry if r.user_id in units)


# --- the office page ------------------------------------------------------------------------------------------

def visible_text(page):
    """What a reader sees: no tags, no attribute values, no scripts."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def internal_keys():
    keys = set(reminder_rules()) | {s.value for s in OutboxStatus} | {c.value for c in Channel}
    keys |= {"user:", "unit:", "before-", "escalate", "deadline", "ended", "reminders.scan", "reminders.deliver",
             "meetings.cadence", "claimed", "retried", "created", "obsolete", "{'"}
    return keys


def test_the_office_queue_shows_readable_chinese_and_no_internal_key(app, client, login_as, clock,
                                                                     cadence_on):  # noqa: F811
    cadence_on(D("2026-03-02"), since=D("2026-02-01"))
    clock.set(datetime(2026, 3, 12, 9, 0))
    gxj = account("gxj")
    task_services.assign_task(account("admin"), title="本周到期的事项", lead_unit=unit("市工信局"),
                              due_on=D("2026-03-13"), today=D("2026-03-02"))
    now = clock.now()
    # one row of every rule, in every state and on every channel, as the queue may hold them
    rows = []
    for n, code in enumerate(reminder_rules()):
        for m, status in enumerate(OutboxStatus):
            channel = list(Channel)[(n + m) % len(Channel)]
            rows.append(OutboxMessage(
                rule=code, subject_type="task", subject_id=str(900 + n), recipient_key=f"user:{gxj.id}",
                user_id=gxj.id, occasion=["before-3", "due@2026-03-20", "escalate", "ended", "2026-03-11",
                                          "2026-03-2"][m % 6],
                channel=channel, title=f"提醒{n}-{m}", body="正文", status=status, attempts=1,
                obsolete_reason="事项已办结" if status is OutboxStatus.obsolete else None, created_at=now,
                next_attempt_at=now))
    db.session.add_all(rows)
    db.session.flush()
    # the scheduler's jobs as they really record their results
    for name, func in (("reminders.scan", lambda at: jobs.scan(at)), ("reminders.deliver", _deliver),
                       ("meetings.cadence", _cadence)):
        run_job(app, name, func)
    login_as("admin")

    first = client.get("/reminders/office")
    assert first.status_code == 200
    pages = int(re.search(r"第 1/(\d+) 页", first.text).group(1)) if "第 1/" in first.text else 1
    text = visible_text(first.text) + "".join(
        visible_text(client.get(f"/reminders/office?page={n}").text) for n in range(2, pages + 1))
    shown = [key for key in internal_keys() if re.search(rf"(?<![A-Za-z_]){re.escape(key)}(?![A-Za-z_])", text)]
    assert shown == [], shown
    for label in ("交办事项即将到期", "会议记录待录入", "已作废：事项已办结", "待发送", "企业微信群机器人", "站内通知",
                  "到期前 3 个工作日", "扫描到期提醒", "发送提醒"):
        assert label in text, label
    assert "其他提醒" not in text and "其他任务" not in text  # every rule and job has its name


def _deliver(at):
    from app.reminders import outbox

    return outbox.deliver(at)


def _cadence(at):
    from app.meetings.cadence import cadence_job

    return cadence_job(at)
