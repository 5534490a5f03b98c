"""Ledger page: importing an existing ledger from Excel (the office only). Upload → dry run (what would be created
or changed, field by field, and every bad row) → confirm → applied all or nothing, audited.

Between the dry run and the confirmation the upload is kept in the upload folder under a random name (the
confirmation names it); confirming runs the whole import again on the data as it is then, and keeps it only when
no row is refused."""

import io
import os
import re
import secrets
import time

from flask import flash, redirect, render_template, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import FileField, HiddenField, StringField, SubmitField
from wtforms.validators import ValidationError

from app.core.clock import today
from app.core.errors import ServiceError
from app.core.permissions import require
from app.core.text import download_name
from app.core.uploads import remove_quietly, upload_folder
from app.extensions import db
from app.ledger import importing
from app.ledger.views import bp

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOKEN = re.compile(r"[0-9a-f]{32}")
FOLDER = "ledger-imports"
KEEP_SECONDS = 24 * 3600  # a preview not confirmed within a day is removed


class UploadForm(FlaskForm):
    file = FileField("台账文件（.xlsx）")
    submit = SubmitField("上传并预览")

    def validate_file(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError("请选择要导入的 .xlsx 文件。")


class ApplyForm(FlaskForm):
    token = HiddenField()
    filename = StringField()
    submit = SubmitField("确认导入")


def _path(token):
    return os.path.join(upload_folder(), FOLDER, f"{token}.xlsx")


def _prune(folder, max_age=KEEP_SECONDS):
    """Remove previews never confirmed (older than a day)."""
    limit = time.time() - max_age
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if name.endswith(".xlsx") and os.path.getmtime(path) < limit:
            remove_quietly(path)


def _keep(data):
    token = secrets.token_hex(16)
    folder = os.path.join(upload_folder(), FOLDER)
    os.makedirs(folder, exist_ok=True)
    _prune(folder)
    with open(_path(token), "wb") as handle:
        handle.write(data)
    return token


def _render(form, *, result=None, refused=None, apply_form=None, status=200):
    return render_template("ledger/import.html", form=form, result=result, refused=refused, apply_form=apply_form,
                           max_mb=importing._mb(importing.max_file_bytes()), max_rows=importing.MAX_ROWS), status


@bp.route("/import", methods=["GET", "POST"])
@require("admin")
def import_ledger():
    form = UploadForm()
    if not form.validate_on_submit():
        return _render(form, status=400 if form.errors else 200)
    upload = form.file.data
    filename = os.path.basename(upload.filename or "")[:200]
    try:
        data = upload.read(importing.max_file_bytes() + 1)
    finally:
        upload.close()
    try:
        workbook, layout = importing.read_workbook(data, filename)
        result = importing.run_import(current_user, workbook, today(), apply=False, layout_errors=layout)
    except ServiceError as error:
        return _render(form, refused=error.message, status=400)
    # a dry run: run_import rolled its savepoint back, nothing of it is kept
    apply_form = None
    if result.ok and result.changes:
        apply_form = ApplyForm(formdata=None, token=_keep(data), filename=filename)
    return _render(form, result=result, apply_form=apply_form, status=200 if result.ok else 400)


@bp.route("/import/apply", methods=["POST"])
@require("admin")
def import_apply():
    form = ApplyForm()
    token = (form.token.data or "").strip()
    path = _path(token) if TOKEN.fullmatch(token) else None
    if path is None or not os.path.exists(path):
        flash("预览已过期或文件不存在，请重新上传台账文件。", "danger")
        return redirect(url_for("ledger.import_ledger"))
    filename = (form.filename.data or "")[:200]
    with open(path, "rb") as handle:
        data = handle.read()
    upload = UploadForm(formdata=None)
    try:
        workbook, layout = importing.read_workbook(data, filename)
        result = importing.run_import(current_user, workbook, today(), apply=True, layout_errors=layout)
    except ServiceError as error:
        return _render(upload, refused=error.message, status=400)
    if not result.applied:  # run_import rolled its savepoint back: nothing was written
        if result.ok:
            flash("文件中的数据与台账相同，没有需要导入的内容。", "info")
            remove_quietly(path)
            return redirect(url_for("ledger.import_ledger"))
        return _render(upload, result=result, status=400)
    db.session.commit()
    remove_quietly(path)
    flash(f"台账已导入：{result.summary}。", "success")
    return redirect(url_for("ledger.import_ledger"))


@bp.route("/import/template.xlsx")
@require("admin")
def import_template():
    return send_file(io.BytesIO(importing.template_workbook(today())), mimetype=XLSX, as_attachment=True,
                     download_name=download_name("台账导入模板.xlsx"))
