"""The shared form pieces in app.core.forms: the id select, the unit multi-select, the error text for a flash."""

from types import SimpleNamespace

import pytest

from app.core.forms import coerce_id, form_error_text

pytestmark = pytest.mark.pure  # plain functions: no app and no database are built for these tests


def test_coerce_id_gives_none_for_the_empty_choice_and_minus_one_for_garbage():
    assert coerce_id("") is None and coerce_id(None) is None and coerce_id("None") is None
    assert coerce_id("12") == 12
    assert coerce_id("abc") == -1


def test_form_error_text_joins_every_message_once_with_the_chinese_semicolon():
    form = SimpleNamespace(errors={"title": ["请填写事项名称。"], "due_on": ["日期格式不正确。"]})
    assert form_error_text(form) == "请填写事项名称。；日期格式不正确。"


def test_form_error_text_flattens_field_lists_and_drops_repeats():
    form = SimpleNamespace(errors={
        "decisions": [{"text": ["请填写决定内容。"]}, {"text": ["请填写决定内容。"], "due_on": ["请填写时限。"]}],
        "csrf_token": ["表单已过期。"],
    })
    assert form_error_text(form) == "请填写决定内容。；请填写时限。；表单已过期。"


def test_form_error_text_gives_the_default_when_there_is_no_message():
    assert form_error_text(SimpleNamespace(errors={}), "提交的内容有误。") == "提交的内容有误。"
    assert form_error_text(SimpleNamespace(errors={})) == ""
