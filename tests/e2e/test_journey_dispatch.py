"""Journey: a lead unit works on its tasks during the week, and its vice mayor dispatches them in the 旬.

市工信局's liaison (gxj) logs this week's 周会商 (2026年第16周) with two decisions that become tasks (a first
submission with a decision lacking its due date is refused and saves nothing), finds both in the unit's inbox,
then reports progress on another of its tasks and requests its completion. 丁诚 (fushizhang2), whose portfolio
includes 市工信局 and 市大数据和产业创新发展中心, opens this 旬's dispatch list, sees that task with its new
progress, the two tasks of the 周会商 and every light, and downloads the Excel file, whose rows the test reads
back; then he logs this 旬's 旬调度 with an instruction on one of the 周会商's tasks, and the record shows the
frozen list and the instruction.
"""

import re
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from app.extensions import db
from app.meetings.models import ExpectedMeeting, ItemKind, MeetingRecord, MeetingType, RecordItem
from app.org.models import Unit
from app.tasks.models import CompletionRequest, FollowUp, RequestStatus, Task, TaskSource, TaskState, Urge
from tests.e2e.helpers import E2E_NOW, check_accessibility, click_and_wait, click_nav, expect_heading, flashes

pytestmark = [pytest.mark.browser, pytest.mark.no_db_transaction]

PROGRESS = "已完成链上企业走访和数据核对，清单初稿已报分管副市长审阅"
SUMMARY = "产业链图谱和招商目标企业清单已印发，佐证材料已报千百十办"

# This week's 周会商 of 市工信局 and this 旬's 旬调度 of 丁诚: both held, neither logged yet in the demo data.
WEEKLY_TITLE = "市工信局 2026年第16周周会商纪要"
DISPATCH_TITLE = "丁诚（湘潭市人民政府） 2026年4月中旬旬调度纪要"
WEEKLY_MINUTES = "会议通报了本周牵头事项进展，市发改委、市大数据中心汇报了配合工作情况，研究了两项需交办的工作。"
# (text, lead unit, co-units, due date): both due within this 旬, both made tasks.
DECISIONS = [
    ("梳理精品钢材产业链链上企业用电需求并报送市发改委（浏览器测试）", "市工信局",
     ["市发改委", "市科技局"], date(2026, 4, 17)),
    ("建立工业互联网平台企业上云清单（浏览器测试）", "市大数据和产业创新发展中心",
     ["市工信局"], date(2026, 4, 20)),
]
INSTRUCTION = "用电需求清单要逐户核实，4月17日前报我审定（浏览器测试）"


def _task_to_finish(live_server):
    """An open task led by 市工信局, in progress, not yet due, with no pending completion request."""
    with live_server.app_context():
        unit_id = db.session.scalar(sa.select(Unit.id).where(Unit.name == "市工信局"))
        pending = sa.select(CompletionRequest.task_id).where(CompletionRequest.status == RequestStatus.pending)
        task = db.session.scalars(
            sa.select(Task).where(Task.lead_unit_id == unit_id, Task.state == TaskState.in_progress,
                                  Task.due_on > E2E_NOW.date(), Task.id.not_in(pending))
            .order_by(Task.due_on, Task.id).limit(1)).one()
        return task.id, task.title


def _dispatch_rows(page):
    """(title, light label, state label) of every task row of the dispatch list on screen."""
    rows = []
    for row in page.locator("table.dispatch-table tbody tr.dispatch-row").all():
        cells = row.locator("td")  # the light first, then 序号, 事项 ... and the state last
        rows.append((cells.nth(2).locator("a").first.inner_text().strip(),
                     cells.nth(0).locator(".badge").first.inner_text().strip(),
                     cells.nth(7).locator("div.small").first.inner_text().strip()))
    return rows


def _open_record_form(page, meeting_type, period, title):
    """From 会议, the 录入记录 link of the meeting in “待我录入的记录”."""
    click_nav(page, "会议")
    expect_heading(page, "会议")
    row = page.locator("table#open-records tbody tr").filter(has_text=meeting_type).filter(has_text=period)
    assert row.count() == 1, page.locator("table#open-records").inner_text()
    click_and_wait(page, row.get_by_role("link", name="录入记录"))
    expect_heading(page, title)


def _choose(scope, label, names):
    """Pick `names` in a searchable chooser (Tom Select) as a user does: type, click the option. On these shared
    cores, with other browsers and servers running beside, the list sometimes redraws under the typing (the option
    hidden, or covered while it moves): then the user closes the list and types again, as a person would."""
    box = scope.get_by_role("combobox", name=label)
    chosen = scope.locator(".ts-control .item")
    for name in names:
        for attempt in range(3):
            box.click()
            box.fill("")
            box.press_sequentially(name)
            option = scope.get_by_role("listbox", name=label).get_by_role("option", name=name, exact=True)
            try:
                option.click(timeout=5000)
                break
            except PlaywrightTimeoutError:
                if attempt == 2:
                    raise
                _close_choosers(box.page)
        expect(chosen.filter(has_text=name)).to_have_count(1)
    _close_choosers(box.page)


def _close_choosers(page):
    """Leave the choosers as a click elsewhere would: their lists close (else one covers the buttons below it)."""
    page.evaluate("document.querySelectorAll('select[multiple]').forEach("
                  "s => { if (s.tomselect) { s.tomselect.close(); s.tomselect.blur(); } })")


def _fill_decision(row, text, lead_unit, co_units, due_on):
    row.get_by_label("决定事项").fill(text)
    row.get_by_label("牵头单位").select_option(label=lead_unit)
    _choose(row, "配合单位（可多选）", co_units)
    row.get_by_label("完成时限").fill(due_on.isoformat() if due_on else "")
    assert row.get_by_label("同时交办为事项").is_checked()


def _log_weekly_meeting(page, shot, live_server):
    """gxj logs this week's 周会商 with two decisions; returns {decision text: task id}."""
    _open_record_form(page, "周会商", "2026年第16周", WEEKLY_TITLE)
    assert page.get_by_label("会议日期").input_value() == "2026-04-13"  # the meeting day, proposed Monday
    page.get_by_label("地点").fill("市工信局三楼会议室")
    page.get_by_label("主持人").fill("市工信局主要负责人")
    # Every unit a decision is assigned to attends (a unit's record may assign only its own and attending units).
    _choose(page, "参会单位（可多选）", ["市发改委", "市科技局", "市大数据和产业创新发展中心"])
    page.get_by_label("参会人员").fill("市发改委分管负责人、市科技局分管负责人、市大数据中心分管负责人")
    page.get_by_label("议题").fill("精品钢材及新材料产业链推进情况；本周交办事项办理进度")
    page.get_by_label("会议纪要").fill(WEEKLY_MINUTES)
    rows = page.locator("[data-repeat-row]")
    assert rows.count() == 1
    _fill_decision(rows.nth(0), *DECISIONS[0])
    page.get_by_role("button", name="添加一条").click()
    assert rows.count() == 2
    text, lead, co_units, _ = DECISIONS[1]
    _fill_decision(rows.nth(1), text, lead, co_units, None)  # the due date forgotten
    shot("gxj-weekly-meeting-form")

    # A decision to be made a task without its due date: refused in Chinese, nothing saved, the form kept.
    _close_choosers(page)
    click_and_wait(page, page.get_by_role("button", name="保存纪要"))
    message = f"请为会议决定“{text[:30]}”填写完成时限。"
    assert page.get_by_text(message).first.is_visible(), page.locator("form").inner_text()
    assert rows.count() == 2 and rows.nth(1).get_by_label("决定事项").input_value() == text
    assert rows.nth(0).locator("select[multiple]").evaluate(
        "s => Array.from(s.selectedOptions, o => o.text)") == DECISIONS[0][2]
    shot("gxj-weekly-meeting-refused")
    with live_server.app_context():
        meeting = db.session.scalar(sa.select(ExpectedMeeting).join(Unit, Unit.id == ExpectedMeeting.convener_unit_id)
                                    .where(ExpectedMeeting.type == MeetingType.weekly,
                                           ExpectedMeeting.period_key == "2026-W16", Unit.name == "市工信局"))
        assert meeting.record is None
        assert db.session.scalar(sa.select(sa.func.count(Task.id)).where(
            Task.title.in_([d[0] for d in DECISIONS]))) == 0
        expected_id = meeting.id

    rows.nth(1).get_by_label("完成时限").fill(DECISIONS[1][3].isoformat())
    _close_choosers(page)
    click_and_wait(page, page.get_by_role("button", name="保存纪要"))
    assert flashes(page) == [f"已保存：{WEEKLY_TITLE}。"], page.locator(".alert").all_inner_texts()
    expect_heading(page, WEEKLY_TITLE)
    record_id = int(re.search(r"/meetings/records/(\d+)$", page.url).group(1))

    # Both decisions are tasks of the convener's meeting, with their units and due dates.
    with live_server.app_context():
        record = db.session.get(MeetingRecord, record_id)
        assert record.expected_id == expected_id and record.held_on == date(2026, 4, 13)
        assert sorted(u.name for u in record.units) == sorted(["市发改委", "市科技局", "市大数据和产业创新发展中心"])
        items = sorted((i for i in record.items if i.kind is ItemKind.decision), key=lambda i: i.sort_order)
        assert [i.text for i in items] == [d[0] for d in DECISIONS]
        tasks = {}
        for item, (text, lead, co_units, due_on) in zip(items, DECISIONS, strict=True):
            task = db.session.get(Task, item.task_id)
            assert (task.title, task.lead_unit.name, task.due_on) == (text, lead, due_on)
            assert sorted(p.unit.name for p in task.parties if not p.is_lead) == sorted(co_units)
            assert task.state is TaskState.assigned and task.source is TaskSource.meeting
            assert task.meeting_ref_id == record_id and task.assigned_on == E2E_NOW.date()
            tasks[text] = task.id

    # The record page lists the decisions, each linked to its task.
    section = page.locator("#items-decision")
    assert "会议决定（2）" in section.locator("h2").inner_text()
    for text, _, _, due_on in DECISIONS:
        row = section.locator("tbody tr", has_text=text)
        assert row.count() == 1
        cells = row.locator("td")
        assert cells.nth(3).inner_text().strip() == due_on.isoformat()
        assert cells.nth(4).inner_text().strip() == f"#{tasks[text]} 已交办"
        assert row.get_by_role("link", name=f"#{tasks[text]}").get_attribute("href").endswith(f"/tasks/{tasks[text]}")
    assert page.locator(".minutes-text", has_text=WEEKLY_MINUTES).is_visible()
    shot("gxj-weekly-meeting-saved")
    return tasks


def test_lead_unit_reports_progress_and_requests_completion_then_vice_mayor_dispatches(
        page, sign_in, sign_out, shot, artifacts, live_server):
    task_id, title = _task_to_finish(live_server)

    # --- Act 1: the lead unit's liaison -------------------------------------------------------------------
    sign_in("gxj")
    shot("gxj-home")

    decided = _log_weekly_meeting(page, shot, live_server)

    click_nav(page, "本单位事项")
    expect_heading(page, "市工信局 · 交办事项")
    for text in decided:  # the first as lead unit, the second as co-unit
        assert page.get_by_role("link", name=text, exact=True).count() == 1, text
    shot("gxj-inbox")
    click_and_wait(page, page.get_by_role("link", name=title, exact=True))
    expect_heading(page, title)
    assert page.url.endswith(f"/tasks/{task_id}")

    # Progress: a percent over 100 is refused with a Chinese message and nothing is saved; then corrected.
    follow_up = page.locator("form#follow-up")
    follow_up.get_by_label("进展情况").fill(PROGRESS)
    follow_up.get_by_label("完成进度（%）").fill("120")
    click_and_wait(page, follow_up.get_by_role("button", name="提交进展"))
    assert page.get_by_role("alert").filter(has_text="完成进度必须是 0 到 100 的整数。").first.is_visible()
    follow_up = page.locator("form#follow-up")
    beside = follow_up.locator(".invalid-feedback", has_text="完成进度必须是 0 到 100 的整数。")  # beside the field
    assert beside.is_visible()
    shot("gxj-progress-refused")
    # the refusal shows the form again as typed: only the percentage needs correcting
    assert follow_up.get_by_label("进展情况").input_value() == PROGRESS
    follow_up.get_by_label("完成进度（%）").fill("90")
    click_and_wait(page, follow_up.get_by_role("button", name="提交进展"))
    assert flashes(page) == ["进展已提交。"], page.locator(".alert").all_inner_texts()
    assert page.locator(".border-start", has_text=PROGRESS).filter(has_text="进度 90%").count() == 1
    shot("gxj-progress-saved")

    # Completion request for today.
    completion = page.locator("form#completion")
    completion.get_by_label("完成日期").fill(E2E_NOW.date().isoformat())
    completion.get_by_label("办结情况").fill(SUMMARY)
    completion.get_by_label("无佐证材料的原因（没有佐证材料时必填）").fill("佐证材料已由纸质文件报千百十办")
    click_and_wait(page, completion.get_by_role("button", name="申请办结"))
    assert flashes(page) == ["办结申请已提交，等待审核。"], page.locator(".alert").all_inner_texts()
    assert page.locator("h1 + div .badge", has_text="申请办结").count() == 1
    assert page.locator("form#completion").count() == 0  # no second request while this one is pending
    shot("gxj-completion-requested")

    with live_server.app_context():
        task = db.session.get(Task, task_id)
        assert task.state is TaskState.completion_requested
        follow_ups = db.session.scalars(sa.select(FollowUp).where(FollowUp.task_id == task_id,
                                                                  FollowUp.text == PROGRESS)).all()
        assert [f.percent for f in follow_ups] == [90]  # the refused submission saved nothing
    sign_out()

    # --- Act 2: the vice mayor ----------------------------------------------------------------------------
    sign_in("fushizhang2")
    click_nav(page, "旬调度清单")
    expect_heading(page, "2026年4月中旬")
    shot("vice-mayor-dispatch-list")
    summary = page.locator("h1 + p").inner_text()
    total = int(re.search(r"共 (\d+) 项", summary).group(1))
    rows = _dispatch_rows(page)
    assert len(rows) == total
    lights = {light for _, light, _ in rows}
    assert {"红灯", "黄灯", "绿灯"} <= lights, lights
    ours = [row for row in rows if row[0] == title]
    assert len(ours) == 1 and ours[0][1] in ("绿灯", "黄灯") and ours[0][2] == "申请办结", ours
    our_row = page.locator("table.dispatch-table tbody tr", has=page.get_by_role("link", name=title, exact=True))
    assert PROGRESS in our_row.inner_text() and "（90%）" in our_row.inner_text()

    # The two tasks decided at the 周会商, just assigned, each under its lead unit with its light.
    for text, lead, _, due_on in DECISIONS:
        decided_rows = [row for row in rows if row[0] == text]
        assert len(decided_rows) == 1 and decided_rows[0][1] in ("绿灯", "黄灯") and decided_rows[0][2] == "已交办", \
            decided_rows
        row = page.locator("table.dispatch-table tbody tr", has=page.get_by_role("link", name=text, exact=True))
        assert due_on.isoformat() in row.inner_text()
        heading = row.locator("xpath=preceding-sibling::tr[contains(@class, 'dispatch-unit-head')][1]")
        assert lead in heading.inner_text(), heading.inner_text()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 Excel").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx") and "2026年4月中旬" in download.suggested_filename
    path = artifacts / download.suggested_filename
    download.save_as(path)
    sheet = openpyxl.load_workbook(path).active
    assert "2026年4月中旬" in sheet.cell(1, 1).value
    header = [sheet.cell(3, column).value for column in range(1, 8)]
    assert header == ["序号", "事项", "牵头单位", "配合单位", "时限", "最新进展", "状态"]
    excel_rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=4)
                  if isinstance(row[0].value, int)]
    assert [row[0] for row in excel_rows] == list(range(1, total + 1))
    assert [row[1].removeprefix("【重点】") for row in excel_rows] == [title for title, _, _ in rows]
    assert [row[6].split("\n")[0] for row in excel_rows] == [light for _, light, _ in rows]
    excel_ours = next(row for row in excel_rows if row[1].removeprefix("【重点】") == title)
    assert excel_ours[2] == "市工信局"
    assert excel_ours[5].startswith(f"{PROGRESS}（4月14日，进度90%）"), excel_ours[5]
    closing = [row[0].value for row in sheet.iter_rows(min_row=4) if isinstance(row[0].value, str)]
    assert closing[-1].startswith(f"合计 {total} 项：")
    for text, lead, co_units, _ in DECISIONS:
        excel_decided = [row for row in excel_rows if row[1] == text]
        assert len(excel_decided) == 1 and excel_decided[0][2] == lead, excel_decided
        assert all(unit in excel_decided[0][3] for unit in co_units), excel_decided

    _log_dispatch_meeting(page, shot, live_server, decided, total)
    sign_out()


def _log_dispatch_meeting(page, shot, live_server, decided, total):
    """丁诚 logs this 旬's 旬调度, held today, with an instruction on the first task of the 周会商."""
    instructed, instructed_id = DECISIONS[0][0], decided[DECISIONS[0][0]]
    _open_record_form(page, "旬调度", "2026年4月中旬", DISPATCH_TITLE)
    preview = page.locator("table", has=page.get_by_role("columnheader", name="领导指示（可选）"))
    assert preview.locator("tbody tr").count() == total
    for text in decided:
        assert preview.locator("tbody tr", has_text=text).count() == 1, text
    page.get_by_label("会议日期").fill(E2E_NOW.date().isoformat())
    page.get_by_label("地点").fill("市政府三楼常务会议室")
    page.get_by_label("主持人").fill("丁诚")
    page.get_by_label("调度情况").fill("逐项听取分管单位交办事项进展，对红灯事项明确整改时限。")
    page.get_by_label("副市长讲话要点").fill("黄灯事项要倒排工期，确保按期办结。")
    page.get_by_label(f"对“{instructed}”的指示").fill(INSTRUCTION)
    shot("vice-mayor-dispatch-meeting-form")
    click_and_wait(page, page.get_by_role("button", name="保存纪要"))
    assert flashes(page) == [f"已保存：{DISPATCH_TITLE}。"], page.locator(".alert").all_inner_texts()
    expect_heading(page, DISPATCH_TITLE)
    record_id = int(re.search(r"/meetings/records/(\d+)$", page.url).group(1))

    # The frozen list: the whole dispatch list as it was at the meeting, the two decided tasks on it.
    frozen = page.locator("section", has=page.locator("h2", has_text="会议时冻结"))
    assert f"（会议时冻结，截至 {E2E_NOW.date().isoformat()}，共 {total} 项）" in frozen.locator("h2").inner_text()
    for text in decided:
        assert frozen.locator("tbody tr", has_text=text).filter(has_text="已交办").count() == 1, text
    # The instruction, linked to its task.
    instructions = page.locator("#items-instruction")
    assert "领导指示（1）" in instructions.locator("h2").inner_text()
    row = instructions.locator("tbody tr")
    assert row.count() == 1 and INSTRUCTION in row.inner_text() and f"#{instructed_id} 已交办" in row.inner_text()
    shot("vice-mayor-dispatch-meeting-saved")

    with live_server.app_context():
        record = db.session.get(MeetingRecord, record_id)
        assert record.type is MeetingType.dispatch and record.held_on == E2E_NOW.date()
        assert record.expected.period_key == "2026-04-2" and record.expected.convener_person.name == "丁诚"
        assert record.snapshot["total"] == total
        frozen_ids = {row["task_id"] for unit in record.snapshot["units"] for row in unit["rows"]}
        assert set(decided.values()) <= frozen_ids
        items = db.session.scalars(sa.select(RecordItem).where(RecordItem.record_id == record_id,
                                                               RecordItem.kind == ItemKind.instruction)).all()
        assert [(i.task_id, i.text) for i in items] == [(instructed_id, INSTRUCTION)]



# --- the list for the mayor, the office and on a phone ----------------------------------------------------------

URGE_NOTE = "请于本旬内报送整改措施和完成时间（浏览器测试）"


def _heading(page):
    return page.locator("h1").first.inner_text().strip()


def test_mayor_switches_lists_office_issues_a_sheet_vice_mayor_urges_and_reads_cards_on_a_phone(
        page, sign_in, sign_out, shot, artifacts, live_server):
    # --- the mayor: no list of his own; the first vice mayor's, then another's through the switcher ----------
    sign_in("shizhang")
    click_nav(page, "旬调度清单")
    assert _heading(page) == "常务副市长吴志雄 2026年4月中旬调度清单"
    assert "胡贺波" not in _heading(page)
    summary = page.locator("#dispatch-summary").inner_text()
    assert re.match(r"\d+ 项：红灯 \d+ · 黄灯 \d+ · 绿灯 \d+ · 办结 \d+", summary), summary
    page.get_by_label("市领导").select_option(label="丁诚")
    click_and_wait(page, page.get_by_role("button", name="查看"))
    assert _heading(page) == "副市长丁诚 2026年4月中旬调度清单"
    rows = _dispatch_rows(page)
    assert rows, "丁诚's list is empty"
    rank = {"红灯": 0, "黄灯": 1, "绿灯": 2}
    for unit_block in page.locator("tbody.dispatch-unit").all():  # red first within each unit
        lights = [rank.get(text.strip(), 3) for text in unit_block.locator("td.col-light .badge").all_inner_texts()]
        assert lights == sorted(lights), lights
    shot("mayor-switched-to-dingcheng")
    sign_out()

    # --- the office: 编号签发 on 丁诚's list, then the 督办 sheet --------------------------------------------------
    sign_in("admin")
    click_nav(page, "旬调度清单")
    page.get_by_label("市领导").select_option(label="丁诚")
    click_and_wait(page, page.get_by_role("button", name="查看"))
    page.once("dialog", lambda dialog: dialog.accept())
    click_and_wait(page, page.get_by_role("button", name="编号签发"))
    assert "/tasks/dispatch/sheet" in page.url
    number = page.locator("#sheet-number").inner_text().strip()
    assert re.fullmatch(r"千百十办〔2026〕第 \d+ 期", number), number
    assert "湘潭市产业强市“千百十”工程工作领导小组办公室" in page.locator("header").inner_text()
    assert page.locator("#sheet-date").inner_text().strip() == "2026年4月14日"
    assert page.locator("#sheet-signatures").inner_text().split() == ["签发人：", "经办人：", "日期："]
    assert page.get_by_role("button", name="编号签发").count() == 0
    shot("office-dispatch-sheet")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    (artifacts / "dispatch-sheet.pdf").write_bytes(pdf)
    # A4 landscape as the sheet's @page asks (841.89 x 595.28 pt); the page-number footer is drawn in the
    # @page margin box (the CSS is asserted in tests/tasks/test_dispatch_views.py; no PDF text reader installed)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes and all(abs(float(w) - 841.89) < 1 and abs(float(h) - 595.28) < 1 for w, h in boxes), boxes
    click_and_wait(page, page.get_by_role("link", name="‹ 返回调度清单"))
    assert page.get_by_role("button", name=f"已签发：{number}").count() == 1
    sign_out()

    # --- the vice mayor: urges two tasks from the list at once, as 督办 ------------------------------------------
    sign_in("fushizhang2")
    click_nav(page, "旬调度清单")
    assert _heading(page) == "副市长丁诚 2026年4月中旬调度清单"
    assert page.get_by_label("市领导").count() == 0  # no switcher: his own list only
    open_rows = page.locator("tr.dispatch-row", has=page.locator("input[name=task]")).filter(
        has_not=page.locator(".badge", has_text="催办"))
    chosen = [open_rows.nth(i) for i in range(2)]
    titles = [row.locator("td.col-title a").first.inner_text().strip() for row in chosen]
    for row in chosen:
        row.locator("input[name=task]").check()
    assert page.locator("[data-urge-count]").inner_text() == "2"
    page.get_by_label("级别").select_option(label="督办")
    page.get_by_label("催办说明（必填）").fill(URGE_NOTE)
    shot("vice-mayor-urging-two")
    click_and_wait(page, page.get_by_role("button", name=re.compile("催办所选")))
    assert flashes(page) == ["已督办 2 项事项。"], page.locator(".alert").all_inner_texts()
    with live_server.app_context():
        urged = db.session.execute(sa.select(Task.title, Urge.level).join(Urge, Urge.task_id == Task.id)
                                   .where(Urge.note == URGE_NOTE)).all()
        assert sorted(urged) == sorted((title, 2) for title in titles)
    for title in titles:
        row = page.locator("tr.dispatch-row", has=page.get_by_role("link", name=title, exact=True))
        assert row.locator(".badge", has_text="催办").count() == 1

    # --- on a phone: cards, the light and the deadline first, nothing wider than the screen --------------------
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    check_accessibility(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("table.dispatch-table thead").is_hidden()
    card = page.locator("tr.dispatch-row").first
    light, due, title = (card.locator(sel).bounding_box() for sel in ("td.col-light", "td.col-due", "td.col-title"))
    assert light["y"] <= due["y"] < title["y"] and light["x"] < due["x"], (light, due, title)
    assert card.locator("td.col-due").inner_text().startswith("时限 ")
    assert card.bounding_box()["width"] <= 390
    shot("vice-mayor-dispatch-phone")
