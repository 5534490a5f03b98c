"""The month calendar, the rules page, and the iCalendar feed: one VEVENT per meeting with a stable UID and a
VALARM, RFC 5545 lines (CRLF, folded at 75 octets, escaped), behind a token that can be renewed and revoked."""

import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.core.models import AuditEntry
from app.extensions import db
from app.meetings import ical
from app.meetings.compliance import meetings_for
from app.meetings.models import CadenceRule, CalendarFeed, ExpectedMeeting, MeetingType

D = date.fromisoformat


def unfold(text):
    """Parse a feed as a calendar program does, checking the RFC 5545 framing on the way."""
    assert text.endswith("\r\n")
    physical = text[:-2].split("\r\n")
    for line in physical:
        assert "\n" not in line and "\r" not in line
        assert len(line.encode()) <= 75, line
    lines = []
    for line in physical:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def events(lines):
    result, current, depth = [], None, []
    for line in lines:
        name, _, value = line.partition(":")
        if name == "BEGIN":
            depth.append(value)
            if value == "VEVENT":
                current = {"VALARM": []}
            elif value == "VALARM":
                current["VALARM"].append({})
        elif name == "END":
            assert depth.pop() == value
            if value == "VEVENT":
                result.append(current)
                current = None
        elif current is not None:
            if depth[-1] == "VALARM":
                current["VALARM"][-1][name] = value
            else:
                current[name] = value
    assert depth == []
    return result


def test_folding_never_splits_a_character_and_escaping_covers_the_specials():
    line = "SUMMARY:" + "周会商；市工信局，" * 20
    folded = ical.fold(line)
    for part in folded.split("\r\n"):
        assert len(part.encode()) <= 75
        part.encode().decode()  # whole characters only
    assert folded.replace("\r\n ", "") == line
    assert ical.escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


@pytest.fixture
def feed_url(cadence_on, client, login_as):
    """gxj's feed, made through the page; returns the URL shown."""
    cadence_on(D("2026-03-10"))
    login_as("gxj")
    response = client.post("/meetings/feed")
    assert response.status_code == 200
    url = re.search(r'value="(http[^"]+\.ics)"', response.get_data(as_text=True)).group(1)
    return url.replace("http://localhost", "")


def test_the_feed_has_one_event_per_meeting_with_stable_uids_and_an_alarm(feed_url, client, user):
    client.post("/auth/logout")
    response = client.get(feed_url)  # calendar programs do not sign in
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    lines = unfold(response.get_data(as_text=True))
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    assert "X-WR-CALNAME:千百十会议 · 市工信局联络员" in lines
    found = events(lines)
    gxj = user("gxj")
    expected = meetings_for(gxj, D("2026-03-10") - timedelta(days=ical.FEED_PAST_DAYS), D("2028-12-31"),
                            D("2026-03-10"))
    assert len(found) == len(expected) > 0
    assert {e["UID"] for e in found} == {f"meeting-{m.id}@qbs.xiangtan" for m in expected}
    weekly = next(e for e in found if "周会商" in e["SUMMARY"])
    meeting = db.session.get(ExpectedMeeting, int(weekly["UID"].split("-")[1].split("@")[0]))
    assert weekly["DTSTART;VALUE=DATE"] == meeting.scheduled_on.strftime("%Y%m%d")
    assert weekly["SUMMARY"] == f"周会商：市工信局（{meeting.period_key[:4]}年第{int(meeting.period_key[6:])}周）"
    assert "记录截止" in weekly["DESCRIPTION"] and "\\n" in weekly["DESCRIPTION"]
    assert weekly["VALARM"] == [{"ACTION": "DISPLAY", "TRIGGER": "-PT15H",
                                 "DESCRIPTION": "明天：" + weekly["SUMMARY"]}]
    assert all(e["DTSTAMP"].endswith("Z") and "DTEND;VALUE=DATE" in e for e in found)
    # a 旬调度 of the vice mayor whose portfolio holds 工信局 (丁诚) is on it; another vice mayor's is not
    assert any(e["SUMMARY"].startswith("旬调度：丁诚") for e in found)
    assert not any(e["SUMMARY"].startswith("旬调度：杨晓军") for e in found)
    # fetched again: the same UIDs; the fetch is remembered
    again = events(unfold(client.get(feed_url).get_data(as_text=True)))
    assert [e["UID"] for e in again] == [e["UID"] for e in found]
    assert db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.user_id == gxj.id)).last_used_at


def test_a_cancelled_meeting_stays_in_the_feed_as_cancelled(feed_url, client, user):
    meeting = db.session.scalar(sa.select(ExpectedMeeting).where(
        ExpectedMeeting.type == MeetingType.weekly, ExpectedMeeting.convener_unit_id == user("gxj").unit_id)
        .order_by(ExpectedMeeting.scheduled_on.desc()))
    meeting.is_cancelled = True
    db.session.flush()
    found = events(unfold(client.get(feed_url).get_data(as_text=True)))
    event = next(e for e in found if e["UID"] == f"meeting-{meeting.id}@qbs.xiangtan")
    assert (event["STATUS"], event["SEQUENCE"]) == ("CANCELLED", "1")


def test_renewing_or_revoking_the_feed_kills_the_old_url_and_is_audited(feed_url, client, login_as):
    login_as("gxj")
    renewed = client.post("/meetings/feed").get_data(as_text=True)
    new_url = re.search(r'value="(http[^"]+\.ics)"', renewed).group(1).replace("http://localhost", "")
    assert new_url != feed_url
    old = client.get(feed_url)
    assert old.status_code == 404 and "页面不存在" in old.get_data(as_text=True)
    assert client.get(new_url).status_code == 200
    client.post("/meetings/feed/revoke")
    assert client.get(new_url).status_code == 404
    page = client.get("/meetings/feed").get_data(as_text=True)
    assert "您还没有订阅地址" in page
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("calendar_feed.%"))
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["calendar_feed.create", "calendar_feed.renew", "calendar_feed.revoke"]
    assert client.post("/meetings/feed/revoke", follow_redirects=True).status_code == 200


def test_an_unknown_token_is_404_in_chinese(client):
    response = client.get("/meetings/feed/not-a-token.ics")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


def test_a_deactivated_users_feed_stops(feed_url, client, user):
    user("gxj").is_active_account = False
    db.session.flush()
    assert client.get(feed_url).status_code == 404


# --- the month calendar -----------------------------------------------------------------------------------------

def test_the_month_calendar_shows_the_users_meetings_and_moves_by_month(cadence_on, client, login_as, clock):
    cadence_on(D("2026-03-10"))
    login_as("fushizhang")
    page = client.get("/meetings/calendar?month=2026-03").get_data(as_text=True)
    assert "2026年3月" in page and 'data-day="2026-03-02"' in page and 'data-day="2026-04-05"' in page
    assert "旬调度" in page and "杨晓军" in page
    assert "月分析" in page  # the city's 月分析 is on every leader's calendar
    assert "周会商" not in page  # not a unit's weekly meetings
    assert "month=2026-02" in page and "month=2026-04" in page
    december = client.get("/meetings/calendar?month=2026-12").get_data(as_text=True)
    assert "month=2027-01" in december and "month=2026-11" in december


@pytest.mark.parametrize("month", ["2026-13", "abc", "2026-1-1", "99999-01"])
def test_a_bad_month_shows_this_month_with_a_chinese_message(client, login_as, clock, month):
    clock.set(datetime(2026, 3, 10, 9, 0))
    login_as("gxj")
    response = client.get(f"/meetings/calendar?month={month}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "月份格式不正确" in text and "2026年3月" in text


# --- the rules page -----------------------------------------------------------------------------------------------

RULE_FORM = {"weekly-anchor": "start", "weekly-offset_days": "2", "weekly-record_due_workdays": "3",
             "weekly-remind_workdays_before": "1", "weekly-horizon_days": "28", "weekly-is_active": "y",
             "weekly-note": "改为周三会商"}


def test_the_office_edits_a_rule_which_is_audited_and_applied(cadence_on, client, login_as, clock):
    cadence_on(D("2026-03-10"))
    login_as("guancha")
    assert "会议周期规则" in client.get("/meetings/rules").get_data(as_text=True)
    assert client.post("/meetings/rules/weekly", data=RULE_FORM).status_code == 403
    login_as("admin")
    response = client.post("/meetings/rules/weekly", data=RULE_FORM, follow_redirects=True)
    assert response.status_code == 200 and "已保存周会商的规则" in response.get_data(as_text=True)
    rule = db.session.scalar(sa.select(CadenceRule).where(CadenceRule.type == MeetingType.weekly))
    assert (rule.offset_days, rule.record_due_workdays, rule.horizon_days, rule.note) == (2, 3, 28, "改为周三会商")
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "cadence_rule.update"))
    assert entry.after["offset_days"] == 2 and entry.before["offset_days"] == 0
    ahead = db.session.scalar(sa.select(ExpectedMeeting).where(
        ExpectedMeeting.type == MeetingType.weekly, ExpectedMeeting.period_key == "2026-W13"))
    assert ahead.scheduled_on == D("2026-03-25")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("weekly-offset_days", "999", "相隔天数应在 -60 到 120 之间"),
    ("weekly-offset_days", "两天", "必须是整数"),
    ("weekly-record_due_workdays", "", "请填写录入期限"),
    ("weekly-anchor", "middle", "取值无效"),
    ("weekly-horizon_days", "3", "提前生成天数应在 7 到 400 之间"),
])
def test_a_bad_rule_is_refused_in_chinese_and_nothing_changes(client, login_as, field, value, message):
    login_as("admin")
    response = client.post("/meetings/rules/weekly", data=dict(RULE_FORM, **{field: value}))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CadenceRule)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "cadence_rule.update")) == 0


def test_an_unknown_meeting_type_is_404(client, login_as):
    login_as("admin")
    assert client.post("/meetings/rules/yearly", data=RULE_FORM).status_code == 404


def test_a_calendar_library_reads_the_feed_as_a_calendar_program_would(feed_url, client, user):
    """Parsed with `icalendar` (what many calendar tools build on), not with this test's own reader: every event has
    its UID, an all-day start on the meeting day, a summary, and a display alarm before it."""
    import icalendar

    client.post("/auth/logout")
    calendar = icalendar.Calendar.from_ical(client.get(feed_url).get_data())
    assert str(calendar["X-WR-CALNAME"]) == "千百十会议 · 市工信局联络员"
    events = list(calendar.walk("VEVENT"))
    gxj = user("gxj")
    expected = {m.id: m for m in meetings_for(gxj, D("2026-03-10") - timedelta(days=ical.FEED_PAST_DAYS),
                                              D("2028-12-31"), D("2026-03-10"))}
    assert len(events) == len(expected) > 0
    for event in events:
        meeting = expected[int(str(event["UID"]).split("-")[1].split("@")[0])]
        assert event.decoded("DTSTART") == meeting.scheduled_on  # a date, not a datetime: all-day
        assert event.decoded("DTEND") == meeting.scheduled_on + timedelta(days=1)
        assert meeting.type.label in str(event["SUMMARY"])
        alarms = list(event.walk("VALARM"))
        assert len(alarms) == 1 and str(alarms[0]["ACTION"]) == "DISPLAY"
        assert alarms[0].decoded("TRIGGER") < timedelta(0)
