"""What every template may use beyond Jinja's own: the `localtime` filter, `can(permission)`, and the pieces of
every page that are the same for many readers (the menu, the links to static files), rendered once and reused."""

from flask import current_app, request
from flask_login import current_user
from markupsafe import Markup

from app.core.clock import get_clock
from app.core.permissions import allowed

# The permissions the menu (_nav_menu.html) asks about: the menu is the same for every reader with the same answers.
NAV_PERMISSIONS = ("signed_in", "unit_member", "read_all", "dispatch", "assign", "admin")


def localtime(value, fmt="%Y-%m-%d %H:%M"):
    """A UTC datetime shown in the app's time zone ("" for None); also the `localtime` template filter."""
    if value is None:
        return ""
    return value.astimezone(get_clock().tz).strftime(fmt)


def shared_fragment(template, key=(), **context):
    """The markup of `template` rendered with `context`, once per app, mount point (the script root that URLs
    start with) and `key`, then reused: for pieces of every page that depend on nothing else, such as the links to
    static files (about 30 url_for calls a page, a fifth of an inbox's time, before they were shared). With
    templates reloading (development), rendered every time so that an edit shows at once."""
    app = current_app._get_current_object()
    cache = app.extensions.setdefault("shared_fragments", {})
    cache_key = (template, request.script_root if request else "", key)
    markup = cache.get(cache_key)
    if markup is None:
        markup = Markup(app.jinja_env.get_template(template).render(**context))
        if not app.jinja_env.auto_reload:
            cache[cache_key] = markup
    return markup


def navigation_menu():
    """The menu's items for the current reader: rendered once per set of granted NAV_PERMISSIONS."""
    granted = frozenset(p for p in NAV_PERMISSIONS if allowed(current_user, p))
    return shared_fragment("_nav_menu.html", granted, can=granted.__contains__)


def register_template_helpers(app):
    app.add_template_filter(localtime, "localtime")
    app.add_template_global(shared_fragment, "shared_fragment")
    app.add_template_global(navigation_menu, "navigation_menu")

    @app.context_processor
    def navigation():
        return {"can": lambda permission: allowed(current_user, permission)}
