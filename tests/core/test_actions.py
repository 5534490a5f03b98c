"""The commit-or-refuse helper (app/core/actions.py): one commit on success, a rollback and the message on refusal."""

import pytest
import sqlalchemy as sa
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from wtforms import StringField

from app.core.actions import perform
from app.core.errors import ServiceError
from app.extensions import db
from app.org.models import Person


class NameForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField()


def _add_person(name):
    person = Person(name=name)
    db.session.add(person)
    db.session.flush()
    return person


def _names():
    return set(db.session.scalars(sa.select(Person.name).where(Person.name.like("动作测试%"))))


def test_success_commits_once_and_flashes_the_message_made_from_the_result(app):
    with app.test_request_context("/", method="POST"):
        done = perform(lambda: _add_person("动作测试甲"), lambda person: f"已添加“{person.name}”。")
        assert done and done.status == 200 and done.value.name == "动作测试甲"
        assert get_flashed_messages(with_categories=True) == [("success", "已添加“动作测试甲”。")]
        db.session.rollback()  # a commit happened: the row survives a later rollback
        assert _names() == {"动作测试甲"}


def test_a_plain_success_message_and_none(app):
    with app.test_request_context("/", method="POST"):
        assert perform(lambda: 1, "已保存。").value == 1
        assert perform(lambda: 2, None).value == 2
        assert get_flashed_messages(with_categories=True) == [("success", "已保存。")]


def _refused(message="不能这样做。", **kwargs):
    def action():
        _add_person("动作测试乙")
        raise ServiceError(message, **kwargs)
    return action


def test_a_refusal_rolls_back_and_flashes_the_message_in_the_given_category(app):
    with app.test_request_context("/", method="POST"):
        done = perform(_refused(status=409), "不会显示")
        assert not done and done.status == 409 and done.value is None
        assert done.error.message == "不能这样做。"
        assert _names() == set()
        assert get_flashed_messages(with_categories=True) == [("danger", "不能这样做。")]
    with app.test_request_context("/", method="POST"):  # flashed messages are read once per request
        perform(_refused(), "不会显示", category="warning", prefix="未导入：")
        assert get_flashed_messages(with_categories=True) == [("warning", "未导入：不能这样做。")]


def test_a_refusal_is_shown_on_the_field_it_names_or_on_the_form(app):
    with app.test_request_context("/", method="POST", data={"name": "x"}):
        form = NameForm()
        assert not perform(_refused("名称已被使用。", field="name"), "不会显示", form=form)
        assert not perform(_refused("整体不行。"), "不会显示", form=form)
        assert form.name.errors == ["名称已被使用。"]
        assert form.form_errors == ["整体不行。"]
        assert get_flashed_messages() == []


def test_on_refusal_decides_how_the_refusal_is_shown(app):
    seen = []
    with app.test_request_context("/", method="POST"):
        form = NameForm()
        done = perform(_refused(), "不会显示", form=form, on_refusal=seen.append)
        assert seen == [done.error] and form.form_errors == [] and get_flashed_messages() == []


def test_other_exceptions_are_not_caught(app):
    with app.test_request_context("/", method="POST"), pytest.raises(ZeroDivisionError):
        perform(lambda: 1 / 0, "不会显示")
