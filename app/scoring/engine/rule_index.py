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
    RuleRef("附件2 六(一)", "考评细则各指标分值之和等于该项考评满分,指标代码不重复", "check_indicators"),
    RuleRef("附件2 六(一)", "计分方法的参数(满分完成率、分档门槛、名次比例、每项得分)须在有效范围内", "check_params"),
    RuleRef("附件2 六(一)", "按完成率、分档、排名计分的指标须明确每个考评对象的年度目标", "missing_targets"),
    RuleRef("附件2 六(一)", "季度进度逐季不减,第四季度为全年目标的100%", "check_quarter_shares"),
    RuleRef("附件2 六(一)", "季度目标=年度目标×季度进度", "quarter_target"),
    RuleRef("附件2 六(二)", "完成率=实际完成÷季度目标×100%", "completion"),
    RuleRef("附件2 六(一)", "按完成率计分:分值×(完成率−起评完成率)÷(满分完成率−起评完成率)", "linear_points"),
    RuleRef("附件2 六(一)", "分档计分:达到的最高一档的得分比例", "step_points"),
    RuleRef("附件2 六(一)", "组内排名计分:按完成率排名,并列取较好名次", "rank_points_by_rate"),
    RuleRef("附件2 六(一)", "按事项计分:每项得分×事项数,得满为止", "count_points"),
    RuleRef("附件2 六(一)", "人工评分:0至分值之间,扣分须说明理由", "compute_indicator"),
    RuleRef("附件2 三(二)1", "服务质量评价:分值×评价均分÷100", "rating_points"),
)
