"""Forms of the quarterly indicator grid and of an indicator's entered actuals. The inputs are named after their
cells (`points:<unit id>:<code>`, `reason:...`; `actual:<unit id>`, `source:<unit id>`), so a value can never
land in another cell; the readers below turn them into the services' items and skip what they cannot read."""

from flask_wtf import FlaskForm
from wtforms import SubmitField

from app.scoring.criteria_scoring import ActualItem, ScoreItem

POINTS_PREFIX, REASON_PREFIX = "points:", "reason:"
ACTUAL_PREFIX, SOURCE_PREFIX = "actual:", "source:"
UNREADABLE = "提交的表格无法识别，请刷新页面后重新填写。"


class CriteriaGridForm(FlaskForm):
    """The grid's inputs are named by cell and read by `score_items`; the form carries the CSRF token."""

    submit = SubmitField("确认")


class ActualsForm(FlaskForm):
    """An indicator's actuals per unit, read by `actual_items`."""

    submit = SubmitField("保存实际值")


def score_items(formdata):
    """ScoreItems of a submitted grid (blank points included: the service skips them) and Chinese messages for
    names it cannot read."""
    items, errors = [], []
    for name in formdata:
        if not name.startswith(POINTS_PREFIX):
            continue
        try:
            unit_id, code = name[len(POINTS_PREFIX):].split(":", 1)
            unit_id = int(unit_id)
        except ValueError:
            errors.append(UNREADABLE)
            continue
        items.append(ScoreItem(unit_id, code, formdata.get(name) or "",
                               formdata.get(f"{REASON_PREFIX}{unit_id}:{code}")))
    return items, errors[:1]


def actual_items(formdata):
    """ActualItems of a submitted indicator form, and Chinese messages for names it cannot read."""
    items, errors = [], []
    for name in formdata:
        if not name.startswith(ACTUAL_PREFIX):
            continue
        try:
            unit_id = int(name[len(ACTUAL_PREFIX):])
        except ValueError:
            errors.append(UNREADABLE)
            continue
        items.append(ActualItem(unit_id, formdata.get(name) or "", formdata.get(f"{SOURCE_PREFIX}{unit_id}")))
    return items, errors[:1]
