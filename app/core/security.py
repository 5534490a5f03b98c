"""Security headers set by the app itself, and template globals for the navigation."""

from flask_login import current_user

from app.core.permissions import allowed

CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")


def register_security(app):
    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    app.add_template_filter(localtime, "localtime")

    @app.context_processor
    def navigation():
        return {"can": lambda permission: allowed(current_user, permission)}


def localtime(value, fmt="%Y-%m-%d %H:%M"):
    """A UTC datetime shown in the app's time zone."""
    from app.core.clock import get_clock

    if value is None:
        return ""
    return value.astimezone(get_clock().tz).strftime(fmt)
