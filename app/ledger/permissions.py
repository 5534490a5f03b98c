"""Who may keep and read what in the ledger (issue #14 part 8).

- A county's or park's staff keep their own enterprises and projects and report their figures.
- A lead unit keeps the registries its plan owns: 市工信局 the 小升规培育库, 退规风险库, 100亿级培育名录 and
  专精特新; 市科技局 the 高新技术企业; 市经研金融办 the listing pipeline; 市商务局 the 招商引资 fields of projects.
- A chain's scale is reported by the unit that runs the chain (Chain.leader_unit).
- An entered indicator is reported by its responsible unit (Target.responsible_unit); the office may too.
- The office, the leaders and the observers read everything; so do the units that keep a registry, lead a plan
  or publish statistics (市统计局): they work across the city. Any other unit reads its own enterprises and
  projects only; a row it may not read answers 404, like an absent id.
The office (an admin) may keep everything.
"""

import sqlalchemy as sa
from flask import g

from app.core.scopes import extra_read_unit_ids
from app.extensions import db
from app.ledger.models import Registry
from app.org.models import Unit, plan_lead_units

REGISTRY_KEEPERS = {
    Registry.cultivation: "市工信局",
    Registry.exit_risk: "市工信局",
    Registry.hundred_billion: "市工信局",
    Registry.specialized: "市工信局",
    Registry.high_tech: "市科技局",
}
LISTING_KEEPER = "市经研金融办"
ATTRACTION_KEEPER = "市商务局"
STATISTICS_UNIT = "市统计局"


def _unit_short_name(user):
    if not getattr(user, "unit_id", None):
        return None
    cache = g.setdefault("_ledger_unit_names", {})
    if user.unit_id not in cache:
        cache[user.unit_id] = db.session.scalar(sa.select(Unit.short_name).where(Unit.id == user.unit_id))
    return cache[user.unit_id]


def _city_wide_unit_ids():
    """Units whose staff read the whole ledger: plan lead units, registry keepers, 市统计局 (one query a request)."""
    if "_ledger_city_wide" not in g:
        names = set(REGISTRY_KEEPERS.values()) | {LISTING_KEEPER, ATTRACTION_KEEPER, STATISTICS_UNIT}
        g._ledger_city_wide = set(db.session.scalars(
            sa.select(Unit.id).where(sa.or_(Unit.short_name.in_(names),
                                            Unit.id.in_(sa.select(plan_lead_units.c.unit_id))))))
    return g._ledger_city_wide


def reads_whole_ledger(user) -> bool:
    if not user.is_authenticated:
        return False
    return user.reads_all or (user.unit_id is not None and user.unit_id in _city_wide_unit_ids())


def visible_unit_ids(user):
    """None when the user reads the whole ledger; else the set of units whose rows the user may read: its own and,
    read-only, those a registered read scope gives (app.core.scopes: an assessor reads the rows of the units it
    assesses, 附件2 六(二) “及时掌握各地、各部门工作开展情况”). Keeping rows stays with can_keep."""
    if reads_whole_ledger(user):
        return None
    own = {user.unit_id} if user.unit_id else set()
    return own | extra_read_unit_ids(user)


def can_read_unit_rows(user, unit_id) -> bool:
    visible = visible_unit_ids(user)
    return visible is None or unit_id in visible


def can_keep(user, unit_id) -> bool:
    """May the user create or change an enterprise or project of `unit_id` and report its figures?"""
    return user.is_authenticated and (user.is_admin or (user.works_in_unit and user.unit_id == unit_id))


def can_keep_registry(user, registry: Registry) -> bool:
    return user.is_authenticated and (user.is_admin or _unit_short_name(user) == REGISTRY_KEEPERS[registry])


def can_keep_listing(user) -> bool:
    return user.is_authenticated and (user.is_admin or _unit_short_name(user) == LISTING_KEEPER)


def can_keep_attraction(user) -> bool:
    """May the user set the 招商引资 fields (source, 签约 date, 三类500强) of any project?"""
    return user.is_authenticated and (user.is_admin or _unit_short_name(user) == ATTRACTION_KEEPER)


def can_report_chain(user, chain) -> bool:
    return user.is_authenticated and (user.is_admin or (user.works_in_unit and chain.leader_unit_id is not None
                                                         and user.unit_id == chain.leader_unit_id))


def can_report_indicator(user, target) -> bool:
    return user.is_authenticated and (user.is_admin or (user.works_in_unit and target.responsible_unit_id
                                                         is not None and user.unit_id == target.responsible_unit_id))
