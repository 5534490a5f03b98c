"""Chinese error pages for the site and JSON errors for the API."""

import logging

from flask import g, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from app.extensions import db, login_manager

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("请求有误", "提交的内容无法处理，请返回上一页检查后重试。"),
    401: ("需要登录", "请先登录。"),
    403: ("没有权限", "您的账号没有访问此页面或执行此操作的权限。如需开通，请联系千百十办。"),
    404: ("页面不存在", "您要找的页面或记录不存在，或者您无权查看。"),
    405: ("操作方式不正确", "该地址不支持这种请求方式。"),
    413: ("文件过大", "上传的文件超过了大小限制，请压缩或拆分后再上传。"),
    429: ("操作过于频繁", "请稍后再试。"),
    500: ("系统内部错误", "系统处理时出错，已记录。请稍后重试，或联系千百十办。"),
    503: ("服务暂不可用", "数据库暂时无法连接，您的操作没有被保存。请稍后重试。"),
}

API_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "too_large", 422: "invalid", 429: "too_many_requests", 500: "server_error",
    503: "unavailable",
}


def wants_json():
    return request.path.startswith("/api/")


def error_response(status, message=None, code=None, errors=None):
    title, text = MESSAGES.get(status, MESSAGES[500] if status >= 500 else MESSAGES[400])
    message = message or text
    if wants_json():
        body = {"code": code or API_CODES.get(status, "error"), "message": message}
        if errors:
            body["errors"] = errors
        return jsonify(body), status
    try:
        return render_template("errors/error.html", status=status, title=title, message=message), status
    except SQLAlchemyError as error:
        # The page's navigation loads the signed-in user: with the database gone, say that instead of a bare 500.
        if status == 503 or not is_unavailable(error):
            raise
        return database_unavailable(error)


def database_unavailable(error):
    """The Chinese 503 page (or JSON) for a database that cannot be reached now; the transaction is rolled back."""
    log.error("database unavailable: %s", error, exc_info=error)
    try:
        db.session.rollback()  # the transaction is gone with its connection: nothing of it is saved
    except SQLAlchemyError:
        log.warning("rollback after a database failure failed too", exc_info=True)
    # The page must not touch the database again: the navigation would load the signed-in user, fail the same way,
    # and turn this page into an English 500. It is shown as to a signed-out visitor.
    g._login_user = login_manager.anonymous_user()
    response = make_response(*error_response(503))
    response.headers["Retry-After"] = "30"
    return response


def register_error_handlers(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return error_response(400, "页面已过期或表单校验失败，请刷新页面后重新提交。", code="csrf")

    @app.errorhandler(HTTPException)
    def http_error(error):
        message = error.description if getattr(error, "chinese", False) else None
        return error_response(error.code or 500, message)

    @app.errorhandler(SQLAlchemyError)
    def database_error(error):
        return database_unavailable(error) if is_unavailable(error) else unexpected(error)

    @app.errorhandler(Exception)
    def unexpected(error):
        log.exception("unhandled error")
        db.session.rollback()
        return error_response(500)


def is_unavailable(error):
    """The database cannot be reached or answer now (down, restarting, connection cut, locked, pool exhausted), as
    opposed to a bug or a constraint violation."""
    return (isinstance(error, OperationalError | InterfaceError | PoolTimeout)
            or bool(getattr(error, "connection_invalidated", False)))


class ServiceError(Exception):
    """A refused action: `message` is Chinese and says what to fix. Nothing has been written."""

    status = 422
    code = "invalid"

    def __init__(self, message, field=None, code=None, status=None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code
        if status:
            self.status = status


class PermissionDenied(ServiceError):
    status = 403
    code = "forbidden"


class Conflict(ServiceError):
    status = 409
    code = "conflict"
