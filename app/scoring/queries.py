"""The scoring pages' and API's read queries with their eager loading."""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.scoring.models import ScoreEntry
from app.tasks.models import Task


def quarter_entries(year, quarter):
    """{(unit id, assessor, sub-item): entry} of the quarter, each with who entered it."""
    return {(e.unit_id, e.assessor, e.sub_item): e for e in db.session.scalars(
        sa.select(ScoreEntry).where(ScoreEntry.year == year, ScoreEntry.quarter == quarter)
        .options(selectinload(ScoreEntry.entered_by)))}


def tasks_by_id(ids):
    """{id: task} of the tasks an office-score explanation lists (none queried for no ids)."""
    return {t.id: t for t in db.session.scalars(sa.select(Task).where(Task.id.in_(ids)))} if ids else {}
