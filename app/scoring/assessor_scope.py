"""附件2 六(二): “各考评责任单位,要加强对县市区(园区)推进‘千百十’工程的督促指导,及时掌握各地、各部门工作开展
情况。” The staff of an assessing unit read (read only) the tasks and ledger rows of the units it assesses this
year: registered as a read scope (app.core.scopes) by ``app.scoring.register``, since the tasks and the ledger sit
below the assessment and may not import it.

A unit assesses another when, in the current year's rules (``load_year_rules(today().year)``), the other unit's
profile has a component whose assessor unit it is (``assessor_units``), or a sub-item it co-assesses
(``sub_item_assessors``, e.g. 市行政审批局 for 产业项目审批服务). The office, the leaders and the observers read
everything already and are not asked. A constant number of statements (those of loading the year's rules).
"""

from app.core.clock import today
from app.scoring.year_rules import load_year_rules


def assessed_unit_ids(user) -> set[int]:
    """The units ``user``'s unit assesses this year (a component or a sub-item); empty for others."""
    if user.reads_all or getattr(user, "unit_id", None) is None:
        return set()
    rules = load_year_rules(today().year)
    assessors = {code for code, unit_id in rules.assessor_units.items() if unit_id == user.unit_id}
    sub_items = {key for key, unit_id in rules.sub_item_assessors.items() if unit_id == user.unit_id}
    if not assessors and not sub_items:
        return set()
    assessing_profiles = {
        code for code, profile in rules.rules.profiles.items()
        if any(str(comp.assessor) in assessors
               or any(f"{comp.assessor}.{sub.code}" in sub_items for sub in comp.sub_items)
               for comp in profile.components)}
    return {unit_id for unit_id, profile in rules.unit_profiles.items()
            if profile in assessing_profiles and unit_id != user.unit_id}
