"""Who may do what: every view names one permission here, through `require`.

A permission is a named predicate on the user, read from what the user model says of itself (`reads_all`,
`is_admin` ...: app.auth.models.User), so that this module knows no role. Object-level rules (may this user see
this task?) live in each package's services and turn into 404 so that ids cannot be probed.
"""

from functools import wraps

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from app.core.scopes import extra_read_unit_ids

PUBLIC = "public"

# name -> (Chinese description, predicate(user))
PERMISSIONS = {
    PUBLIC: ("无需登录", lambda user: True),
    "signed_in": ("已登录用户", lambda user: True),
    "read_all": ("查看全市数据（千百十办、市领导、观察员）",
                 lambda user: user.reads_all),
    "admin": ("千百十办管理员", lambda user: user.is_admin),
    "assign": ("交办事项（千百十办、市领导）", lambda user: user.assigns),
    "unit_member": ("单位工作人员（有所属单位的账号）",
                    lambda user: user.works_in_unit),
    "dispatch": ("查看旬调度清单（副市长本人；市长、市委书记、千百十办、观察员查看全部）",
                 lambda user: user.reads_all),
    "read_tasks": ("查看事项总览（全市查看者；考评单位查看其考评对象的事项）",
                   lambda user: user.reads_all or bool(extra_read_unit_ids(user))),
}


def allowed(user, permission: str) -> bool:
    if permission == PUBLIC:
        return True
    if user is None or not user.is_authenticated:
        return False
    return PERMISSIONS[permission][1](user)


def require(permission: str):
    """Declare and enforce a page view's permission: anonymous → sign-in page, not allowed → 403."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if permission != PUBLIC:
                if not current_user.is_authenticated:
                    # only a GET can be replayed after signing in; a POST-only URL would answer 405
                    target = request.full_path.rstrip("?") if request.method == "GET" else None
                    flash("请先登录。", "warning")
                    return redirect(url_for("auth.login", next=target))
                if not allowed(current_user, permission):
                    abort(403)
            return view(*args, **kwargs)

        wrapped.permission = permission
        return wrapped

    return decorator
