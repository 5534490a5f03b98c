"""Permission matrix lines of the ledger part: links (same columns as tests/permission_matrix.py ROUTES:
anon A B asr vm+ vm- myr adm obs; A = 市工信局 gxj, B = 湘潭县 xtx, asr = 市发改委 fgw).

{task} is unit A's task (tests/permission_matrix.py): the office, the leaders (who assign) and unit A (its lead unit)
tag it; the observer reads it but may not (403); B and asr do not see it (404). {links_task_tag} is a tag of it.
{item} is the decision of unit A's 周会商 record: unit A (its writer) and the office tag it; everyone else reads the
record but may not (403). {links_item_tag} is a tag of it."""
# ruff: noqa: E501  (one line per route keeps the table readable)

import sqlalchemy as sa

from app.extensions import db
from app.ledger.models import SubjectLink
from app.org.models import Chain


def _tag(**owner):
    chain_id = db.session.scalar(sa.select(Chain.id).order_by(Chain.sort_order).limit(1))
    link = SubjectLink(chain_id=chain_id, **owner)
    db.session.add(link)
    db.session.flush()
    return link.id


ROUTES = [
    #anon A   B   asr vm+ vm- myr adm obs
    ("L   +   404 404 +   +   +   +   X  ", "ledger.tag_task", "POST", "/ledger/links/tasks/{task}"),
    ("L   +   404 404 +   +   +   +   X  ", "ledger.untag_task", "POST", "/ledger/links/tasks/{task}/{links_task_tag}/delete"),
    ("L   +   X   X   X   X   X   +   X  ", "meetings.tag_item", "POST", "/meetings/items/{item}/tags"),
    ("L   +   X   X   X   X   X   +   X  ", "meetings.untag_item", "POST", "/meetings/items/{item}/tags/{links_item_tag}/delete"),
]

SAMPLES = {
    "links_task_tag": lambda get: _tag(task_id=get("task")),
    "links_item_tag": lambda get: _tag(record_item_id=get("item")),
}
