"""iCalendar (RFC 5545) feeds of a user's meetings, written by hand, and the revocable feed tokens.

One VEVENT per expected meeting: an all-day event on the proposed day (DTSTART;VALUE=DATE), a stable UID
(meeting-<id>@qbs.xiangtan, so that a calendar program updates rather than duplicates it), STATUS TENTATIVE while the
dates are provisional and CANCELLED (SEQUENCE 1) once the meeting is no longer expected, LAST-MODIFIED when re-dated,
and a VALARM at 09:00 the day before. Lines are folded at 75 octets without splitting a character, end in CRLF, and text
values escape backslash, semicolon, comma and newline.

The URL carries a random token; only its SHA-256 is stored, so the URL is shown once, when it is made. Making a
new one or revoking it makes the old URL answer 404 at once.
"""

import hashlib
import secrets
from datetime import UTC, timedelta

import sqlalchemy as sa

from app.core.audit import record_change
from app.core.clock import utcnow
from app.extensions import db
from app.meetings.cadence import key_period_label
from app.meetings.models import CalendarFeed

DOMAIN = "qbs.xiangtan"
PRODID = "-//Xiangtan QBS//Meetings 1.0//ZH"
ALARM_BEFORE = "-PT15H"  # 09:00 the day before an all-day event (which starts at midnight)
FEED_PAST_DAYS = 92  # how far back a feed reaches


# --- tokens --------------------------------------------------------------------------------------------------

def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def feed_of(user):
    return db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def create_feed(user):
    """Make (or remake) the user's feed token; returns the plain token, which is not kept. Audited; flushes."""
    token = secrets.token_urlsafe(32)
    feed = feed_of(user)
    action = "calendar_feed.renew" if feed is not None else "calendar_feed.create"
    if feed is None:
        feed = CalendarFeed(user_id=user.id, token_hash=_hash(token))
        db.session.add(feed)
    else:
        feed.token_hash, feed.last_used_at = _hash(token), None
    db.session.flush()
    record_change(user, action, feed, None, {"user_id": user.id})
    return token


def revoke_feed(user):
    """Delete the user's feed token (its URL stops working); False when there was none. Audited; flushes."""
    feed = feed_of(user)
    if feed is None:
        return False
    record_change(user, "calendar_feed.revoke", feed, {"user_id": user.id}, None)
    db.session.delete(feed)
    db.session.flush()
    return True


def note_use(feed_id):
    """Note that a calendar program fetched the feed now (an UPDATE of that column only: the row is not loaded,
    and its updated_at, shown as when the address was made, stays)."""
    db.session.execute(sa.update(CalendarFeed).where(CalendarFeed.id == feed_id).values(last_used_at=utcnow()))


def feed_for_token(token):
    """The live feed for a URL token, or None (unknown, revoked or replaced)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token)))


# --- RFC 5545 ------------------------------------------------------------------------------------------------

def escape(text):
    return (str(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line):
    """Fold a content line into chunks of at most 75 octets (continuations start with a space), never inside a
    UTF-8 character."""
    parts, current, size, limit = [], [], 0, 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74  # a continuation line's leading space counts
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _stamp(moment):
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def event_lines(meeting, url, now):
    summary = f"{meeting.type.label}：{meeting.convener_label}（{key_period_label(meeting.type, meeting.period_key)}）"
    record = meeting.record
    if meeting.is_cancelled:
        state, status = "已取消", "CANCELLED"
    elif record is not None:
        state, status = "已录入记录", "CONFIRMED"
    else:
        state, status = "待录入记录", "TENTATIVE" if meeting.provisional else "CONFIRMED"
    description = "\n".join([
        f"{meeting.type.label}（{key_period_label(meeting.type, meeting.period_key)}，"
        f"{meeting.period_start.isoformat()} 至 {meeting.period_end.isoformat()}）",
        f"召集（报告）：{meeting.convener_label}",
        f"记录截止：{meeting.record_due_on.isoformat()}；{state}",
        *(["日期按周末和法定节日推定，待节假日安排公布后确认"] if meeting.provisional else []),
        f"查看：{url}",
    ])
    changed = meeting.updated_at or meeting.created_at or now
    return [
        "BEGIN:VEVENT",
        f"UID:meeting-{meeting.id}@{DOMAIN}",
        f"DTSTAMP:{_stamp(now)}",
        f"LAST-MODIFIED:{_stamp(changed)}",
        f"SEQUENCE:{int(meeting.is_cancelled)}",  # a cancellation must win over the earlier copy
        f"DTSTART;VALUE=DATE:{meeting.scheduled_on.strftime('%Y%m%d')}",
        f"DTEND;VALUE=DATE:{(meeting.scheduled_on + timedelta(days=1)).strftime('%Y%m%d')}",
        f"SUMMARY:{escape(summary)}",
        f"DESCRIPTION:{escape(description)}",
        f"URL:{url}",
        f"STATUS:{status}",
        "TRANSP:TRANSPARENT",
        f"CATEGORIES:{escape(meeting.type.label)}",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"TRIGGER:{ALARM_BEFORE}",
        f"DESCRIPTION:{escape('明天：' + summary)}",
        "END:VALARM",
        "END:VEVENT",
    ]


def calendar_text(name, meetings, url_for_meeting, now=None):
    """The whole VCALENDAR as text with CRLF line ends."""
    now = now or utcnow()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
        "X-WR-TIMEZONE:Asia/Shanghai",
        "X-WR-CALDESC:" + escape("湘潭市产业强市“千百十”工程：周会商、旬调度、月分析、季考核、半年述职"),
        "REFRESH-INTERVAL;VALUE=DURATION:PT6H",
        "X-PUBLISHED-TTL:PT6H",
    ]
    for meeting in meetings:
        lines += event_lines(meeting, url_for_meeting(meeting), now)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
