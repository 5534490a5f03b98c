"""What every template may use beyond Jinja's own: the `localtime` filter and `can(permission)` for the navigation."""

from flask_login import current_user

from app.core.clock import get_clock
from app.core.permissions import allowed


def localtime(value, fmt="%Y-%m-%d %H:%M"):
    """A UTC datetime shown in the app's time zone ("" for None); also the `localtime` template filter."""
    if value is None:
        return ""
    return value.astimezone(get_clock().tz).strftime(fmt)


def register_template_helpers(app):
    app.add_template_filter(localtime, "localtime")

    @app.context_processor
    def navigation():
        return {"can": lambda permission: allowed(current_user, permission)}
