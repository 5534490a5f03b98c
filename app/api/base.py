"""API plumbing: the blueprint, token authentication, declared permissions and the OpenAPI registry."""

import re
from functools import wraps

from flask import Blueprint, g, jsonify, request

from app.api.params import MAX_PER_PAGE
from app.api.schemas import ERROR_SCHEMA, PAGING_CONTRACT, refusal
from app.auth.models import TokenScope
from app.auth.services import TokenRefused, token_for_bearer
from app.core.errors import ServiceError, error_response
from app.core.permissions import PERMISSIONS, PUBLIC, allowed
from app.extensions import db

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Methods that change data: a read-only token (scope 只读) is refused all of them, whatever the operation.
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

BEARER_DESCRIPTION = (
    "在“我的账号”页面创建的访问令牌，放在请求头 Authorization: Bearer <令牌> 中。令牌只在创建时显示一次；"
    "有效期在创建时选择（默认 90 天，最长 365 天），过期、被吊销、账号停用或账号修改（重置）密码后失效，"
    "答复 401。权限分为只读和读写：只读令牌调用任何写操作（POST、PUT、PATCH、DELETE）都答复 403（code 为 "
    "read_only_token）。")

# path -> method -> operation object; filled by `route` and read by the OpenAPI view.
OPERATIONS: dict[str, dict[str, dict]] = {}


def _openapi_path(rule):
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def route(rule, method="GET", permission="signed_in", summary="", parameters=(), body=None,
          response=None, status=200, tag="组织", conflict=None, conditional=False):
    """Register an API operation: URL rule, permission (checked here), and its OpenAPI description.

    `conflict`: when the operation may answer 409, what the conflict is (the other refusals are documented for
    every operation). `conditional`: the answer carries an ETag and may be 304 (app.api.paging.Conditional)."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if permission != PUBLIC:
                header = request.headers.get("Authorization", "")
                secret = header[7:].strip() if header[:7].lower() == "bearer " else ""
                try:
                    token = token_for_bearer(secret, request.remote_addr)
                except TokenRefused as refused:
                    return error_response(refused.status, refused.message, code=refused.code)
                if db.session.dirty:
                    # token_for_bearer noted the token's last use; keep it even when the request only reads
                    # (otherwise it is rolled back with every GET, and the row stays locked meanwhile).
                    db.session.commit()
                user = token.user
                g.api_user = user
                if request.method in WRITE_METHODS and token.scope is not TokenScope.read_write:
                    return error_response(403, "只读令牌不能执行写操作（新增、修改、删除）；请在“我的账号”页面创建"
                                               "读写令牌。", code="read_only_token")
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
                "400": refusal("请求格式不正确"),
                "404": refusal("不存在"),
                "422": refusal("内容不符合要求"),
            },
        }
        if permission != PUBLIC:
            operation["security"] = [{"bearerAuth": []}]
            operation["responses"]["401"] = refusal("未提供或无效的令牌")
            operation["responses"]["403"] = refusal("无权限")
        if conflict is not None:
            operation["responses"]["409"] = refusal(conflict)
        if conditional:
            operation["responses"][str(status)]["headers"] = {
                "ETag": {"description": "实体标签：请求时放在 If-None-Match 中", "schema": {"type": "string"}}}
            operation["responses"]["304"] = {"description": "未修改：If-None-Match（或 If-Modified-Since）与当前数据"
                                                            "一致，没有正文"}
        if body is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        OPERATIONS.setdefault("/api/v1" + _openapi_path(rule), {})[method.lower()] = operation
        return wrapped

    return decorator


def ok(payload, status=200):
    return jsonify(payload), status


@route("/openapi.json", permission=PUBLIC, summary="本接口的 OpenAPI 3 文档", response={"type": "object"}, tag="文档")
def openapi():
    return jsonify(openapi_document())


def openapi_document():
    return {
        "openapi": "3.0.3",
        "info": {"title": "湘潭市产业强市“千百十”工程督考系统 API", "version": "1.0.0",
                 "description": "所有错误均返回 JSON：code（机器可读）与 message（中文说明）。"
                                + PAGING_CONTRACT.format(max=MAX_PER_PAGE)},
        "servers": [{"url": request.host_url.rstrip("/")}],
        "paths": {path: dict(ops) for path, ops in sorted(OPERATIONS.items())},
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": BEARER_DESCRIPTION}},
            "schemas": {"Error": ERROR_SCHEMA},
        },
    }

