"""Codes (English) with their Chinese labels: assessors, groups, grades, report targets, priorities, task
outcomes; the groups' kinds; the component profiles and the annex-2 units they are assigned to by name."""

from __future__ import annotations

import enum
from collections.abc import Mapping

from app.scoring.engine.base import ScoringError


class _Labelled(enum.StrEnum):
    @property
    def label(self) -> str:
        """The Chinese label shown to users."""
        return _LABELS[type(self), self.value]


class Assessor(_Labelled):
    """考评单位: the unit that scores one component (附件2 三)."""

    miit = "miit"
    ndrc = "ndrc"
    most = "most"
    commerce = "commerce"
    samr = "samr"
    finance = "finance"
    culture = "culture"
    office = "office"


class Group(_Labelled):
    """考评对象 groups (附件2 二); ``promotion`` and ``support`` together are the 46 市直 units."""

    county = "county"
    park1 = "park1"
    park2 = "park2"
    promotion = "promotion"
    support = "support"


class Grade(_Labelled):
    """等次 of the 市直 groups (附件2 五(一)2), best first."""

    excellent = "excellent"
    good = "good"
    qualified = "qualified"
    failed = "failed"


class ReportTarget(_Labelled):
    """Where a unit's annual result is also sent (附件2 五(一)3, second paragraph)."""

    superior_authority = "superior_authority"
    parent_company = "parent_company"


class Priority(_Labelled):
    """Priority of an assigned task (交办事项)."""

    normal = "normal"
    key = "key"


class TaskOutcome(_Labelled):
    on_time = "on_time"
    late = "late"
    not_done = "not_done"


_LABEL_TEXT: tuple[tuple[enum.StrEnum, str], ...] = (
    (Assessor.miit, "市工信局"),
    (Assessor.ndrc, "市发改委"),
    (Assessor.most, "市科技局"),
    (Assessor.commerce, "市商务局"),
    (Assessor.samr, "市市场监管局"),
    (Assessor.finance, "市经研金融办"),
    (Assessor.culture, "市文旅广体局"),
    (Assessor.office, "市产业强市“千百十”工程办"),
    (Group.county, "县市区组"),
    (Group.park1, "一类园区组"),
    (Group.park2, "二类园区组"),
    (Group.promotion, "产业推进组"),
    (Group.support, "服务保障组"),
    (Grade.excellent, "优秀"),
    (Grade.good, "良好"),
    (Grade.qualified, "合格"),
    (Grade.failed, "不合格"),
    (ReportTarget.superior_authority, "报上级主管部门"),
    (ReportTarget.parent_company, "报上级公司"),
    (Priority.normal, "一般"),
    (Priority.key, "重点"),
    (TaskOutcome.on_time, "按期办结"),
    (TaskOutcome.late, "逾期办结"),
    (TaskOutcome.not_done, "未办结"),
)
# Keyed by (class, value): two enums may one day share a value.
_LABELS: dict[tuple[type, str], str] = {(type(member), member.value): text for member, text in _LABEL_TEXT}



def assessor_label(code: str, short: bool = False) -> str:
    """The Chinese name of an assessor code (an unknown code as it is); `short` names the office 千百十办, as
    table headings do."""
    if short and code == Assessor.office:
        return "千百十办"
    try:
        return Assessor(code).label
    except ValueError:
        return code

#: Groups whose annual result is points out of 15 by rank (附件2 五(一)1), with the policy deduction (五(二)).
RANKED_GROUPS = (Group.county, Group.park1, Group.park2)
#: Groups whose annual result is a grade worth points out of 10 (附件2 五(一)2).
GRADED_GROUPS = (Group.promotion, Group.support)
#: The three grades that share the 3:6:1 quota, best first.
QUOTA_GRADES = (Grade.excellent, Grade.good, Grade.qualified)

# Component profiles: which row of the table in 附件2 四 a unit's quarterly score follows.
PROFILE_COUNTY_A = "county_a"
PROFILE_SHAOSHAN = "shaoshan"
PROFILE_YUETANG = "yuetang"
PROFILE_PARK_A = "park_a"
PROFILE_PARK_B = "park_b"
PROFILE_CITY = "city"

#: The county and park units' profiles by their annex-2 names; every 市直 unit has ``PROFILE_CITY``.
DEFAULT_PROFILE_BY_NAME: Mapping[str, str] = {
    "湘潭县人民政府": PROFILE_COUNTY_A,
    "湘乡市人民政府": PROFILE_COUNTY_A,
    "雨湖区人民政府": PROFILE_COUNTY_A,
    "韶山市人民政府": PROFILE_SHAOSHAN,
    "岳塘区人民政府": PROFILE_YUETANG,
    "湘潭高新区管委会": PROFILE_PARK_A,
    "湘潭经开区管委会": PROFILE_PARK_A,
    "湘潭天易经开区管委会": PROFILE_PARK_A,
    "湘乡经开区管委会": PROFILE_PARK_A,
    "韶山高新区管委会": PROFILE_PARK_A,
    "雨湖高新区管委会": PROFILE_PARK_A,
    "湘潭综保区管委会": PROFILE_PARK_B,
    "岳塘经开区管委会": PROFILE_PARK_B,
}

#: 附件2 四(四): (guiding unit 行业指导单位, company whose score is blended in at 15%).
DEFAULT_BLEND_NAMES: tuple[tuple[str, str], ...] = (
    ("市发改委", "国网湘潭供电公司"),
    ("市住房城乡建设局", "湘潭中环水务有限公司"),
    ("市城管执法局", "湘潭新奥燃气有限公司"),
)

#: 附件2 五(一)3: units whose annual result is reported upward.
DEFAULT_REPORT_NAMES: Mapping[str, ReportTarget] = {
    "市税务局": ReportTarget.superior_authority,
    "湘潭银保监分局": ReportTarget.superior_authority,
    "人民银行市中心支行": ReportTarget.superior_authority,
    "市通管办": ReportTarget.superior_authority,
    "国防光缆湘潭维护站": ReportTarget.superior_authority,
    "国网湘潭供电公司": ReportTarget.parent_company,
    "湘潭新奥燃气有限公司": ReportTarget.parent_company,
    "湘潭中环水务有限公司": ReportTarget.parent_company,
}


def default_profile(name: str, group: Group | str) -> str:
    """The component profile of a unit by its annex-2 name: a 市直 unit is ``city``; a 二类园区 is ``park_a``."""
    group = Group(group)
    if group in GRADED_GROUPS:
        return PROFILE_CITY
    if name in DEFAULT_PROFILE_BY_NAME:
        return DEFAULT_PROFILE_BY_NAME[name]
    if group is Group.park2:
        return PROFILE_PARK_A
    raise ScoringError(f"无法确定“{name}”适用的季度得分构成,请在考评规则中指定。")
