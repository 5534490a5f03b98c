"""What the ledger registers on the app: reminder scans and rules (monthly reporting), and the task filters by
chain, enterprise and project. Filled in by the parts that need them."""

from app.core.jobs import register_job
from app.reminders.registry import register_rule, register_scan


def register(app):
    from app.ledger import reminders
    from app.ledger.cockpit import prune_writes

    register_job(app, "ledger.prune_writes", prune_writes, 24 * 3600, label="清理台账写入记录",
                 result_labels={"writes": "删除记录"})

    # monthly reporting (报送): reminders before the due date and once overdue
    register_scan(app, reminders.reporting_reminders)
    register_rule(app, reminders.RULE_DUE, "月度数据报送提醒", reminders.recheck_reporting)
    register_rule(app, reminders.RULE_OVERDUE, "月度数据逾期未报送", reminders.recheck_reporting)

    # links (task filters by chain / enterprise / project): one call of the links part's own function here
    return None
