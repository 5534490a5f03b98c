"""Sign-in, sign-out, own password, sessions and tokens, and user administration."""

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from app.auth import failures, queries, services
from app.auth.forms import ChangePasswordForm, LoginForm, ResetPasswordForm, TokenForm, UserForm
from app.auth.models import ApiToken, Role, TokenScope, User, UserSession, verify_password
from app.core.actions import perform
from app.core.clock import utcnow
from app.core.errors import ServiceError
from app.core.forms import ConfirmForm, form_error_text
from app.core.pagination import paginate
from app.core.permissions import PUBLIC, require
from app.core.transactions import end_before_slow_work
from app.core.urls import safe_next
from app.extensions import db, login_manager
from app.org.models import Person, Unit

bp = Blueprint("auth", __name__, url_prefix="/auth")

login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录。"
login_manager.login_message_category = "warning"
# The session cookie and the remember cookie hold the server session's token, not the user's id: ending the
# UserSession row (sign-out, password change, deactivation, "退出此会话") makes both worthless.
login_manager.id_attribute = "get_session_id"

PASSWORD_CHANGE_NOTICE = "您的密码不符合安全要求，请先修改密码再继续使用系统。"


@login_manager.user_loader
def load_user(session_id):
    row, noted = services.session_for_token(session_id)
    if row is None:
        return None
    if noted:
        # The visit was noted (last_seen_at, once a minute). The loader runs before the view changes anything
        # (`require` and require_password_change ask for current_user first), so this commits only that.
        db.session.commit()
    return row.user


@bp.before_app_request
def require_password_change():
    """An account marked must_change_password sees only the account page until the password is changed.

    Public endpoints (sign-in, the calendar feed, the API, which authenticates with tokens) are left alone.
    """
    view = current_app.view_functions.get(request.endpoint)
    if view is None or getattr(view, "permission", PUBLIC) == PUBLIC or request.blueprint == "api" \
            or request.endpoint in PASSWORD_CHANGE_OPEN:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("auth.account"))
    return None


@bp.route("/login", methods=["GET", "POST"])
@require(PUBLIC)
def login():
    target = safe_next(request.args.get("next"), url_for("home.index"))
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    if form.validate_on_submit():
        try:
            candidate = services.sign_in_candidate(form.username.data, request.remote_addr)
            # End the reading transaction before argon2 works, so that no transaction (on SQLite: the database's
            # write lock) is held during the slow check. Nothing is pending: this commit writes nothing.
            db.session.commit()
            check = services.check_password(candidate, form.password.data)
            user = services.record_sign_in(candidate, check)
        except ServiceError as error:
            db.session.commit()  # the failure is counted even though sign-in is refused
            form.form_errors.append(error.message)
            response = make_response(render_template("auth/login.html", form=form), error.status)
            if getattr(error, "retry_after", None):
                response.headers["Retry-After"] = str(error.retry_after)
            return response
        services.note_password_policy(user, form.password.data,
                                      allow_demo=not current_app.config["DEMO_PASSWORD_FORCES_CHANGE"])
        services.open_session(user, remember=form.remember.data, address=request.remote_addr,
                              user_agent=request.user_agent.string)
        login_user(user, remember=form.remember.data)
        db.session.commit()
        flash(f"欢迎，{user.display_name}。", "success")
        if user.must_change_password:
            return redirect(url_for("auth.account"))
        return redirect(target)
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.route("/logout", methods=["POST"])
@require("signed_in")
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        _sign_out()
        flash("您已退出登录。", "info")
    return redirect(url_for("auth.login"))


def _sign_out():
    """End this browser's server session (and so its remember cookie), then clear the cookies."""
    services.end_session(current_user.current_session, "退出登录")
    db.session.commit()
    logout_user()


@bp.route("/account", methods=["GET", "POST"])
@require("signed_in")
def account():
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        stored_hash, username, address = user.password_hash, user.username, request.remote_addr or "-"
        # The current password is a password check like a sign-in: a pair that must wait is refused before it.
        waiting = perform(lambda: services.refuse_if_delayed(username, address), form=form)
        if not waiting:
            status = waiting.status
        else:
            end_before_slow_work()  # argon2 is slow on purpose: no write lock held while it checks and hashes
            right, _ = verify_password(stored_hash, form.current_password.data or "")
            if not right:
                services.count_wrong_current_password(user, address)
                db.session.commit()  # the failure is counted although the change is refused
                form.current_password.errors.append("当前密码不正确。")
            elif perform(lambda: services.change_own_password(
                    user, True, services.prepare_password(form.new_password.data, username, field="new_password"),
                    current_session=user.current_session),
                    "密码已修改，其他设备上的登录和全部 API 令牌已失效。", form=form):
                return redirect(url_for("auth.account"))
    now = utcnow()
    sessions = db.session.scalars(queries.active_sessions(current_user, now)).all()
    tokens = db.session.scalars(queries.tokens_of(current_user)).all()
    return render_template("auth/account.html", form=form, tokens=tokens, token_form=TokenForm(), now=now,
                           sessions=sessions, current_session_id=current_user.current_session.id,
                           confirm=ConfirmForm(), password_change_notice=PASSWORD_CHANGE_NOTICE
                           if current_user.must_change_password else None), \
        status if status != 200 else (400 if form.errors else 200)


@bp.route("/sessions/<int:session_id>/revoke", methods=["POST"])
@require("signed_in")
def revoke_session(session_id):
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if row.id == current_user.current_session.id:
        _sign_out()
        flash("您已退出登录。", "info")
        return redirect(url_for("auth.login"))
    perform(lambda: services.revoke_session(current_user, row), "已退出该会话。", category="warning")
    return redirect(url_for("auth.account"))


@bp.route("/sessions/revoke-others", methods=["POST"])
@require("signed_in")
def revoke_other_sessions():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    ended = services.revoke_other_sessions(current_user, current_user.current_session)
    db.session.commit()
    flash(f"已退出其他 {ended} 个会话。" if ended else "没有其他会话。", "success")
    return redirect(url_for("auth.account"))


# Where an account that must change its password may still go.
PASSWORD_CHANGE_OPEN = frozenset({"auth.account", "auth.logout", "auth.revoke_session", "auth.revoke_other_sessions"})


@bp.route("/tokens", methods=["POST"])
@require("signed_in")
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        flash(form_error_text(form), "danger")
        return redirect(url_for("auth.account"))
    perform(lambda: services.create_token(current_user, current_user, form.name.data,
                                          scope=TokenScope(form.scope.data),
                                          days=form.expires_in_days.data or services.TOKEN_DEFAULT_DAYS),
            lambda created: f"令牌已创建，请立即复制保存（只显示这一次）：{created[1]}")
    return redirect(url_for("auth.account"))


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@require("signed_in")
def revoke_token(token_id):
    token = db.session.get(ApiToken, token_id)
    if token is None or (token.user_id != current_user.id and not current_user.is_admin):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not perform(lambda: services.revoke_token(current_user, token), "令牌已吊销。", category="warning"):
        return redirect(url_for("auth.account"))
    return redirect(request.referrer if safe_next(request.referrer, None) else url_for("auth.account"))


# --- user administration (千百十办) ---------------------------------------------------------------------

def _choices():
    units = db.session.scalars(sa.select(Unit).where(Unit.is_active).order_by(Unit.sort_order)).all()
    people = db.session.scalars(sa.select(Person).where(Person.is_active).order_by(Person.name)).all()
    return units, people


@bp.route("/users")
@require("admin")
def users():
    query = sa.select(User).order_by(User.role, User.username)
    text = request.args.get("q", "").strip()[:50]
    if text:
        query = query.where(sa.or_(User.username.contains(text), User.display_name.contains(text)))
    page = paginate(query)
    return render_template("auth/users.html", page=page, q=text, confirm=ConfirmForm())


@bp.route("/users/new", methods=["GET", "POST"])
@require("admin")
def create_user():
    units, people = _choices()
    form = UserForm(units=units, people=people)
    if form.validate_on_submit() and perform(lambda: services.create_user(
            current_user, form.username.data, form.display_name.data, form.password.data or "",
            Role(form.role.data), _get(Unit, form.unit_id.data), _get(Person, form.person_id.data),
            form.email.data, form.phone.data), lambda user: f"已创建账号“{user.username}”。", form=form):
        return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=None), 400 if form.errors else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require("admin")
def edit_user(user_id):
    user = db.get_or_404(User, user_id)
    units, people = _choices()
    form = UserForm(obj=user, units=units, people=people)
    del form.username, form.password
    if request.method == "GET":
        form.role.data = user.role.value
    if form.validate_on_submit() and perform(lambda: services.update_user(
            current_user, user, form.display_name.data, Role(form.role.data), _get(Unit, form.unit_id.data),
            _get(Person, form.person_id.data), form.email.data, form.phone.data), "账号信息已保存。", form=form):
        return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=user, reset_form=ResetPasswordForm(),
                           confirm=ConfirmForm()), 400 if form.errors else 200


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@require("admin")
def reset_password(user_id):
    user = db.get_or_404(User, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        username, own = user.username, user.id == current_user.id
        end_before_slow_work()  # hashing is slow on purpose: no write lock held meanwhile
        # An administrator resetting their own password keeps the session it is done from, as on the account page.
        perform(lambda: services.reset_password(current_user, user,
                                                services.prepare_password(form.password.data, username),
                                                keep_session=current_user.current_session if own else None),
                lambda _: f"已重置“{user.username}”的密码，原有登录已全部失效。")
    else:
        flash(form_error_text(form), "danger")
    return redirect(url_for("auth.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@require("admin")
def set_active(user_id):
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"

    def act():
        services.set_active(current_user, user, active)
        if active:
            services.unlock(current_user, user)

    perform(act, lambda _: f"账号“{user.username}”已{'启用' if active else '停用'}。")
    return redirect(url_for("auth.users"))


# --- sign-in failures (h2): the office's view of the throttling (app/auth/throttling.py) ----------------------


@bp.route("/sign-in-failures")
@require("admin")
def sign_in_failures():
    by = "address" if request.args.get("by") == "address" else "account"
    now = utcnow()
    page = failures.failures_by_address(now) if by == "address" else failures.failures_by_account(now)
    return render_template("auth/sign_in_failures.html", page=page, by=by, now=now, confirm=ConfirmForm(),
                           window_hours=f"{current_app.config['LOGIN_FAILURE_WINDOW_MINUTES'] / 60:g}")


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@require("admin")
def unlock_user(user_id):
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.unlock(current_user, user)
    db.session.commit()
    flash(f"已解除账号“{user.username}”的登录限制。", "success")
    return redirect(request.referrer if safe_next(request.referrer, None) else url_for("auth.sign_in_failures"))
# --- end sign-in failures (h2)


def _get(model, ident):
    return db.session.get(model, ident) if ident else None
