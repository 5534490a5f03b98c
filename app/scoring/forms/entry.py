"""Forms of the entry grid and its Excel upload. The grid's inputs are named after their cells (`cell_name`),
so a value can never land in another cell; `entry_items` reads them back as `EntryItem`s for the services."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SubmitField

from app.core.forms import ValidationError
from app.scoring.entries import EntryItem

SCORE_PREFIX, NOTE_PREFIX = "score:", "note:"


def cell_name(prefix, unit_id, assessor, sub_item):
    """The input name of a grid cell: its key (as `GridCell.key`), so a value can never land in another cell."""
    return f"{prefix}{unit_id}:{assessor}:{sub_item}"


class EntryGridForm(FlaskForm):
    """The grid's inputs are named by `cell_name` and read by `entry_items`; the form carries the CSRF token."""

    submit = SubmitField("保存得分")


def entry_items(formdata):
    """EntryItems from a submitted grid, blank values skipped, and Chinese messages for unreadable names."""
    items, errors = [], []
    for name in formdata:
        if not name.startswith(SCORE_PREFIX):
            continue
        value = (formdata.get(name) or "").strip()
        if not value:
            continue
        try:
            unit_id, assessor, sub_item = name[len(SCORE_PREFIX):].split(":", 2)
            unit_id = int(unit_id)
        except ValueError:
            errors.append("提交的得分表格无法识别，请刷新页面后重新填写。")
            continue
        note = formdata.get(cell_name(NOTE_PREFIX, unit_id, assessor, sub_item))
        items.append(EntryItem(unit_id, assessor, sub_item, value, note))
    return items, errors


class EntryUploadForm(FlaskForm):
    file = FileField("填好的录入表（.xlsx）")
    upload = SubmitField("上传并保存")

    def validate_file(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError("请选择要上传的 .xlsx 录入表。")
