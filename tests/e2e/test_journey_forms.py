"""Journeys: the long unit lists as searchable choosers, and forms and notifications on a phone (issue #16, part 4).

- The office assigns a task and finds its co-unit by typing part of its name in the 配合单位 chooser (Tom Select,
  vendored): “工信” leaves 市工信局 among few matches; picking it and submitting gives the task that co-unit. The
  same on a 390 px wide phone, where no page scrolls sideways.
- 市工信局's staff (gxj) open this week's 周会商 form on a phone: it reads as cards without sideways scrolling, and
  a submission with several mistakes (a date in the future, a decision without its lead unit, another without its
  due date) shows every mistake at once beside its field, and saves nothing.
- 我的通知 on a phone: each notification a card, long titles wrapped, no sideways scrolling.

These journeys run on their own copy of the seeded database (the dispatch journey logs the same 周会商).
"""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

import tests.e2e.conftest as e2e
from app.auth.models import User
from app.extensions import db
from app.meetings.models import ExpectedMeeting, MeetingType
from app.org.models import Unit
from app.reminders import jobs, outbox
from app.reminders.models import Notification
from app.tasks.models import Task
from tests.e2e.helpers import click_and_wait, click_nav, expect_heading, flashes

pytestmark = [pytest.mark.browser, pytest.mark.no_db_transaction]

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """This module's own copy of the seeded database (as test_journey_scoring): the 周会商 it opens is logged by the
    dispatch journey on the shared one."""
    yield from e2e.serve(*e2e._seeded_database(tmp_path_factory, "e2e_forms"), "e2e-forms-live-server")


def assert_no_sideways_scrolling(page, what):
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    if width > viewport:
        wide = page.evaluate("""(limit) => Array.from(document.querySelectorAll('body *'))
            .filter(e => e.getBoundingClientRect().right > limit + 1)
            .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""",
                             viewport)
        raise AssertionError(f"{what} scrolls sideways at {viewport} px: {width} px wide; widest: {wide}")


def _task_co_units(live_server, title):
    with live_server.app_context():
        task = db.session.scalar(sa.select(Task).where(Task.title == title))
        return None if task is None else sorted(u.name for u in task.co_units)


def _assign_with_chooser(page, shot, live_server, title, step):
    """As the office, on the assign form: fill it, pick 市工信局 by typing “工信” in the co-units chooser, submit."""
    expect_heading(page, "交办事项")
    page.get_by_label("事项名称").fill(title)
    page.get_by_label("具体内容和要求").fill("请会同相关单位制定工作方案并按时报送。")
    page.get_by_label("来源", exact=True).select_option(label="领导批示")
    page.get_by_label("来源说明（会议、批示文号等）").fill("市长批示〔2026〕15号")
    page.get_by_label("牵头单位").select_option(label="市科技局")
    page.get_by_label("完成时限").fill("2026-05-29")

    chooser = page.get_by_role("combobox", name="配合单位（可多选）")  # the label names the chooser's text box
    assert chooser.get_attribute("placeholder") == "输入名称搜索…"
    chooser.click()
    chooser.press_sequentially("工信")
    matches = page.get_by_role("listbox", name="配合单位（可多选）").get_by_role("option")
    expect(matches.filter(has_not_text="工信")).to_have_count(0)  # the list filters as the user types
    expect(matches.filter(has_text="市工信局")).to_have_count(1)
    names = [n.strip() for n in matches.all_inner_texts()]
    assert "市工信局" in names and all("工信" in n for n in names), names
    assert_no_sideways_scrolling(page, f"the assign form with the chooser open ({step})")
    shot(f"{step}-chooser-typed")
    matches.filter(has_text="市工信局").first.click()
    chosen = page.locator(".ts-wrapper .item")
    assert [t.replace("×", "").strip() for t in chosen.all_inner_texts()] == ["市工信局"]
    assert chosen.first.get_by_role("button").get_attribute("aria-label") == "移除“市工信局”"
    # The original list, hidden, is what the form submits: it follows the chooser.
    assert page.locator("select[name=co_unit_ids]").evaluate(
        "s => Array.from(s.selectedOptions, o => o.text)") == ["市工信局"]

    chooser.fill("")
    chooser.press_sequentially("不存在的单位")
    expect(page.get_by_text("没有匹配的单位")).to_be_visible()
    chooser.press("Escape")
    # Typing, then moving straight on to another field: the list must not open again behind the user's back (it
    # did 300 ms later, when Tom Select filtered late, and covered the form).
    chooser.press_sequentially("科技")
    page.get_by_label("完成时限").focus()
    page.wait_for_timeout(600)
    expect(page.locator(".ts-dropdown:visible")).to_have_count(0)
    shot(f"{step}-chooser-picked")
    click_and_wait(page, page.get_by_role("button", name="交办"))
    expect_heading(page, title)
    assert flashes(page), page.locator(".alert").all_inner_texts()
    assert _task_co_units(live_server, title) == ["市工信局"]


def test_office_finds_co_unit_by_typing_in_chooser_and_task_has_it(page, sign_in, shot, live_server):
    # The chooser runs under the app's own Content-Security-Policy (no inline styles or scripts allowed): the
    # browser reports any refusal on the console.
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    sign_in("admin")
    click_nav(page, "交办事项")
    _assign_with_chooser(page, shot, live_server, "组织新材料企业参加产需对接会（选择器测试）", "desktop")
    assert refused == []


def test_chooser_works_on_a_phone_without_sideways_scrolling(page, sign_in, shot, live_server):
    sign_in("admin")  # at the desktop width: on a phone the navigation folds behind its toggle button
    page.set_viewport_size(PHONE)
    page.goto("/tasks/new")
    assert_no_sideways_scrolling(page, "the assign form")
    _assign_with_chooser(page, shot, live_server, "组织新材料企业参加产需对接会（手机选择器测试）", "phone")
    assert_no_sideways_scrolling(page, "the task just assigned")


def test_chooser_keyboard_only_picks_and_removes_a_unit(page, sign_in, live_server):
    sign_in("admin")
    page.goto("/tasks/new")
    page.get_by_role("combobox", name="配合单位（可多选）").focus()
    page.keyboard.type("发改")
    options = page.get_by_role("listbox", name="配合单位（可多选）").get_by_role("option")
    expect(options.filter(has_not_text="发改")).to_have_count(0)
    expect(options).to_have_count(1)
    page.keyboard.press("Enter")
    items = page.locator(".ts-wrapper .item")
    assert [t.replace("×", "").strip() for t in items.all_inner_texts()] == ["市发改委"]
    page.keyboard.press("Backspace")
    assert items.count() == 0
    assert page.locator("select[name=co_unit_ids]").evaluate("s => s.selectedOptions.length") == 0


# --- the 周会商 form on a phone ----------------------------------------------------------------------------------

def _weekly_meeting_of(live_server, unit_name, period_key="2026-W16"):
    with live_server.app_context():
        return db.session.scalar(
            sa.select(ExpectedMeeting.id).join(Unit, Unit.id == ExpectedMeeting.convener_unit_id)
            .where(ExpectedMeeting.type == MeetingType.weekly, ExpectedMeeting.period_key == period_key,
                   Unit.name == unit_name))


def pick(page, chooser, typed, name):
    """Type in a chooser, wait for its list to show the matches only, pick `name`, close the list."""
    chooser.click()
    chooser.press_sequentially(typed)
    matches = page.locator(f"#{chooser.get_attribute('aria-controls')}").get_by_role("option")
    expect(matches.filter(has_not_text=typed)).to_have_count(0)
    matches.filter(has_text=name).first.click()
    chooser.press("Escape")


def _is_marked(locator):
    return "is-invalid" in (locator.get_attribute("class") or "").split()


def test_weekly_meeting_form_on_a_phone_shows_every_mistake_at_once_without_sideways_scrolling(
        page, sign_in, shot, live_server):
    meeting_id = _weekly_meeting_of(live_server, "市工信局")
    sign_in("gxj")
    page.set_viewport_size(PHONE)
    page.goto(f"/meetings/expected/{meeting_id}/record")
    expect_heading(page, "周会商")
    assert_no_sideways_scrolling(page, "the 周会商 form")
    shot("weekly-form-phone")

    page.get_by_label("会议日期").fill("2026-04-20")  # after the frozen today, 2026-04-14
    attending = page.get_by_role("combobox", name="参会单位（可多选）")
    attending.click()
    pick(page, attending, "科技", "市科技局")
    page.get_by_label("会议纪要").fill("研究精品钢材产业链本周推进事项。")
    rows = page.locator("[data-repeat-row]")
    rows.nth(0).get_by_label("决定事项").fill("编制新材料产业链招商图谱")  # neither lead unit nor due date
    page.get_by_role("button", name="添加一条").click()
    expect(rows).to_have_count(2)
    second = rows.nth(1)
    second.get_by_label("决定事项").fill("组织链上企业参加产需对接会")
    second.get_by_label("牵头单位").select_option(label="市工信局")
    second.get_by_label("完成时限").fill("2026-04-01")  # before today
    # The added row's co-units are a chooser too; 市发改委 is not at the meeting, so gxj may not assign to it.
    co_units = second.get_by_role("combobox", name="配合单位（可多选）")
    pick(page, co_units, "发改", "市发改委")
    assert_no_sideways_scrolling(page, "the 周会商 form filled in")
    shot("weekly-form-phone-filled")

    click_and_wait(page, page.get_by_role("button", name="保存纪要"))
    summary = page.locator("[data-error-summary]")
    assert "提交的内容有 5 处需要修改" in summary.inner_text(), summary.inner_text()
    for message in ("会议日期 2026-04-20 晚于今天", "请为会议决定“编制新材料产业链招商图谱”选择牵头单位。",
                    "请为会议决定“编制新材料产业链招商图谱”填写完成时限。", "完成时限 2026-04-01 早于今天",
                    "“市发改委”不是本次会议的召集单位或出席单位"):
        assert summary.get_by_text(message).count() == 1, message
    rows = page.locator("[data-repeat-row]")
    assert _is_marked(page.get_by_label("会议日期"))
    assert _is_marked(rows.nth(0).get_by_label("牵头单位")) and _is_marked(rows.nth(0).get_by_label("完成时限"))
    assert _is_marked(rows.nth(1).get_by_label("完成时限"))
    assert _is_marked(rows.nth(1).locator(".ts-wrapper"))  # the chooser carries its list's mark
    assert rows.nth(1).locator(".invalid-feedback").filter(has_text="市发改委").is_visible()
    # What was typed is kept, the chosen units too.
    assert rows.nth(1).get_by_label("决定事项").input_value() == "组织链上企业参加产需对接会"
    assert [t.replace("×", "").strip() for t in rows.nth(1).locator(".ts-wrapper .item").all_inner_texts()] == \
        ["市发改委"]
    assert_no_sideways_scrolling(page, "the 周会商 form with its mistakes")
    shot("weekly-form-phone-mistakes")
    with live_server.app_context():
        meeting = db.session.get(ExpectedMeeting, meeting_id)
        assert meeting.record is None
        assert db.session.scalar(sa.select(sa.func.count(Task.id)).where(
            Task.title.in_(["编制新材料产业链招商图谱", "组织链上企业参加产需对接会"]))) == 0


# --- 我的通知 on a phone ------------------------------------------------------------------------------------------

def test_notifications_on_a_phone_read_as_cards_without_sideways_scrolling(page, sign_in, shot, live_server):
    with live_server.app_context():  # the scheduler's own jobs, once, at the frozen moment
        now = live_server.clock.now()
        jobs.scan(now)
        db.session.commit()
        outbox.deliver(now)
        db.session.commit()
        user_id = db.session.scalar(sa.select(User.id).where(User.username == "gxj"))
        count = db.session.scalar(sa.select(sa.func.count(Notification.id)).where(Notification.user_id == user_id))
    assert count > 0, "the demo data gives 市工信局 reminders to deliver"
    sign_in("gxj")
    page.set_viewport_size(PHONE)
    page.goto("/reminders/")
    expect_heading(page, "我的通知")
    cards = page.locator(".notification-list .list-group-item")
    assert 0 < cards.count() <= count
    assert_no_sideways_scrolling(page, "我的通知")
    first = cards.first
    box, title = first.bounding_box(), first.locator(".fw-semibold").first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and title["x"] + title["width"] <= box["x"] + box["width"]
    shot("notifications-phone")


def test_choosing_in_the_original_list_shows_in_the_chooser(page, sign_in, live_server):
    """A script (or a test) choosing in the hidden list the form submits: the chooser shows the same units."""
    sign_in("admin")
    page.goto("/tasks/new")
    page.locator("select[name=co_unit_ids]").select_option(label=["市发改委", "市科技局"])
    items = page.locator(".ts-wrapper .item")
    assert sorted(t.replace("×", "").strip() for t in items.all_inner_texts()) == ["市发改委", "市科技局"]
