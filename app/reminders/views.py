"""Reminder pages: my notification centre and my channels; for the office, a unit's group robots, the
upcoming reminders, the outbox (retry, cancel), the scheduler's status and the rule settings."""

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.models import User
from app.core.actions import perform
from app.core.calendar import get_calendar
from app.core.clock import get_clock
from app.core.pagination import paginate
from app.core.permissions import require
from app.core.urls import safe_next
from app.extensions import db
from app.org.models import Unit
from app.reminders import outbox, queries, services
from app.reminders.forms import PreferencesForm, RulesForm, UnitChannelsForm
from app.reminders.models import Channel, Notification, OutboxMessage, OutboxStatus, ReminderSetting
from app.reminders.rules import DEFAULTS, SETTINGS_CODE, load_settings

bp = Blueprint("reminders", __name__, url_prefix="/reminders")

MARKDOWN_MARKS = re.compile(r"\*\*|^#+\s*", flags=re.M)


def _body_lines(markdown):
    """Reminder bodies are short markdown (for the robots); the page shows them as plain lines."""
    return [line for line in MARKDOWN_MARKS.sub("", markdown or "").splitlines() if line.strip()]


def _safe_link(link):
    """Only paths in this app are linked (a reminder's link is data, not trusted markup)."""
    return safe_next(link, None)


# --- my notifications -----------------------------------------------------------------------------------

@bp.route("/")
@require("signed_in")
def index():
    page = paginate(queries.notifications_query(current_user.id))
    rows = [(n, _safe_link(n.link), _body_lines(n.body)) for n in page.items]
    return render_template("reminders/index.html", page=page, rows=rows,
                           unread=queries.unread_count(current_user.id))


def _own_notification(notification_id):
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)  # the same answer for "absent" and "not yours"
    return notification


@bp.route("/<int:notification_id>/read", methods=["POST"])
@require("signed_in")
def read(notification_id):
    services.mark_read(current_user, _own_notification(notification_id), get_clock().now())
    db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("reminders.index")))


@bp.route("/read-all", methods=["POST"])
@require("signed_in")
def read_all():
    count = services.mark_all_read(current_user, get_clock().now())
    db.session.commit()
    flash(f"已将 {count} 条通知标为已读。" if count else "没有未读通知。", "success")
    return redirect(url_for("reminders.index"))


# --- channels -------------------------------------------------------------------------------------------

def _save_channels(form, success, **kwargs):
    """Validate, call the service, commit; None when the page should be shown again."""
    if form.validate_on_submit() and perform(lambda: services.update_channels(current_user, form.changes(), **kwargs),
                                             success, form=form):
        return redirect(request.path)
    return None


@bp.route("/preferences", methods=["GET", "POST"])
@require("signed_in")
def preferences():
    prefs = queries.channels_of(user_id=current_user.id)
    data = PreferencesForm.data_from(prefs)
    data["email_address"] = data["email_address"] or current_user.email or ""
    form = PreferencesForm(data=data if request.method == "GET" else None)
    done = _save_channels(form, "提醒渠道已保存。", user=current_user)
    if done:
        return done
    return render_template("reminders/preferences.html", form=form, prefs=prefs,
                           has_secret=bool(prefs.get(Channel.dingtalk) and prefs[Channel.dingtalk].secret)
                           ), 400 if form.errors else 200


@bp.route("/units")
@require("admin")
def units():
    return render_template("reminders/units.html", rows=queries.unit_channel_rows(),
                           channels=services.UNIT_CHANNELS)


@bp.route("/units/<int:unit_id>/channels", methods=["GET", "POST"])
@require("admin")
def unit_channels(unit_id):
    unit = db.session.get(Unit, unit_id) or abort(404)
    prefs = queries.channels_of(unit_id=unit.id)
    form = UnitChannelsForm(data=UnitChannelsForm.data_from(prefs) if request.method == "GET" else None)
    done = _save_channels(form, f"已保存{unit.name}的群机器人设置。", unit=unit)
    if done:
        return done
    return render_template("reminders/unit_channels.html", form=form, unit=unit,
                           has_secret=bool(prefs.get(Channel.dingtalk) and prefs[Channel.dingtalk].secret)
                           ), 400 if form.errors else 200


# --- the office -----------------------------------------------------------------------------------------

def _enum_arg(enum_cls, name):
    try:
        return enum_cls(request.args.get(name)) if request.args.get(name) else None
    except ValueError:
        return None


@bp.route("/office")
@require("admin")
def office():
    now = get_clock().now()
    outbox_filter = queries.OutboxFilter(status=_enum_arg(OutboxStatus, "status"),
                                         channel=_enum_arg(Channel, "channel"),
                                         rule=(request.args.get("rule") or "").strip()[:48] or None)
    page = paginate(queries.outbox_query(outbox_filter))
    calendar, settings = get_calendar(), load_settings()
    held = {m.id: outbox.held_until(m, now, calendar, settings) for m in page.items}
    return render_template(
        "reminders/office.html", page=page, f=outbox_filter, counts=queries.status_counts(), held=held,
        window=(settings["send_start"], settings["send_end"], settings["working_days_only"]),
        statuses=list(OutboxStatus), channels=list(Channel), rules=queries.outbox_rules(),
        rule_label=queries.rule_label, occasion_label=queries.occasion_label, safe_link=_safe_link,
        upcoming=queries.upcoming(now),
        scheduler=queries.scheduler_view(now),
        retryable=outbox.RETRYABLE, cancellable=outbox.CANCELLABLE)


def _outbox_action(message_id, action, success):
    # Locked so that a delivery worker (which skips locked rows) cannot claim it under the office's hands.
    message = db.session.get(OutboxMessage, message_id, with_for_update=True) or abort(404)
    perform(lambda: action(current_user, message), success)
    return redirect(safe_next(request.form.get("next"), url_for("reminders.office")))


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
@require("admin")
def retry(message_id):
    return _outbox_action(message_id, outbox.retry, "已重新加入发送队列，将在发送时段内发出。")


@bp.route("/outbox/<int:message_id>/cancel", methods=["POST"])
@require("admin")
def cancel(message_id):
    return _outbox_action(message_id, outbox.cancel, "已取消发送。")


@bp.route("/rules", methods=["GET", "POST"])
@require("admin")
def rules():
    form = RulesForm(data=load_settings() if request.method == "GET" else None)
    if form.validate_on_submit() and perform(
            lambda: services.update_rules(current_user, form.values()),
            lambda changed: f"提醒规则已保存（修改 {len(changed)} 项），下次扫描起生效。" if changed
            else "没有修改任何规则。",
            form=form):
        return redirect(url_for("reminders.rules"))
    row = db.session.get(ReminderSetting, SETTINGS_CODE)
    updated_by = db.session.get(User, row.updated_by_id) if row and row.updated_by_id else None
    return render_template("reminders/rules.html", form=form, defaults={k: _shown(v) for k, v in DEFAULTS.items()},
                           limits=services.INT_LIMITS, row=row, updated_by=updated_by), 400 if form.errors else 200


def _shown(value):
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "（不提醒）"
    return str(value)
