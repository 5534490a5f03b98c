"""Pages of the cadence: rules, expected meetings, the compliance view, the month calendar and iCal feeds."""

from dataclasses import dataclass
from datetime import date, timedelta

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.core.calendar import get_calendar
from app.core.clock import today as clock_today
from app.core.errors import ServiceError
from app.core.forms import options
from app.core.periods import month_end
from app.core.permissions import allowed, require
from app.core.transactions import ensure_writer
from app.extensions import db
from app.meetings import cadence, compliance, ical, permissions, queries
from app.meetings.forms.cadence import ComplianceFilterForm, RuleForm
from app.meetings.models import MeetingType
from app.meetings.views import bp

# The landing page's two lists: meetings held in the last WINDOW_DAYS days, and today's and the next WINDOW_DAYS.
WINDOW_DAYS = 30
UPCOMING_DAYS = WINDOW_DAYS  # the old name, kept for callers
AHEAD = ("待召开", "light border")


@dataclass(frozen=True)
class MeetingRow:
    """A meeting of the landing page's lists with its record status in words and where the row leads (or None)."""

    meeting: object
    status: str
    badge: str
    link: str | None
    action: str


def meeting_rows(meetings, today):
    """Rows with the record's status on `today`: 已录入 / 逾期录入 (a record), 待录入 / 缺失 (held, none yet),
    待召开 (ahead), 已取消; the link is the record, or the form to log it, as the signed-in user may follow."""
    rows = []
    for m in meetings:
        if m.is_cancelled:
            status, badge = "已取消", "secondary"
        elif m.record is None and m.scheduled_on > today:
            status, badge = AHEAD
        else:
            found = compliance.classify(m.record_due_on, m.record.created_at if m.record else None, today)[0]
            status, badge = found.label, compliance.STATUS_BADGES[found]
        link = record_link(m)
        if m.record is not None:
            action = "查看纪要"
        else:
            action = "提交述职" if m.type is MeetingType.semiannual else "录入记录"
        rows.append(MeetingRow(m, status, badge, link, action if link else ""))
    return rows


def record_url(meeting, external=False):
    """The record of a meeting, or the form to log it."""
    if meeting.record is not None:
        return url_for("meetings.record", record_id=meeting.record.id, _external=external)
    return url_for("meetings.new_record", expected_id=meeting.id, _external=external)


def record_link(meeting):
    """The link a list row offers the signed-in user, or None where following it would only be refused."""
    return record_url(meeting) if permissions.can_follow_from_list(current_user, meeting) else None


def _month_arg(value, today):
    """'2026-11' → date(2026, 11, 1); the current month when absent or malformed (with a Chinese message)."""
    if value:
        try:
            year, month = (int(x) for x in value.split("-"))
            if 2000 <= year <= 2100 and 1 <= month <= 12:
                return date(year, month, 1)
        except ValueError:
            pass
        flash("月份格式不正确，请使用 2026-11 这样的格式；已显示本月。", "warning")
    return today.replace(day=1)


def _month_end(day):
    return month_end(day.year, day.month)


@bp.route("/")
@require("signed_in")
def index():
    today = clock_today()
    # one query for both lists: the last 30 days (most recent first) and today with the next 30
    rows = meeting_rows(compliance.meetings_for(current_user, today - timedelta(days=WINDOW_DAYS),
                                                today + timedelta(days=WINDOW_DAYS), today), today)
    past = [r for r in reversed(rows) if r.meeting.scheduled_on < today]
    upcoming = [r for r in rows if r.meeting.scheduled_on >= today]
    open_rows, open_total = compliance.open_for(current_user, today)
    first = today.replace(day=1)
    counts = compliance.compliance_counts(first, _month_end(first), today)
    return render_template("meetings/index.html", today=today, past=past, upcoming=upcoming, open_rows=open_rows,
                           open_total=open_total, counts=counts, types=list(MeetingType), record_url=record_url,
                           record_link=record_link, window_days=WINDOW_DAYS,
                           period_label=cadence.key_period_label, rate=compliance.compliance_rate)


@bp.route("/compliance")
@require("signed_in")
def compliance_view():
    today = clock_today()
    form = ComplianceFilterForm(request.args)
    form.unit.choices = options([("", "全部单位")] + [(str(u.id), u.short_name) for u in queries.convener_units()])
    start, end = today.replace(day=1), _month_end(today)
    filters = {}
    if request.args and not form.validate():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "warning")
        flash("筛选条件有误，已显示本月全部会议。", "warning")
    else:
        start, end = form.start.data or start, form.end.data or (form.start.data and _month_end(form.start.data)
                                                                 or end)
        if end < start:
            end = _month_end(start)
        filters = {"type": MeetingType(form.type.data) if form.type.data else None,
                   "convener_unit_id": int(form.unit.data) if form.unit.data else None,
                   "status": compliance.ComplianceStatus(form.status.data) if form.status.data else None}
    form.start.data, form.end.data = start, end
    rows = compliance.compliance_rows(start, end, today=today, **filters)
    counts = compliance.compliance_counts(start, end, today)
    return render_template("meetings/compliance.html", form=form, rows=rows, counts=counts, start=start, end=end,
                           by_convener=compliance.counts_by_convener(rows), types=list(MeetingType),
                           record_url=record_url, record_link=record_link, period_label=cadence.key_period_label,
                           rate=compliance.compliance_rate, today=today)


@bp.route("/calendar")
@require("signed_in")
def calendar_view():
    today = clock_today()
    first = _month_arg(request.args.get("month"), today)
    last = _month_end(first)
    grid_start = first - timedelta(days=first.weekday())
    grid_end = last + timedelta(days=6 - last.weekday())
    meetings = compliance.meetings_for(current_user, grid_start, grid_end, today)
    by_day = {}
    for meeting in meetings:
        by_day.setdefault(meeting.scheduled_on, []).append(meeting)
    cal = get_calendar()
    weeks = []
    day = grid_start
    while day <= grid_end:
        weeks.append([(day + timedelta(days=i), by_day.get(day + timedelta(days=i), [])) for i in range(7)])
        day += timedelta(days=7)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = last + timedelta(days=1)
    return render_template("meetings/calendar.html", first=first, weeks=weeks, today=today, cal=cal,
                           previous=previous, following=following, record_url=record_url, record_link=record_link,
                           period_label=cadence.key_period_label, total=len(meetings))


@bp.route("/rules")
@require("signed_in")
def rules():
    rules_by_type = cadence.load_rules()
    forms = {t: RuleForm(prefix=t.value, obj=_rule_values(r), formdata=None) for t, r in rules_by_type.items()}
    return render_template("meetings/rules.html", rules=rules_by_type, forms=forms,
                           can_edit=allowed(current_user, "admin"), defaults=cadence.DEFAULT_RULES)


def _rule_values(rule):
    class Values:
        anchor = rule.anchor.value
        offset_days = rule.offset_days
        record_due_workdays = rule.record_due_workdays
        remind_workdays_before = rule.remind_workdays_before
        horizon_days = rule.horizon_days
        is_active = rule.is_active
        note = rule.note

    return Values


@bp.route("/rules/<meeting_type>", methods=["POST"])
@require("admin")
def save_rule(meeting_type):
    try:
        meeting_type = MeetingType(meeting_type)
    except ValueError:
        abort(404)
    rules_by_type = cadence.load_rules()
    form = RuleForm(prefix=meeting_type.value)

    def refused():
        forms = {t: RuleForm(prefix=t.value, obj=_rule_values(r), formdata=None) for t, r in rules_by_type.items()}
        forms[meeting_type] = form
        flash(f"{meeting_type.label}的规则未保存：请按提示修改。", "danger")
        return render_template("meetings/rules.html", rules=rules_by_type, forms=forms, can_edit=True,
                               defaults=cadence.DEFAULT_RULES, open_type=meeting_type), 400

    if not form.validate():
        return refused()
    values = {name: getattr(form, name).data for name in cadence.RULE_FIELDS}
    values["anchor"] = cadence.Anchor(values["anchor"])
    try:
        cadence.update_rule(current_user, rules_by_type[meeting_type], values)
    except ServiceError as error:
        target = getattr(form, error.field, None) if error.field in cadence.RULE_FIELDS else None
        (target.errors if target is not None else form.form_errors).append(error.message)
        return refused()
    counts = cadence.generate_expected(clock_today(), get_calendar())
    db.session.commit()
    flash(f"已保存{meeting_type.label}的规则；已按新规则新建 {counts['created']} 个、调整 {counts['updated']} 个、"
          f"取消 {counts['cancelled']} 个尚未召开的会议。", "success")
    return redirect(url_for("meetings.rules"))


@bp.route("/feed")
@require("signed_in")
def feed():
    return render_template("meetings/feed.html", feed=ical.feed_of(current_user), new_url=None)


@bp.route("/feed", methods=["POST"])
@require("signed_in")
def create_feed():
    token = ical.create_feed(current_user)
    db.session.commit()
    flash("已生成新的订阅地址；旧地址（如有）已失效。请立即复制，离开本页后将不再显示。", "success")
    # Shown in this response only: the token is not stored, and a redirect would have to carry it.
    return render_template("meetings/feed.html", feed=ical.feed_of(current_user),
                           new_url=url_for("meetings.ical_feed", token=token, _external=True))


@bp.route("/feed/revoke", methods=["POST"])
@require("signed_in")
def revoke_feed():
    if ical.revoke_feed(current_user):
        db.session.commit()
        flash("已撤销订阅地址，日历程序将无法再获取会议。", "success")
    else:
        flash("您还没有订阅地址，无需撤销。", "info")
    return redirect(url_for("meetings.feed"))


@bp.route("/feed/<token>.ics")
@require("public")
def ical_feed(token):
    found = ical.feed_for_token(token)
    if found is None or not found.user.is_active_account:
        abort(404)
    user, today = found.user, clock_today()
    meetings = compliance.meetings_for(user, today - timedelta(days=ical.FEED_PAST_DAYS), date(today.year + 2, 12, 31),
                                       today)
    text = ical.calendar_text(f"千百十会议 · {user.display_name}", meetings, lambda m: record_url(m, external=True))
    feed_id = found.id
    ensure_writer()  # a GET that notes the feed's last use: see app/core/transactions.py
    ical.note_use(feed_id)
    db.session.commit()
    response = Response(text, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = "inline; filename=meetings.ics"  # a fixed ASCII name
    response.headers["Cache-Control"] = "private, max-age=300"
    return response

