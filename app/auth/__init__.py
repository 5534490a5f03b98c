"""Users, roles, sign-in with throttling, and API tokens."""

from app.auth.housekeeping import purge_sign_in_records
from app.core.jobs import register_job


def register(app):
    """Called once by create_app: the scheduler's housekeeping of sign-in records."""
    register_job(app, "auth.housekeeping", purge_sign_in_records, 6 * 3600, label="清理过期登录记录",
                 result_labels={"sessions": "删除会话", "attempts": "删除登录尝试"})
