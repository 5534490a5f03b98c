"""Checks every request passes before its view: URL ids the database can hold, and no NUL characters.

Both were found by the fuzz suite (tests/fuzz): unguarded, they reached the database and became a 500.
"""

from flask import request
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from app.core.errors import error_response

ID_MAX = 2**31 - 1  # the largest value of an INTEGER id column (PostgreSQL and the 32-bit ids of the schema)
NUL_MESSAGE = "提交的内容含有无法保存的控制字符（NUL，\\x00），请删除后重新提交。"


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` in URLs, at most ID_MAX: a larger number is a 404 like any unknown id (unbounded, PostgreSQL
    answered "integer out of range" and SQLite raised OverflowError). Raised here rather than through the
    converter's `max`, which made Werkzeug answer 405 for some routes."""

    def to_python(self, value):
        number = super().to_python(value)
        if number > ID_MAX:
            raise NotFound()
        return number


def _has_nul(value):
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def register_input_guards(app):
    """Install the converter (before any blueprint is registered) and the NUL check."""
    app.url_map.converters["int"] = BoundedIntConverter

    @app.before_request
    def refuse_nul_characters():
        # PostgreSQL text cannot hold NUL: a query, form field or JSON string with one failed deep in a view.
        pairs = [*request.args.items(multi=True), *request.form.items(multi=True)]
        if any(_has_nul(key) or _has_nul(value) for key, value in pairs) or \
                (request.is_json and _has_nul(request.get_json(silent=True))):
            return error_response(400, NUL_MESSAGE, code="bad_input")
        return None
