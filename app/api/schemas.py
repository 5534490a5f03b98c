"""Pieces of the OpenAPI document that several API modules use, and the small JSON values they describe.

The fragments are plain dicts shared between schemas: never change one in place, build a new one
(`dict(DATE, description=…)`, `nullable(REF)`).
"""

from app.api.params import MAX_PER_PAGE

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
PAGE_PROPERTIES = {"total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}}


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


def page_schema(item_schema):
    """One page of a list: its items, the total and the page asked for."""
    return {"type": "object", "properties": dict(PAGE_PROPERTIES, items={"type": "array", "items": item_schema})}


def refusal(description):
    """The OpenAPI response of a refusal: the Error object."""
    schema = {"$ref": "#/components/schemas/Error"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


# --- query parameters ---------------------------------------------------------------------------------------

def query_param(name, schema, description):
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


PAGE_PARAMETERS = [
    query_param("page", {"type": "integer", "minimum": 1, "default": 1}, "页码"),
    query_param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                f"每页条数（最多 {MAX_PER_PAGE}）"),
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
