"""Writing the audit log. Services call `record_change` after they mutate a row; nothing commits here."""

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import inspect as sa_inspect

from app.core.models import AuditEntry
from app.extensions import db


def _plain(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def snapshot(obj, fields):
    """The audited fields of a record as plain JSON values."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def diff(before: dict, after: dict):
    """Only the fields that changed, as (before, after) dicts."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _identity(obj):
    ident = getattr(obj, "id", None)
    if ident is None:
        ident = "/".join(str(v) for v in (sa_inspect(obj).identity or ()))
    return str(ident)


def record_change(actor, action, obj, before=None, after=None, reason=None, object_type=None):
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type or obj.__tablename__,
        object_id=_identity(obj),
        before=before,
        after=after,
        reason=reason,
    )
    db.session.add(entry)
    return entry


def record_update(actor, action, obj, before_snapshot, fields, reason=None):
    """Audit an update given the snapshot taken before it; writes nothing when nothing changed."""
    before, after = diff(before_snapshot, snapshot(obj, fields))
    if not after:
        return None
    return record_change(actor, action, obj, before, after, reason)
