"""Which rule does what, for pages that explain a number: ``RULE_INDEX`` names the function implementing
each clause of annex 2."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleRef:
    clause: str
    summary: str
    function: str


RULE_INDEX: tuple[RuleRef, ...] = (
    RuleRef("附件2 四(一)–(四)", "季度得分为各考评单位得分之和,实行100分制", "quarter_total"),
    RuleRef("附件2 四(四)", "三家企业季度得分按15%折算到行业指导单位", "blend_finals"),
    RuleRef("附件2 四", "年度得分按季度加权(15/25/25/35;服务保障单位15/25/30/30)", "annual_score"),
    RuleRef("附件2 五(一)1", "县市区(园区)按名次得15分的100%/90%/80%/70%/60%", "rank_points"),
    RuleRef("附件2 五(二)", "政策兑现率低于90%扣3分", "policy_deduction"),
    RuleRef("附件2 五(一)2", "市直单位按3:6:1评定等次,得10分的100%/90%/80%/60%", "assign_grades"),
    RuleRef("附件2 五(一)3", "真抓实干督查奖励对象:县市区前二名,园区各前一名,市直各组前四名", "select_awards"),
    RuleRef("附件2 五(一)3", "考评结果报上级主管部门或上级公司", "assess_year"),
    RuleRef("附件2 五(一)3", "全省排名同类市州第一位时年度得分均调整为满分", "province_first_scores"),
    RuleRef("附件2 六(三)", "每季度各组评分最后一名作出说明", "last_placed"),
    RuleRef("附件2 三(一)8、三(二)1", "千百十办考评交办事项落实情况", "office_component"),
)
