"""Demo meetings: the last twelve months of the cadence with records for most periods, some late and some missing,
so that the compliance view shows all four states; the meetings of the periods in progress whose record is not yet
due (this week's 周会商, this 旬's 旬调度 ...) are left to be logged. Records are made with the ORM directly
(plausible Chinese content, audited as created by the demo); the frozen lists of the most recent 旬调度, 月分析 and
季考核 come from the records service when it can make them. Deterministic (the choices hash the meeting's key) and
idempotent: once any record exists, only the cadence itself is brought up to date.
"""

import logging
import zlib
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from app.auth.models import Role, User
from app.core.audit import record_change
from app.core.calendar import load_calendar
from app.core.clock import get_clock
from app.core.periods import Xun
from app.extensions import db
from app.meetings import services
from app.meetings.cadence import generate_expected, key_period_label
from app.meetings.models import ExpectedMeeting, ItemKind, MeetingRecord, MeetingType, RecordItem, RecordStatus
from app.org.models import Plan, PortfolioItem, Unit, plan_lead_units
from app.scoring.queries import assessor_unit_ids

log = logging.getLogger(__name__)

MISSING_PERCENT = 10  # no record at all
LATE_PERCENT = 6  # logged after the due day
FROZEN_RECENT_DAYS = 45  # 旬调度 held this recently get the real frozen dispatch list (older ones: none)

PLACES = ["市政府三楼常务会议室", "市政府五楼会议室", "千百十办会议室", "市民之家二楼会议室"]
WEEKLY_TOPICS = ["重点项目推进情况", "本周交办事项办理进度", "要素保障难点问题", "下周工作安排", "招商引资在谈项目",
                 "企业诉求收集与协调"]
DECISIONS = ["会后三个工作日内报送项目推进台账", "协调解决项目用地报批问题", "梳理企业融资需求并对接金融机构",
             "督促配合单位按时反馈进展", "组织专班赴项目现场调度", "细化月度目标并分解到责任人"]
DISPATCH_NOTES = ["对红灯事项逐项过堂，明确整改时限", "黄灯事项要倒排工期，确保按期办结",
                  "分管单位要加强协同，杜绝推诿", "对连续两旬未反馈进展的单位予以通报"]
VISITS = ["观摩湘潭高新区新能源装备产业园项目，项目主体厂房已封顶",
          "观摩湘潭经开区汽车零部件配套项目，设备安装进度过半", "观摩湘乡经开区新材料项目，一期已试生产",
          "观摩岳塘经开区数字经济产业园，首批企业已入驻"]


def _pick(key, salt=""):
    """A stable number 0–99 for a meeting (the demo is the same on every machine)."""
    return zlib.crc32(f"{key}{salt}".encode()) % 100


def _at(day, hour):
    tz = get_clock().tz
    return datetime.combine(day, time(hour, 0), tzinfo=tz).astimezone(UTC)


def seed_demo_meetings(today):
    """Generate the cadence over the last twelve months and give about 85% of its meetings a record. Returns counts;
    the caller commits."""
    cal = load_calendar()
    since = today - timedelta(days=365)
    created = generate_expected(today, cal, since=since)
    counts = {"expected": created["created"], "records": 0, "late": 0, "missing": 0}
    if db.session.scalar(sa.select(MeetingRecord.id).limit(1)) is not None:
        return counts
    meetings = db.session.scalars(
        sa.select(ExpectedMeeting).where(ExpectedMeeting.is_cancelled.is_(False), ExpectedMeeting.scheduled_on >= since,
                                         ExpectedMeeting.scheduled_on <= today)
        .order_by(ExpectedMeeting.scheduled_on, ExpectedMeeting.id)).all()
    context = _Context(today)
    records = []
    for meeting in meetings:
        key = f"{meeting.type.value}{meeting.period_key}{meeting.convener_key}"
        roll = _pick(key)
        pending = meeting.record_due_on >= today
        # A record not yet due exists only for a meeting already held in an earlier period, about half the time:
        # the current week's 周会商, this 旬's 旬调度 ... are still to be logged (the period is in progress).
        in_progress = meeting.period_start <= today <= meeting.period_end or meeting.scheduled_on >= today
        if roll < MISSING_PERCENT or (pending and (roll < 50 or in_progress)):
            if not pending:
                counts["missing"] += 1
            continue
        late = not pending and roll >= 100 - LATE_PERCENT
        logged_on = (cal.add_workdays(meeting.record_due_on, 1 + _pick(key, "late") % 6) if late
                     else min(today, cal.add_workdays(meeting.scheduled_on, _pick(key, "d") % (
                         cal.workdays_between(meeting.scheduled_on, meeting.record_due_on) + 1))))
        if logged_on > today:
            continue
        record = _record(meeting, key, logged_on, context)
        records.append(record)
        counts["late"] += late
    db.session.flush()
    for record in records:
        record_change(None, "meeting_record.create", record, None,
                      {"expected_id": record.expected_id, "type": record.type.value, "demo": True})
    db.session.flush()
    counts["records"] = len(records)
    return counts


class _Context:
    """What the records mention, loaded once."""

    def __init__(self, today):
        self.today = today
        self.units = {u.id: u for u in db.session.scalars(sa.select(Unit).where(Unit.is_active.is_(True)))}
        self.plans_of = {}
        for unit_id, name in db.session.execute(
                sa.select(plan_lead_units.c.unit_id, Plan.name).join(Plan, Plan.id == plan_lead_units.c.plan_id)):
            self.plans_of.setdefault(unit_id, []).append(name)
        self.portfolio = {}
        for person_id, unit_id in db.session.execute(
                sa.select(PortfolioItem.person_id, PortfolioItem.unit_id).where(PortfolioItem.current_on(today))):
            self.portfolio.setdefault(person_id, []).append(unit_id)
        users = db.session.execute(sa.select(User.id, User.role, User.unit_id, User.person_id)).all()
        self.admin = next((u.id for u in users if u.role is Role.admin), None)
        self.staff = {u.unit_id: u.id for u in users if u.role is Role.staff and u.unit_id}
        self.leader = {u.person_id: u.id for u in users if u.role is Role.leader and u.person_id}
        self.unit_ids = sorted(self.units)

    def short(self, unit_id):
        unit = self.units.get(unit_id)
        return unit.short_name if unit else ""


def _record(meeting, key, logged_on, ctx):
    label = key_period_label(meeting.type, meeting.period_key)
    convener = meeting.convener_label
    frozen = _snapshot(meeting, ctx)  # before the record joins the session: a failed freeze rolls back alone
    record = MeetingRecord(expected=meeting, type=meeting.type, held_on=meeting.scheduled_on, snapshot=frozen,
                           place=PLACES[_pick(key, "p") % len(PLACES)], created_at=_at(logged_on, 16),
                           updated_at=_at(logged_on, 16))
    db.session.add(record)
    units_logging = meeting.type in (MeetingType.weekly, MeetingType.semiannual)
    record.created_by_id = (ctx.staff.get(meeting.convener_unit_id) if units_logging
                            else ctx.leader.get(meeting.convener_person_id)) or ctx.admin
    if meeting.type is MeetingType.weekly:
        _weekly(record, meeting, key, label, ctx)
    elif meeting.type is MeetingType.dispatch:
        _dispatch(record, meeting, key, label, ctx)
    elif meeting.type is MeetingType.monthly:
        record.chair = convener
        record.topics = f"{label}“千百十”工程推进情况分析"
        record.minutes = (f"会议听取了千百十办关于{label}交办事项办理情况的汇报，分析了红黄灯事项较多单位的原因，"
                          "研究了下月重点工作。")
        record.comments = "各单位要对照红灯事项逐一销号，月底前未办结的由分管副市长约谈单位主要负责人。"
    elif meeting.type is MeetingType.quarterly:
        record.chair = convener
        record.topics = f"{label}产业项目观摩和考核讲评"
        record.minutes = f"{label}组织产业项目观摩，通报季度考评结果，各组末位单位作说明。"
        for order, text in enumerate(VISITS[:2 + _pick(key, "v") % 3], start=1):
            record.items.append(RecordItem(kind=ItemKind.visit, text=text, sort_order=order,
                                           created_at=record.created_at))
    elif meeting.type is MeetingType.consultation:
        record.chair = "千百十办主任"
        record.topics = f"{label}考评指标完成情况会商"
        record.minutes = (f"{label}季度考评前，千百十办召集各考评责任单位逐项会商考评指标完成情况，"
                          "核对数据来源和扣分理由。")
        record.units = [ctx.units[u] for u in sorted(assessor_unit_ids(meeting.period_start.year)) if u in ctx.units]
    else:
        record.chair = convener
        record.topics = f"{label}述职"
        record.minutes = (f"{convener}{label}述职报告：一、主要工作和成效：项目建设、招商引资和企业服务有序推进，"
                          "重点项目投资完成年度计划过半。二、存在的问题：要素保障和配套设施仍有短板。"
                          "三、下一步打算：聚焦链上重点企业，抓好项目落地和达产。")
    if _pick(key, "s") < 70 and (ctx.today - record.held_on).days > 14:
        record.status = RecordStatus.signed
        record.signed_by_id = record.created_by_id
        record.signed_at = _at(record.created_at.astimezone(get_clock().tz).date(), 17)
    return record


def _weekly(record, meeting, key, label, ctx):
    unit_id = meeting.convener_unit_id
    plans = ctx.plans_of.get(unit_id, [])
    others = [u for u in ctx.unit_ids if u != unit_id]
    start = _pick(key, "u") % max(len(others), 1)
    attending = [ctx.units[u] for u in (others[start:start + 2 + _pick(key, "n") % 3] or others[:2])]
    record.units = attending
    record.chair = f"{ctx.short(unit_id)}主要负责人"
    record.attendees = "、".join(f"{u.short_name}分管负责人" for u in attending)
    topics = [WEEKLY_TOPICS[(_pick(key, "t") + i) % len(WEEKLY_TOPICS)] for i in range(2)]
    record.topics = "；".join(([f"{plans[0]}推进情况"] if plans else []) + topics)
    record.minutes = (f"{label}周会商由{ctx.short(unit_id)}召集，会议通报了牵头事项进展，"
                      f"{'、'.join(u.short_name for u in attending)}分别汇报了配合工作情况，研究了存在的问题。")
    for order in range(1, 1 + _pick(key, "k") % 3):
        text = DECISIONS[(_pick(key, f"k{order}")) % len(DECISIONS)]
        record.items.append(RecordItem(kind=ItemKind.decision, text=text, unit_id=unit_id,
                                       due_on=record.held_on + timedelta(days=14), sort_order=order,
                                       resolved=_pick(key, f"r{order}") < 60, created_at=record.created_at))


def _dispatch(record, meeting, key, label, ctx):
    person = meeting.convener_person
    record.chair = person.name if person else ""
    units = [ctx.short(u) for u in ctx.portfolio.get(meeting.convener_person_id, [])]
    record.attendees = "、".join(f"{u}主要负责人" for u in units)
    record.topics = f"{label}分管领域“千百十”交办事项调度"
    record.minutes = f"{record.chair}副市长主持{label}调度，逐项听取分管单位交办事项进展。"
    record.comments = DISPATCH_NOTES[_pick(key, "c") % len(DISPATCH_NOTES)]


def _snapshot(meeting, ctx):
    """The frozen data of a 月分析 or 季考核, and of a recent 旬调度 (older ones: none, to keep the demo fast)."""
    start = meeting.period_start
    if meeting.type is MeetingType.monthly:
        return _frozen(meeting, lambda: services.freeze_month(start.year, start.month, meeting.scheduled_on))
    if meeting.type is MeetingType.quarterly:
        return _frozen(meeting, lambda: services.freeze_quarter(start.year, (start.month - 1) // 3 + 1,
                                                                meeting.scheduled_on))
    person = meeting.convener_person
    if (meeting.type is MeetingType.dispatch and person is not None
            and (ctx.today - meeting.scheduled_on).days <= FROZEN_RECENT_DAYS):
        return _frozen(meeting, lambda: services.freeze_dispatch(person, Xun.of(start), meeting.scheduled_on))
    return None


def _frozen(meeting, make):
    """The records service's frozen data (`make()`), or None when it cannot make it for that period."""
    db.session.flush()  # the records made so far stay out of the savepoint below
    try:
        with db.session.begin_nested():
            return make()
    except Exception as error:  # noqa: BLE001 — demo data never stops `flask demo`
        log.warning("demo %s %s: no frozen data (%s)", meeting.type.value, meeting.period_key, error)
        return None
