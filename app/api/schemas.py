"""Pieces of the OpenAPI document that several API modules use, and the small JSON values they describe.

The fragments are plain dicts shared between schemas: never change one in place, build a new one
(`dict(DATE, description=…)`, `nullable(REF)`).
"""

from app.api.params import MAX_PAGE, MAX_PER_PAGE

ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                   "errors": {"type": "object", "additionalProperties": True}},
}

DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
REF = {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
USER_REF = {"type": "object", "nullable": True,
            "properties": {"id": {"type": "integer"}, "display_name": {"type": "string"}}}
FILE_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "filename": {"type": "string"}, "content_type": {"type": "string"},
    "size": {"type": "integer"}}}
PAGE_PROPERTIES = {
    "total": {"type": "integer", "description": "符合筛选条件的总条数（不只是本页）"},
    "per_page": {"type": "integer", "description": "每页条数"},
    "page": {"type": "integer", "nullable": True, "description": "按页码翻页时的页码；按游标翻页时为 null"},
    "next": {"type": "string", "nullable": True,
             "description": "下一页的地址（绝对路径，含查询参数和 cursor）；已是最后一页时为 null"},
}
# The list contract, said once (the document's description); each list's parameters refer to it.
PAGING_CONTRACT = (
    "列表接口的统一约定：参数 per_page 为每页条数（缺省为系统设置的每页条数，最多 {max} 条，超过答复 400）；答复为 "
    "{{items, total, per_page, page, next}}，total 为符合筛选条件的总条数，next 为下一页的地址（最后一页为 null）。"
    "请按 next 翻页：其中的 cursor 参数是不透明的翻页游标，记录本页最后一条的排序键，下一页从它之后开始，翻页期间新增"
    "或删除的数据不会使后面的条目重复或遗漏；游标无效或被修改时答复 400。"
    "也可以用 page 指定页码（按偏移量翻页，翻页期间有新增数据时各页内容会移动），page 与 cursor 不能同时使用。"
    "条件请求：列表和详情答复带 ETag（事项详情和进展反馈列表另带 Last-Modified），请求时带 If-None-Match"
    "（或 If-Modified-Since），数据未变时答复 304 且没有正文。ETag 随账号、查询参数和日期（亮灯按日计算）而不同。")


def nullable(schema):
    return dict(schema, nullable=True)


def text_schema(max_length, description=""):
    return {"type": "string", "maxLength": max_length, "description": description}


def enum_schema(enum_cls, description=None):
    """A string that is one of the enum's values (`description`: e.g. `choices(enum_cls)`, the values with their
    labels)."""
    schema = {"type": "string", "enum": [e.value for e in enum_cls]}
    if description is not None:
        schema["description"] = description
    return schema


def version_property(what):
    """The optional `version` of a request body (read by params.version_field)."""
    return {"type": "integer", "minimum": 1, "description": f"可选：{what}的当前版本号，不一致时返回 409"}


def page_schema(item_schema, **extra):
    """One page of a list (see PAGING_CONTRACT): its items, the total, per_page, page and the next link; `extra`:
    properties of the list beside them (e.g. the dispatch list's heading)."""
    return {"type": "object", "required": ["items", "total", "per_page", "next"],
            "properties": dict(extra, **PAGE_PROPERTIES, items={"type": "array", "items": item_schema})}


def refusal(description):
    """The OpenAPI response of a refusal: the Error object."""
    schema = {"$ref": "#/components/schemas/Error"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


# --- query parameters ---------------------------------------------------------------------------------------

def query_param(name, schema, description):
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


PAGE_PARAMETERS = [
    query_param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                f"每页条数（最多 {MAX_PER_PAGE}；见文档开头的列表约定）"),
    query_param("cursor", {"type": "string", "maxLength": 500},
                "翻页游标：原样取自上一页答复的 next 链接，不要自行构造"),
    query_param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
                "页码（按偏移量翻页，翻页期间有新增数据时各页内容会移动；建议按 next 翻页）；不能与 cursor 同用"),
]


# --- the JSON values ----------------------------------------------------------------------------------------

def iso(value):
    """A date or time as ISO 8601, or None."""
    return value.isoformat() if value is not None else None


def ref(row):
    """REF: a unit, person or other named row as {id, name}, or None."""
    return {"id": row.id, "name": row.name} if row is not None else None


def user_ref(user):
    """USER_REF: an account as {id, display_name}, or None."""
    return {"id": user.id, "display_name": user.display_name} if user is not None else None


def file_json(stored):
    """FILE_SCHEMA: an uploaded file (task evidence, a record's attachment) without its content."""
    return {"id": stored.id, "filename": stored.filename, "content_type": stored.content_type, "size": stored.size}
