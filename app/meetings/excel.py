"""A meeting record as an .xlsx officials can open and print: a title row, the meta lines, the minutes, then the
items (decisions with their tasks, instructions, carried-over tasks, visits, explanations, escalated items), the
attachments and amendments; for a 旬调度 the frozen dispatch list on a second sheet, for a 季考核 the quarter's
ranks. Every string goes through core.excel.write_cell, so text that looks like a formula stays text; the file is
written with XlsxWriter (imported only when a record is exported: see app.core.excel)."""

from app.core.excel import (
    BORDER,
    FONT_NAME,
    HEADER_FILL,
    TITLE_FONT_NAME,
    WRAP_CENTER,
    WRAP_TOP,
    Alignment,
    Font,
    fit_row_height,
    merge_cells,
    new_workbook,
    page_setup,
    save_workbook,
    write_cell,
)
from app.core.templating import localtime
from app.meetings.labels import period_label, record_title
from app.meetings.models import ITEM_KIND_ORDER, ItemKind, MeetingType
from app.meetings.queries import escalations_of

ITEM_COLUMNS = (("序号", 6), ("类别", 12), ("内容", 60), ("单位", 18), ("时限", 12), ("关联事项", 12),
                ("备注", 24))
BODY = Font(name=FONT_NAME, size=10.5)
BOLD = Font(name=FONT_NAME, size=10.5, bold=True)
HEAD = Font(name=TITLE_FONT_NAME, size=11, bold=True)
TITLE = Font(name=TITLE_FONT_NAME, size=16, bold=True)
DATE_LEFT = Alignment(horizontal="left", vertical="top")


def record_filename(record) -> str:
    return f"{record_title(record.expected)}.xlsx".replace(" ", "_").replace("/", "_")


def _setup(ws, columns, landscape=False):
    ws.set_widths([width for _, width in columns])
    page_setup(ws, landscape=landscape)


def _title(ws, row, text, ncols):
    merge_cells(ws, row, 1, ncols, text, font=TITLE,
                alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
    ws.set_height(row, 34)


def _line(ws, row, label, value, ncols):
    """A meta line: the label in the first two columns, the value merged over the rest (a date as a date)."""
    merge_cells(ws, row, 1, 2, label, font=BOLD, alignment=WRAP_TOP, border=BORDER, fill=HEADER_FILL)
    is_date = not isinstance(value, str) and value is not None
    merge_cells(ws, row, 3, ncols, value, font=BODY, alignment=DATE_LEFT if is_date else WRAP_TOP, border=BORDER,
                number_format="yyyy-mm-dd" if is_date else None)
    width = sum(w for _, w in ITEM_COLUMNS[2:])
    fit_row_height(ws, row, [(value if isinstance(value, str) else "", width)])


def _item_note(item, escalations):
    notes = []
    if item.kind is ItemKind.explanation:
        notes.append("已说明" if item.submitted_by_id else "待该单位说明")
    if item.escalated_from_id:
        notes.append("由下级会议上报")
    escalation = escalations.get(item.id)
    if escalation is not None:
        target = escalation.target
        notes.append(f"已上报{target.type.label}（{period_label(target)}）：{escalation.reason}")
    if item.task is not None:
        notes.append(f"事项状态：{item.task.state.label}")
    return "\n".join(notes)


def _chain_section_lines(ws, row, sections, ncols):
    """A 链长's 半年述职: a heading, then one line per chain (name and tier; the section, who wrote it when, or
    尚未填写). Returns the last row written."""
    row += 1
    merge_cells(ws, row, 1, ncols, f"分链述职（{len(sections)} 条产业链）", font=HEAD, border=BORDER, fill=HEADER_FILL)
    for section in sections:
        row += 1
        report = section.report
        if report is None:
            text = "尚未填写（由该产业链的报送单位在产业链页面填写）"
        else:
            writer = section.writer.display_name if section.writer else "—"
            other = f"（前任链长 {section.other_leader.name} 的述职）" if section.other_leader else ""
            text = f"{report.text}\n（{writer}，{localtime(report.updated_at)} 填写）{other}"
        _line(ws, row, f"{section.chain.name}（{section.chain.tier_label}）", text, ncols)
    return row


def record_workbook(record, escalations=None, sections=()) -> bytes:
    """The record as .xlsx bytes; `escalations` ({item id: Escalation}) is loaded when not given; `sections`: a
    链长's per-chain 述职 sections (views.records.chain_sections), after the meta lines."""
    if escalations is None:
        escalations = escalations_of([i.id for i in record.items])
    expected = record.expected
    wb = new_workbook(record_title(expected))
    ws = wb.create_sheet("纪要")
    ncols = len(ITEM_COLUMNS)
    _setup(ws, ITEM_COLUMNS)
    _title(ws, 1, record_title(expected), ncols)

    status = record.status.label
    if record.is_signed:
        who = record.signed_by.display_name if record.signed_by else ""
        status += f"（{who}，{record.signed_at.date().isoformat() if record.signed_at else ''}）"
    lines = [
        ("会议类型", expected.type.label), ("周期", f"{period_label(expected)}（{expected.period_start.isoformat()} 至 "
                                            f"{expected.period_end.isoformat()}）"),
        ("召集" if expected.type is not MeetingType.semiannual else "述职人", expected.convener_label),
        ("会议日期" if expected.type is not MeetingType.semiannual else "提交日期", record.held_on),
        ("地点", record.place), ("主持人", record.chair),
        ("参会单位", "、".join(u.name for u in record.units)), ("参会人员", record.attendees),
        ("议题", record.topics),
        ("纪要" if expected.type is not MeetingType.semiannual else "述职报告", record.minutes),
        ("领导讲评", record.comments), ("状态", status),
    ]
    row = 2
    for label, value in lines:
        if value in ("", None) and label not in ("会议日期", "提交日期", "状态"):
            continue
        row += 1
        _line(ws, row, label, value, ncols)
    if sections:
        row = _chain_section_lines(ws, row, sections, ncols)

    row += 2
    for index, (label, _) in enumerate(ITEM_COLUMNS, start=1):
        write_cell(ws, row, index, label, font=HEAD, alignment=WRAP_CENTER, border=BORDER, fill=HEADER_FILL)
    number = 0
    order = {kind: i for i, kind in enumerate(ITEM_KIND_ORDER)}
    for item in sorted(record.items, key=lambda i: (order.get(i.kind, 99), i.sort_order, i.id)):
        row += 1
        number += 1
        values = (number, item.kind.label, item.text or ("（待填写）" if item.kind is ItemKind.explanation else ""),
                  item.unit.name if item.unit else "", item.due_on, f"#{item.task_id}" if item.task_id else "",
                  _item_note(item, escalations))
        for column, value in enumerate(values, start=1):
            write_cell(ws, row, column, value, font=BODY, border=BORDER,
                       alignment=WRAP_CENTER if column in (1, 5, 6) else WRAP_TOP,
                       number_format="yyyy-mm-dd" if column == 5 else None)
        fit_row_height(ws, row, [(v if isinstance(v, str) else "", w) for v, (_, w) in zip(values, ITEM_COLUMNS,
                                                                                           strict=True)])
    if number == 0:
        row += 1
        merge_cells(ws, row, 1, ncols, "（无会议决定及其他事项）", font=BODY, border=BORDER)

    if record.attachments:
        row += 2
        _line(ws, row, "附件", "\n".join(f"{a.filename}（{max(1, a.size // 1024)} KB）" for a in record.attachments),
              ncols)
    for amendment in record.amendments:
        row += 1
        who = amendment.user.display_name if amendment.user else ""
        _line(ws, row, "修改记录", f"{amendment.created_at.date().isoformat()} {who}：{amendment.changed}。"
                                 f"理由：{amendment.reason}", ncols)
    ws.repeat_rows(1, 1)
    ws.print_area(row, ncols)

    if record.type is MeetingType.dispatch and record.snapshot:
        _dispatch_sheet(wb.create_sheet("调度清单（会议时）"), record.snapshot)
    if record.type is MeetingType.quarterly and record.snapshot:
        _quarter_sheet(wb.create_sheet("季度考评结果"), record.snapshot)
    if record.type is MeetingType.consultation and record.snapshot:
        _completion_sheet(wb.create_sheet("指标完成情况"), record.snapshot)
    return save_workbook(wb)


DISPATCH_COLUMNS = (("序号", 6), ("事项", 30), ("牵头单位", 16), ("配合单位", 18), ("时限", 12), ("最新进展", 50),
                    ("状态", 14))


def _progress(row):
    lead = row.get("lead_progress")
    lines = [f"{lead['text']}（{lead['reported_on']}，进度{lead['percent']}%）" if lead else "（牵头单位暂无反馈）"]
    for unit in row.get("co_units", ()):
        progress = unit.get("progress")
        lines.append(f"{unit['name']}：{progress['text']}（{progress['reported_on']}）" if progress
                     else f"{unit['name']}：暂无反馈")
    return "\n".join(lines)


def _dispatch_sheet(ws, snap):
    ncols = len(DISPATCH_COLUMNS)
    _setup(ws, DISPATCH_COLUMNS, landscape=True)
    _title(ws, 1, snap.get("title", "调度清单"), ncols)
    merge_cells(ws, 2, 1, ncols, f"截至 {snap.get('as_of', '')}（会议时冻结，此后不随事项变化）", font=BODY,
                alignment=Alignment(horizontal="right"))
    for index, (label, _) in enumerate(DISPATCH_COLUMNS, start=1):
        write_cell(ws, 3, index, label, font=HEAD, alignment=WRAP_CENTER, border=BORDER, fill=HEADER_FILL)
    row, number = 3, 0
    for unit in snap.get("units", ()):
        if not unit.get("rows"):
            continue
        row += 1
        merge_cells(ws, row, 1, ncols, f"{unit['name']}（{len(unit['rows'])}项）", font=BOLD, border=BORDER)
        for task in unit["rows"]:
            row += 1
            number += 1
            status = task["light_label"] + (f"\n逾期{task['days_overdue']}个工作日" if task.get("days_overdue") else "")
            values = (number, task["title"], task["lead_unit"]["name"],
                      "、".join(u["name"] for u in task.get("co_units", ())), task["due_on"], _progress(task), status)
            for column, value in enumerate(values, start=1):
                write_cell(ws, row, column, value, font=BODY, border=BORDER,
                           alignment=WRAP_CENTER if column in (1, 5, 7) else WRAP_TOP)
            fit_row_height(ws, row, [(v if isinstance(v, str) else "", w)
                                     for v, (_, w) in zip(values, DISPATCH_COLUMNS, strict=True)])
    if number == 0:
        row += 1
        write_cell(ws, row, 1, "本旬无调度事项。", font=BODY)
    ws.repeat_rows(1, 3)


QUARTER_COLUMNS = (("组别", 18), ("名次", 8), ("单位", 30), ("得分", 12), ("最终得分", 12), ("备注", 20))


def _quarter_sheet(ws, snap):
    ncols = len(QUARTER_COLUMNS)
    _setup(ws, QUARTER_COLUMNS)
    _title(ws, 1, f"{snap['year']}年第{snap['quarter']}季度考评结果（评价日 {snap['evaluated_on']}）", ncols)
    for index, (label, _) in enumerate(QUARTER_COLUMNS, start=1):
        write_cell(ws, 2, index, label, font=HEAD, alignment=WRAP_CENTER, border=BORDER, fill=HEADER_FILL)
    last = {uid for lp in snap.get("last_placed", ()) for uid in lp["unit_ids"]}
    row = 2
    for group in snap.get("groups", ()):
        for unit in group["units"]:
            row += 1
            note = "末位，须作说明" if unit["unit_id"] in last else ("得分未录入完整" if not unit["complete"] else "")
            values = (group["label"], unit["rank"], unit["name"], unit["total"], unit["final"], note)
            for column, value in enumerate(values, start=1):
                write_cell(ws, row, column, value, font=BODY, border=BORDER, alignment=WRAP_TOP)
    ws.repeat_rows(1, 2)


COMPLETION_COLUMNS = (("考评单位", 18), ("指标", 36), ("考评单位数", 10), ("未达目标的单位", 20), ("完成情况", 12),
                      ("差距", 12))


def _completion_sheet(ws, snap):
    """The 考评会商's indicator completion as frozen at sign-off."""
    ncols = len(COMPLETION_COLUMNS)
    _setup(ws, COMPLETION_COLUMNS, landscape=True)
    _title(ws, 1, f"{snap['label']}考评指标完成情况（签发时固定，截至 {snap['as_of']}）", ncols)
    for index, (label, _) in enumerate(COMPLETION_COLUMNS, start=1):
        write_cell(ws, 2, index, label, font=HEAD, alignment=WRAP_CENTER, border=BORDER, fill=HEADER_FILL)
    row = 2
    for assessor in snap.get("assessors", ()):
        for indicator in assessor["indicators"]:
            name = f"{indicator['code']} {indicator['name']}".strip()
            for short in indicator["short"] or [None]:
                row += 1
                values = (assessor["label"], name, indicator["units"],
                          short["unit"] if short else "均已达到目标",
                          short["completion"] if short else None, short["shortfall"] if short else None)
                for column, value in enumerate(values, start=1):
                    write_cell(ws, row, column, value, font=BODY, border=BORDER, alignment=WRAP_TOP)
    if row == 2:
        merge_cells(ws, 3, 1, ncols, "暂无考评指标完成情况。", font=BODY, border=BORDER)
    ws.repeat_rows(1, 2)
