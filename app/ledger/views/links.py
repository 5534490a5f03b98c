"""Ledger pages: tagging a task with a chain, an enterprise or a project, and removing a tag (issue #14 part 7).
The tags of meeting decisions are set on the record page (app.meetings.views.records): the ledger may not import the
meetings' rule of who writes a record."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import InputRequired

from app.core.actions import perform
from app.core.errors import error_response
from app.core.forms import OneLine, form_error_text, max_length, options, required, strip
from app.core.permissions import require
from app.ledger import links
from app.ledger.views import bp
from app.tasks import queries as task_queries
from app.tasks import services as task_services
from app.tasks.filters import register_task_panel


class TagForm(FlaskForm):
    """A tag: the kind of object and its name or code (统一社会信用代码, 项目编号) — a select of every enterprise of
    the city would be thousands of lines; an ambiguous name is refused with the candidates named."""

    kind = SelectField("关联类型", choices=options([(k, links.KIND_LABELS[k]) for k in links.KINDS]),
                       validators=[InputRequired(message="请选择关联类型。")],
                       invalid_choice_message="请选择关联类型：产业链、企业或项目。")
    subject = StringField("名称或代码", description="产业链名称；企业名称或统一社会信用代码；项目名称或项目编号。",
                          validators=[OneLine(), required("名称或代码"),
                                      max_length("名称或代码", links.SUBJECT_TEXT_MAX)], filters=[strip])
    submit = SubmitField("关联")

    def resolve(self, user):
        return links.find_subject(user, self.kind.data, self.subject.data)


class UntagForm(FlaskForm):
    submit = SubmitField("取消关联")


def _task_or_404(task_id):
    task = task_queries.task_for_detail(task_id)
    if task is None or not task_services.can_view(current_user, task):
        abort(404)  # the same answer for "absent" and "not yours"
    return task


def _back(task_id):
    return redirect(url_for("tasks.detail", task_id=task_id, _anchor="links"))


@bp.route("/links/tasks/<int:task_id>", methods=["POST"])
@require("signed_in")
def tag_task(task_id):
    task = _task_or_404(task_id)
    if not links.can_tag_task(current_user, task):
        return error_response(403, "只有千百十办、市领导或该事项的牵头单位可以关联产业链、企业或项目。")
    form = TagForm()
    if not form.validate_on_submit():
        flash(form_error_text(form, "提交的内容有误。"), "danger")
        return _back(task_id)
    perform(lambda: links.tag_task(current_user, task, form.resolve(current_user)),
            lambda link: f"已关联{form.kind.data and links.KIND_LABELS[form.kind.data]}。", prefix="未能关联：")
    return _back(task_id)


@bp.route("/links/tasks/<int:task_id>/<int:link_id>/delete", methods=["POST"])
@require("signed_in")
def untag_task(task_id, link_id):
    task = _task_or_404(task_id)
    if not links.can_tag_task(current_user, task):
        return error_response(403, "只有千百十办、市领导或该事项的牵头单位可以取消关联。")
    form = UntagForm()
    if not form.validate_on_submit():
        flash(form_error_text(form, "提交的内容有误。"), "danger")
        return _back(task_id)
    done = perform(lambda: links.untag_task(current_user, task, link_id), "已取消关联。")
    if not done and done.status == 404:
        abort(404)
    return _back(task_id)


# --- the tag panel of the task page (registered on the task pages by app.ledger.register) ----------------------

def task_panel(task, user):
    """The tags of a task on its page, with the tag and untag forms for those who may."""
    tags = links.tags_of_tasks([task.id], user).get(task.id, [])
    may_tag = links.can_tag_task(user, task)
    return Markup(render_template("ledger/_links_task.html", task=task, tags=tags, may_tag=may_tag,
                                  tag_form=TagForm() if may_tag else None, untag_form=UntagForm() if may_tag else None))


def register_panel(app):
    register_task_panel(app, "ledger_links", task_panel)
