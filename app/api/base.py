"""API plumbing: the blueprint, token authentication, declared permissions and the OpenAPI registry."""

import re
from datetime import date
from functools import wraps

from flask import Blueprint, g, jsonify, request

from app.auth.services import user_for_token
from app.core.errors import ServiceError, error_response
from app.core.permissions import PERMISSIONS, PUBLIC, allowed
from app.extensions import db

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# path -> method -> operation object; filled by `route` and read by the OpenAPI view.
OPERATIONS: dict[str, dict[str, dict]] = {}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                   "errors": {"type": "object", "additionalProperties": True}},
}


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_EXAMPLE = "2026-03-31"


def parse_iso_date(value):
    """The date of an ISO 8601 text `YYYY-MM-DD`; None when the text is not one (or names no real day)."""
    if not ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _openapi_path(rule):
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def route(rule, method="GET", permission="signed_in", summary="", parameters=(), body=None,
          response=None, status=200, tag="组织"):
    """Register an API operation: URL rule, permission (checked here), and its OpenAPI description."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if permission != PUBLIC:
                header = request.headers.get("Authorization", "")
                token = header[7:].strip() if header[:7].lower() == "bearer " else ""
                user = user_for_token(token)
                if user is None:
                    message = "缺少访问令牌，请在 Authorization 头中提供 Bearer 令牌。" if not token else \
                        "访问令牌无效、已吊销或账号已停用。"
                    return error_response(401, message, code="unauthorized")
                if db.session.dirty:
                    # user_for_token noted the token's last use; keep it even when the request only reads
                    # (otherwise it is rolled back with every GET, and the row stays locked meanwhile).
                    db.session.commit()
                g.api_user = user
                if not allowed(user, permission):
                    return error_response(403, "您的账号无权执行此操作。", code="forbidden")
            try:
                return view(*args, **kwargs)
            except ServiceError as error:
                errors = {error.field: [error.message]} if error.field else None
                return error_response(error.status, error.message, code=error.code, errors=errors)

        wrapped.permission = permission
        endpoint = f"{view.__name__}_{method.lower()}" if method != "GET" else view.__name__
        bp.add_url_rule(rule, endpoint=endpoint, view_func=wrapped, methods=[method])
        path_params = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "integer" if conv == "int" else "string"}}
            for conv, name in re.findall(r"<(?:([a-z]+):)?([a-z_]+)>", rule)
        ]
        operation = {
            "summary": summary,
            "operationId": f"{method.lower()}_{view.__name__}",
            "tags": [tag],
            "parameters": path_params + list(parameters),
            "responses": {
                str(status): {"description": "成功", "content": {"application/json": {"schema": response or {}}}},
                "400": _error("请求格式不正确"),
                "404": _error("不存在"),
                "422": _error("内容不符合要求"),
            },
        }
        if permission != PUBLIC:
            operation["security"] = [{"bearerAuth": []}]
            operation["responses"]["401"] = _error("未提供或无效的令牌")
            operation["responses"]["403"] = _error("无权限")
        if body is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        OPERATIONS.setdefault("/api/v1" + _openapi_path(rule), {})[method.lower()] = operation
        return wrapped

    return decorator


def _error(description):
    schema = {"$ref": "#/components/schemas/Error"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def json_body():
    """The request's JSON object, or a ServiceError in Chinese."""
    if not request.is_json:
        raise ServiceError("请求体必须是 JSON（Content-Type: application/json）。", code="bad_json", status=400)
    data = request.get_json(silent=True)
    if data is None:
        raise ServiceError("请求体不是有效的 JSON。", code="bad_json", status=400)
    if not isinstance(data, dict):
        raise ServiceError("请求体必须是 JSON 对象。", code="bad_json", status=400)
    return data


def text_field(data, name, label, max_length, required=True):
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ServiceError(f"请填写{label}（{name}）。", field=name)
        return None
    if not isinstance(value, str):
        raise ServiceError(f"{label}（{name}）必须是文本。", field=name)
    value = value.strip()
    if len(value) > max_length:
        raise ServiceError(f"{label}（{name}）不能超过 {max_length} 个字符。", field=name)
    return value


def ok(payload, status=200):
    return jsonify(payload), status


@route("/openapi.json", permission=PUBLIC, summary="本接口的 OpenAPI 3 文档", response={"type": "object"}, tag="文档")
def openapi():
    return jsonify(openapi_document())


def openapi_document():
    return {
        "openapi": "3.0.3",
        "info": {"title": "湘潭市产业强市“千百十”工程督考系统 API", "version": "1.0.0",
                 "description": "所有错误均返回 JSON：code（机器可读）与 message（中文说明）。"},
        "servers": [{"url": request.host_url.rstrip("/")}],
        "paths": {path: dict(ops) for path, ops in sorted(OPERATIONS.items())},
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR_SCHEMA},
        },
    }

