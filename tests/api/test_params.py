"""The API's argument parsers (app/api/params.py) and shared schema pieces (app/api/schemas.py), on a bare Flask
app: what each accepts, and the Chinese refusal (status, code, field, text) of what it does not."""

from datetime import date
from types import SimpleNamespace

import pytest
from flask import Flask

from app.api import paging, params, schemas
from app.core.errors import ServiceError
from app.core.models import LabelledEnum

pytestmark = pytest.mark.pure  # plain functions over a request: no app and no database are built for these tests


class Colour(LabelledEnum):
    red = "red", "红色"
    green = "green", "绿色"


@pytest.fixture
def bare():
    app = Flask(__name__)
    app.config["PAGE_SIZE"] = 50
    return app


@pytest.fixture
def query(bare):
    """Run a parser inside a GET request with the given query string."""
    def run(parser, query_string="", **kwargs):
        with bare.test_request_context("/", query_string=query_string):
            return parser(**kwargs)
    return run


def refusal(call):
    with pytest.raises(ServiceError) as caught:
        call()
    return caught.value


def bad_parameter(run, parser, query_string, **kwargs):
    error = refusal(lambda: run(parser, query_string, **kwargs))
    assert (error.status, error.code) == (400, "bad_parameter")
    return error


def invalid_field(parser, data, *args, **kwargs):
    error = refusal(lambda: parser(data, *args, **kwargs))
    assert (error.status, error.code) == (422, "invalid")
    return error


# --- dates ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["2026-3-01", "2026-02-30", "20260301", " 2026-03-01", "2026-03-01T00:00", ""])
def test_parse_iso_date_refuses_anything_but_a_real_day_written_yyyy_mm_dd(text):
    assert params.parse_iso_date(text) is None


def test_parse_iso_date_reads_a_real_day():
    assert params.parse_iso_date("2028-02-29").isoformat() == "2028-02-29"


# --- query parameters -----------------------------------------------------------------------------------------

def test_arg_int_is_none_when_absent_or_blank_and_reads_a_padded_number(query):
    assert query(params.arg_int, name="unit_id", label="单位 id") is None
    assert query(params.arg_int, {"unit_id": "  "}, name="unit_id", label="单位 id") is None
    assert query(params.arg_int, {"unit_id": " 17 "}, name="unit_id", label="单位 id") == 17


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "1234567890"])
def test_arg_int_refuses_what_is_not_a_positive_integer_of_nine_digits_at_most(query, value):
    error = bad_parameter(query, params.arg_int, {"unit_id": value}, name="unit_id", label="单位 id")
    assert error.field == "unit_id"
    assert error.message == "参数 unit_id（单位 id）必须是正整数。"


def test_arg_int_with_a_maximum_names_the_range(query):
    error = bad_parameter(query, params.arg_int, {"per_page": "201"}, name="per_page", label="每页条数",
                          maximum=200)
    assert error.message == "参数 per_page（每页条数）必须是 1 到 200 之间的整数。"
    assert query(params.arg_int, {"per_page": "200"}, name="per_page", label="每页条数", maximum=200) == 200


def test_arg_enum_reads_a_value_and_refuses_an_unknown_one_listing_the_values(query):
    assert query(params.arg_enum, {"colour": " green "}, name="colour", label="颜色", enum_cls=Colour) \
        is Colour.green
    assert query(params.arg_enum, name="colour", label="颜色", enum_cls=Colour) is None
    error = bad_parameter(query, params.arg_enum, {"colour": "blue" * 10}, name="colour", label="颜色",
                          enum_cls=Colour)
    assert error.field == "colour"
    assert error.message == "未知的颜色“" + ("blue" * 10)[:20] + "”，可选：red、green"


def test_arg_date_reads_an_iso_date_and_refuses_another_form_with_an_example(query):
    assert query(params.arg_date, {"start": "2026-11-30"}, name="start", label="起始日期").isoformat() == \
        "2026-11-30"
    assert query(params.arg_date, name="start", label="起始日期") is None
    error = bad_parameter(query, params.arg_date, {"start": "30.11.2026"}, name="start", label="起始日期")
    assert (error.field, error.message) == ("start", "参数 start（起始日期）必须是 ISO 8601 日期，如 2026-03-31。")


@pytest.mark.parametrize(("value", "expected"), [("", False), ("0", False), ("FALSE", False), ("no", False),
                                                 ("1", True), ("True", True), (" yes ", True)])
def test_arg_bool_reads_the_usual_spellings(query, value, expected):
    assert query(params.arg_bool, {"all": value}, name="all", label="全部") is expected


def test_arg_bool_refuses_anything_else(query):
    error = bad_parameter(query, params.arg_bool, {"all": "maybe"}, name="all", label="全部")
    assert error.message == "参数 all（全部）只能是 true 或 false。"


def _page_size(*args, **kwargs):
    """(page, per_page) that paging.paging_args reads (page None: the first page, or after a cursor)."""
    asked = paging.paging_args(paging.SortKey("test", (paging.Column(None, "id"),)))
    return asked.page, asked.per_page


def test_paging_defaults_to_the_first_page_of_the_configured_size(query, bare):
    assert query(_page_size) == (None, 50)
    assert query(_page_size, {"page": "3", "per_page": "20"}) == (3, 20)
    bare.config["PAGE_SIZE"] = 1000
    assert query(_page_size) == (None, params.MAX_PER_PAGE)  # the setting cannot exceed the API's own limit


def test_paging_refuses_a_page_size_above_the_limit_and_page_zero(query):
    error = bad_parameter(query, _page_size, {"per_page": "201"})
    assert error.field == "per_page" and "200" in error.message  # the refusal names the maximum
    assert bad_parameter(query, _page_size, {"page": "0"}).message == \
        "参数 page（页码）必须是 1 到 100000 之间的整数。"


# --- the JSON body --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "message"), [
    ({"data": "{}", "content_type": "text/plain"}, "请求体必须是 JSON（Content-Type: application/json）。"),
    ({"data": "{", "content_type": "application/json"}, "请求体不是有效的 JSON。"),
    ({"json": [1, 2]}, "请求体必须是 JSON 对象。"),
])
def test_json_body_refuses_what_is_not_a_json_object(bare, kwargs, message):
    with bare.test_request_context("/", method="POST", **kwargs):
        error = refusal(params.json_body)
    assert (error.status, error.code, error.message) == (400, "bad_json", message)


def test_json_body_returns_the_object(bare):
    with bare.test_request_context("/", method="POST", json={"title": "x"}):
        assert params.json_body() == {"title": "x"}


def test_text_field_strips_and_refuses_blank_wrong_type_and_too_long():
    assert params.text_field({"title": "  标题 "}, "title", "事项名称", 5) == "标题"
    assert params.text_field({"title": " "}, "title", "事项名称", 5, required=False) is None
    assert invalid_field(params.text_field, {"title": " "}, "title", "事项名称", 5).message == \
        "请填写事项名称（title）。"
    assert invalid_field(params.text_field, {"title": 5}, "title", "事项名称", 5).message == \
        "事项名称（title）必须是文本。"
    error = invalid_field(params.text_field, {"title": "一二三四五六"}, "title", "事项名称", 5)
    assert (error.field, error.message) == ("title", "事项名称（title）不能超过 5 个字符。")


def test_int_field_refuses_booleans_text_and_values_out_of_range():
    assert params.int_field({"percent": 0}, "percent", "完成进度", minimum=0, maximum=100) == 0
    assert params.int_field({}, "percent", "完成进度", required=False) is None
    assert invalid_field(params.int_field, {}, "percent", "完成进度").message == "请填写完成进度（percent）。"
    for value in (True, "5", 5.0):
        assert invalid_field(params.int_field, {"percent": value}, "percent", "完成进度").message == \
            "完成进度（percent）必须是整数。"
    assert invalid_field(params.int_field, {"percent": 101}, "percent", "完成进度", minimum=0, maximum=100).message \
        == "完成进度（percent）必须是 0 到 100 的整数。"


def test_version_field_is_optional_and_at_least_one():
    assert params.version_field({}) is None
    assert params.version_field({"version": 3}) == 3
    error = invalid_field(params.version_field, {"version": 0})
    assert (error.field, error.message) == ("version", "版本号（version）不能小于 1。")


def test_date_field_is_required_and_names_the_iso_form():
    assert params.date_field({"due_on": " 2026-12-31 "}, "due_on", "完成时限").isoformat() == "2026-12-31"
    assert invalid_field(params.date_field, {"due_on": ""}, "due_on", "完成时限").message == \
        "请填写完成时限（due_on）。"
    assert invalid_field(params.date_field, {"due_on": 20261231}, "due_on", "完成时限").message == \
        "完成时限（due_on）必须是 ISO 8601 日期文本，如 \"2026-03-31\"。"
    assert invalid_field(params.date_field, {"due_on": "2026-02-30"}, "due_on", "完成时限").message == \
        "完成时限（due_on）不是有效的日期，请按 ISO 8601 填写，如 2026-03-31。"


def test_choice_field_has_a_default_and_lists_values_with_labels_when_refusing():
    assert params.choice_field({}, "colour", "颜色", Colour, Colour.red) is Colour.red
    assert params.choice_field({"colour": "green"}, "colour", "颜色", Colour, Colour.red) is Colour.green
    error = invalid_field(params.choice_field, {"colour": "Green"}, "colour", "颜色", Colour, Colour.red)
    assert error.message == "颜色（colour）只能是：red（红色）、green（绿色）。"


def test_id_list_takes_integers_only_and_at_most_the_maximum():
    assert params.id_list({}, "unit_ids", "参会单位", 3) == []
    assert params.id_list({"unit_ids": [1, 2, 3]}, "unit_ids", "参会单位", 3) == [1, 2, 3]
    for value in ([1, True], [1, "2"], "1,2", {"1": 2}):
        assert invalid_field(params.id_list, {"unit_ids": value}, "unit_ids", "参会单位", 3).message == \
            "参会单位（unit_ids）必须是 id（整数）的列表。"
    assert invalid_field(params.id_list, {"unit_ids": [1, 2, 3, 4]}, "unit_ids", "参会单位", 3).message == \
        "参会单位（unit_ids）最多 3 个。"


def test_object_list_checks_only_that_it_is_a_short_enough_list():
    assert params.object_list({}, "visits", "观摩项目", 2) == []
    assert params.object_list({"visits": ["a", {}]}, "visits", "观摩项目", 2) == ["a", {}]
    assert invalid_field(params.object_list, {"visits": "a"}, "visits", "观摩项目", 2).message == \
        "观摩项目（visits）必须是列表。"
    assert invalid_field(params.object_list, {"visits": [1, 2, 3]}, "visits", "观摩项目", 2).message == \
        "观摩项目（visits）一次最多 2 条。"


def test_refuse_unknown_names_the_first_unknown_field_and_the_allowed_ones():
    params.refuse_unknown({"text": 1}, {"text", "version"})
    error = invalid_field(params.refuse_unknown, {"zeta": 1, "alpha": 2, "text": 3}, {"text", "version"})
    assert error.field == "alpha"
    assert error.message == "不认识的字段：alpha、zeta。可填写的字段：text、version。"


# --- refusals -------------------------------------------------------------------------------------------------

def test_renamed_fields_reports_a_service_refusal_under_the_json_name():
    with pytest.raises(ServiceError) as caught, params.renamed_fields(new_due_on="due_on"):
        raise ServiceError("日期不对。", field="new_due_on")
    assert caught.value.field == "due_on"
    with pytest.raises(ServiceError) as caught, params.renamed_fields(new_due_on="due_on"):
        raise ServiceError("理由太长。", field="reason")
    assert caught.value.field == "reason"


def test_not_found_is_a_404_with_its_code():
    error = params.not_found("事项不存在。")
    assert (error.status, error.code, error.message, error.field) == (404, "not_found", "事项不存在。", None)


# --- schema pieces --------------------------------------------------------------------------------------------

def test_schema_helpers_copy_rather_than_change_the_shared_fragments():
    before = dict(schemas.REF)
    assert schemas.nullable(schemas.REF) == dict(before, nullable=True)
    assert before == schemas.REF
    page = schemas.page_schema(schemas.REF)
    assert page["properties"]["items"] == {"type": "array", "items": schemas.REF}
    assert set(page["properties"]) == {"items", "total", "page", "per_page", "next"}
    assert "items" not in schemas.PAGE_PROPERTIES


def test_enum_schema_lists_the_values_and_describes_them_only_when_asked():
    assert schemas.enum_schema(Colour) == {"type": "string", "enum": ["red", "green"]}
    assert schemas.enum_schema(Colour, params.choices(Colour))["description"] == "red（红色）、green（绿色）"


def test_page_parameters_match_what_paging_accepts():
    per_page, cursor, page = schemas.PAGE_PARAMETERS
    assert (per_page["name"], cursor["name"], page["name"]) == ("per_page", "cursor", "page")
    assert per_page["schema"]["maximum"] == params.MAX_PER_PAGE and page["schema"]["maximum"] == params.MAX_PAGE


def test_json_writers_give_none_for_a_missing_row_and_only_the_described_keys():
    unit = SimpleNamespace(id=3, name="市工信局", short_name="工信")
    account = SimpleNamespace(id=4, display_name="张三", username="zhangsan")
    stored = SimpleNamespace(id=5, filename="a.pdf", content_type="application/pdf", size=10, sha256="x")
    assert schemas.ref(unit) == {"id": 3, "name": "市工信局"}
    assert schemas.user_ref(account) == {"id": 4, "display_name": "张三"}
    assert schemas.file_json(stored) == {"id": 5, "filename": "a.pdf", "content_type": "application/pdf", "size": 10}
    assert set(schemas.file_json(stored)) == set(schemas.FILE_SCHEMA["properties"])
    assert schemas.iso(date(2026, 3, 10)) == "2026-03-10"
    assert (schemas.ref(None), schemas.user_ref(None), schemas.iso(None)) == (None, None, None)
