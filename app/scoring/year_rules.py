"""A year's rules as stored data: the engine's `RuleSet` with the app's unit data (which profile each unit
follows, which unit assesses each component), loaded from the year's current version (or, before the office
starts the year, from the previous year's or the annex-2 defaults), validated, and saved as a new version.
"""

from dataclasses import dataclass, field
from decimal import InvalidOperation

import sqlalchemy as sa

from app.core.audit import record_change
from app.core.errors import PermissionDenied, ServiceError
from app.extensions import db
from app.org.models import Unit
from app.scoring import engine
from app.scoring.models import QuarterStatus, RuleSetVersion, ScoringQuarter

# The assessing units of annex 2 三, by component code.
ASSESSOR_UNIT_NAMES = {
    "miit": "市工信局", "ndrc": "市发改委", "most": "市科技局", "commerce": "市商务局", "samr": "市市场监管局",
    "finance": "市经研金融办", "culture": "市文旅广体局", "office": "市产业强市“千百十”工程办",
}
TASK_ITEM = "tasks"  # the office sub-item computed from assigned tasks, when the office component has sub-items


@dataclass
class YearRules:
    """A year's rules as the services use them: the engine's RuleSet plus the app's unit data."""

    year: int
    version: RuleSetVersion | None
    rules: engine.RuleSet
    unit_profiles: dict  # unit id -> profile code
    assessor_units: dict  # assessor code -> unit id
    sub_item_assessors: dict = field(default_factory=dict)  # "assessor.sub_item" -> unit id (e.g. 行政审批局)

    @property
    def saved(self):
        return self.version is not None

    def engine_units(self, units):
        return [engine.Unit(u.id, u.name, u.group.value, self.unit_profiles[u.id]) for u in units
                if u.id in self.unit_profiles]

    def profile_of(self, unit_id):
        return self.rules.profiles[self.unit_profiles[unit_id]]

    def entry_cells(self, unit_id):
        """[(assessor, sub_item or '', maximum, computed)] of a unit's quarter, in table order."""
        cells = []
        for comp in self.profile_of(unit_id).components:
            if comp.sub_items:
                for sub in comp.sub_items:
                    computed = comp.assessor == "office" and sub.code == TASK_ITEM
                    cells.append((str(comp.assessor), sub.code, sub.maximum, computed))
            else:
                cells.append((str(comp.assessor), "", comp.maximum, comp.assessor == "office"))
        return cells

    def enterer_of(self, assessor, sub_item):
        """The unit that enters a cell: a sub-item's own assessor unit, else the component's."""
        if sub_item and f"{assessor}.{sub_item}" in self.sub_item_assessors:
            return self.sub_item_assessors[f"{assessor}.{sub_item}"]
        return self.assessor_units.get(assessor)

    def to_data(self):
        return {
            "rules": engine.rules_to_dict(self.rules),
            "unit_profiles": {str(k): v for k, v in self.unit_profiles.items()},
            "assessor_units": dict(self.assessor_units),
            "sub_item_assessors": dict(self.sub_item_assessors),
        }


def assessed_units():
    return db.session.scalars(sa.select(Unit).where(Unit.group.isnot(None)).order_by(Unit.sort_order)).all()


def default_rule_data(units=None):
    """The annex-2 defaults for the seeded units: component table by unit, blends, report flags."""
    units = units if units is not None else assessed_units()
    engine_units = [engine.Unit(u.id, u.name, u.group.value, engine.default_profile(u.name, u.group.value))
                    for u in units]
    rules = engine.default_rules(engine_units)
    names = {u.name: u.id for u in db.session.scalars(sa.select(Unit))}
    return {
        "rules": engine.rules_to_dict(rules),
        "unit_profiles": {str(u.id): u.profile for u in engine_units},
        "assessor_units": {code: names[name] for code, name in ASSESSOR_UNIT_NAMES.items() if name in names},
        "sub_item_assessors": {},
    }


def _from_data(year, version, data):
    return YearRules(
        year=year, version=version, rules=engine.rules_from_dict(data["rules"]),
        unit_profiles={int(k): v for k, v in data["unit_profiles"].items()},
        assessor_units=dict(data.get("assessor_units", {})),
        sub_item_assessors=dict(data.get("sub_item_assessors", {})),
    )


def current_version(year):
    return db.session.scalar(sa.select(RuleSetVersion).where(RuleSetVersion.year == year)
                             .order_by(RuleSetVersion.version.desc()).limit(1))


def previous_version(year):
    """The latest version of the latest earlier year's rules, which a new year starts from; None if none."""
    return db.session.scalar(sa.select(RuleSetVersion).where(RuleSetVersion.year < year)
                             .order_by(RuleSetVersion.year.desc(), RuleSetVersion.version.desc()).limit(1))


def load_year_rules(year) -> YearRules:
    """The year's current rules; if none are saved yet, those a new year would start with (the previous
    year's, else the annex-2 defaults) — shown, but not saved until the office creates the year."""
    version = current_version(year)
    if version is not None:
        return _from_data(year, version, version.data)
    previous = previous_version(year)
    return _from_data(year, None, previous.data if previous else default_rule_data())


def validate_rule_data(data, units=None):
    """Chinese messages for everything wrong with a rule set's data; [] when it can be saved."""
    try:
        candidate = _from_data(0, None, data)
    except (KeyError, ValueError, TypeError, AttributeError, InvalidOperation, engine.ScoringError) as error:
        return [f"考评规则格式不正确：{error}"]
    units = units if units is not None else assessed_units()
    errors = engine.validate_rules(candidate.rules, candidate.engine_units(units))
    missing = [u.name for u in units if u.id not in candidate.unit_profiles]
    if missing:
        errors.append(f"以下单位没有指定季度得分构成：{'、'.join(missing[:5])}。")
    for key, unit_id in {**candidate.assessor_units, **candidate.sub_item_assessors}.items():
        if db.session.get(Unit, unit_id) is None:
            errors.append(f"考评单位“{key}”指向不存在的单位。")
    return errors


def save_rules(actor, year, data, note=None, finalized_keep_their_rules=False):
    """Save a new version of the year's rules; refuses a set that does not add up (nothing written). Once a
    quarter of the year is finalized the rules change only by reopening it — except a published 考评细则 revision
    (`finalized_keep_their_rules`): it changes one assessor's sub-items, and a finalized quarter keeps the rules
    version of its frozen snapshot; the revision applies to the quarters not yet finalized."""
    if not actor.is_admin:
        raise PermissionDenied("只有千百十办可以修改考评规则。")
    if not 2000 <= int(year) <= 2100:
        raise ServiceError("年份应在 2000 到 2100 之间。", field="year")
    errors = validate_rule_data(data)
    if errors:
        raise ServiceError("考评规则未保存：" + "；".join(errors), field="rules")
    if _finalized_quarters(year) and not finalized_keep_their_rules:
        raise ServiceError(f"{year} 年已有审定的季度，修改规则前请先按程序重新打开相关季度。", code="finalized",
                           status=409)
    previous = current_version(year)
    version = RuleSetVersion(year=year, version=(previous.version + 1) if previous else 1, data=data,
                             note=note or None, created_by_id=actor.id)
    db.session.add(version)
    db.session.flush()
    record_change(actor, "rules.save", version, None, {"year": year, "version": version.version, "note": note})
    return version


def ensure_year_rules(actor, year):
    """Start a year: copy the previous year's current rules (or the defaults) as version 1."""
    if current_version(year) is not None:
        return current_version(year)
    return save_rules(actor, year, load_year_rules(year).to_data(), note="由上一年度规则复制" if
                      db.session.scalar(sa.select(RuleSetVersion.id).where(RuleSetVersion.year < year).limit(1))
                      else "按考核评价办法（附件2）默认规则建立")


def _finalized_quarters(year):
    return db.session.scalars(sa.select(ScoringQuarter.quarter).where(
        ScoringQuarter.year == year, ScoringQuarter.status == QuarterStatus.finalized)).all()
