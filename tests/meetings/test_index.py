"""The meetings landing page: the last 30 days (held or missed, with the record's status) and today with the next
30 days, labelled; each row opens its meeting as the viewer may; its statement count does not grow with its rows
(issue 16, section 5)."""

import re
from datetime import UTC, date, datetime

import sqlalchemy as sa

from app.extensions import db
from app.meetings.models import ExpectedMeeting, MeetingRecord, MeetingType
from app.org.models import Unit

D = date.fromisoformat


def weekly(unit_name, key):
    return db.session.scalar(sa.select(ExpectedMeeting).join(Unit, Unit.id == ExpectedMeeting.convener_unit_id)
                             .where(ExpectedMeeting.type == MeetingType.weekly, ExpectedMeeting.period_key == key,
                                    Unit.name == unit_name))


def log_record(meeting, on):
    record = MeetingRecord(expected=meeting, type=meeting.type, held_on=meeting.scheduled_on,
                           created_at=datetime(on.year, on.month, on.day, 2, 0, tzinfo=UTC))
    db.session.add(record)
    db.session.flush()
    return record


def section(page, list_id):
    """The <ul> of one list (or the empty message after its heading)."""
    start = page.index(f'id="{list_id}-heading"')
    rest = page[start:]
    following = re.search(r'<h2 ', rest[10:])
    return rest[: following.start() + 10] if following else rest


def items(html):
    return re.findall(r'<li class="list-group-item[^"]*" data-meeting="(\d+)" data-status="([^"]+)">(.*?)</li>',
                      html, re.S)


def test_the_page_shows_the_last_30_days_and_the_next_30_labelled(cadence_on, client, login_as):
    cadence_on(D("2026-03-10"), since=D("2026-01-15"))
    recorded = log_record(weekly("市工信局", "2026-W10"), D("2026-03-05"))
    login_as("gxj")
    page = client.get("/meetings/").get_data(as_text=True)
    assert "过去 30 天的会议" in page and "今天及未来 30 天的会议" in page
    assert "近 30 天的会议" not in page
    past, ahead = items(section(page, "past")), items(section(page, "upcoming"))
    assert past and ahead
    by_id = {int(i): (status, body) for i, status, body in past}
    # W10 (03-02): logged on time, the row opens the record
    status, body = by_id[recorded.expected_id]
    assert status == "已录入" and f'href="/meetings/records/{recorded.id}"' in body and "查看纪要" in body
    # W09 (02-23): held, never logged, due passed: missing, the row opens the form to log it
    missed = weekly("市工信局", "2026-W09")
    status, body = by_id[missed.id]
    assert status == "缺失" and f'href="/meetings/expected/{missed.id}/record"' in body and "录入记录" in body
    # most recent first, only days before today
    past_days = [db.session.get(ExpectedMeeting, int(i)).scheduled_on for i, _, _ in past]
    assert past_days == sorted(past_days, reverse=True) and max(past_days) < D("2026-03-10")
    assert min(past_days) >= D("2026-02-08")
    # ahead: today's 周会商 W11 was held on 03-09, so the first ahead is on or after today, and 待召开 beyond
    ahead_days = [db.session.get(ExpectedMeeting, int(i)).scheduled_on for i, _, _ in ahead]
    assert ahead_days == sorted(ahead_days) and min(ahead_days) >= D("2026-03-10")
    assert max(ahead_days) <= D("2026-04-09")
    later = weekly("市工信局", "2026-W12")  # 03-16
    status, body = {int(i): (s, b) for i, s, b in ahead}[later.id]
    assert status == "待召开" and f'href="/meetings/expected/{later.id}/record"' in body


def test_a_row_the_viewer_may_not_open_has_no_link(cadence_on, client, login_as):
    cadence_on(D("2026-03-10"), since=D("2026-01-15"))
    login_as("guancha")  # the observer reads everything, logs nothing: unrecorded rows are plain text
    page = client.get("/meetings/").get_data(as_text=True)
    rows = items(section(page, "past")) + items(section(page, "upcoming"))
    assert rows
    unrecorded = [(i, body) for i, status, body in rows if status in ("缺失", "待录入", "待召开")]
    assert unrecorded and all("/record\"" not in body and "<a " not in body for _, body in unrecorded)


def test_the_page_says_so_when_a_list_is_empty(client, login_as, clock):
    clock.set(datetime(2026, 3, 10, 9, 0))
    login_as("gxj")
    page = client.get("/meetings/").get_data(as_text=True)
    assert "过去 30 天没有与您相关的会议。" in page and "今天及未来 30 天没有与您相关的会议。" in page


def test_the_statement_count_does_not_grow_with_the_rows(cadence_on, client, login_as, count_queries):
    def statements():
        with count_queries() as counter:
            page = client.get("/meetings/").get_data(as_text=True)
        return counter.count, len(items(section(page, "past"))) + len(items(section(page, "upcoming")))

    cadence_on(D("2026-06-30"), since=D("2026-06-29"))
    login_as("admin")
    few, n_few = statements()
    cadence_on(D("2026-06-30"), since=D("2026-05-01"))
    for meeting in db.session.scalars(sa.select(ExpectedMeeting).where(
            ExpectedMeeting.type == MeetingType.weekly, ExpectedMeeting.period_key == "2026-W24")):
        log_record(meeting, D("2026-06-09"))
    many, n_many = statements()
    assert n_many > n_few + 30 and n_few > 0
    assert few == many


def test_the_month_calendar_of_an_unpublished_year_marks_the_assumed_holidays(client, login_as, clock):
    clock.set(datetime(2026, 12, 6, 10, 0))
    login_as("admin")
    page = client.get("/meetings/calendar?month=2027-01").get_data(as_text=True)
    assert "2027年节假日安排尚未公布" in page
    cell = page.split('data-day="2027-01-01"')[1].split("</td>")[0]
    assert "节日（推定）" in cell
    assert "节日（推定）" not in page.split('data-day="2027-01-04"')[1].split("</td>")[0]
    published = client.get("/meetings/calendar?month=2026-10").get_data(as_text=True)
    assert "尚未公布" not in published and "节日（推定）" not in published
