"""Assessment (考核评价): rules, entries, the pure engine and results."""

from app.core.scopes import register_read_scope
from app.reminders.registry import register_rule, register_scan
from app.scoring.assessor_scope import assessed_unit_ids
from app.scoring.ratings import rating_reminders, recheck_rating_reminders
from app.scoring.reminders import (
    recheck_assessment_rules,
    recheck_policy_rates,
    recheck_scoring_entry,
    scoring_reminders,
)


def register(app):
    """Called once by create_app: the assessment's reminders (the periodic duties: the period is the occasion)."""
    register_scan(app, scoring_reminders)
    register_rule(app, "scoring_entry", "季度考评得分录入", recheck_scoring_entry)
    register_rule(app, "annual_results", "年度考评结果")
    register_rule(app, "assessment_rules", "年度考评细则（报送、审核、发布）", recheck_assessment_rules)
    register_rule(app, "policy_rates", "政策兑现情况考评", recheck_policy_rates)
    register_scan(app, rating_reminders)
    register_rule(app, "service_rating", "市直单位服务质量评价", recheck_rating_reminders)
    register_read_scope(app, "assessor", assessed_unit_ids)  # 附件2 六(二): assessors read their units' rows
