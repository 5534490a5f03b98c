"""Evidence files: allowed types stored with their checksum under a random name, and every refusal (too large,
wrong type or bytes, empty, storage failure, wrong person) leaving no Evidence row and no file behind."""

import errno
import hashlib
import io
import os
import re
import zipfile
from datetime import date

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from app.core import uploads
from app.core.errors import PermissionDenied, ServiceError
from app.core.models import AuditEntry
from app.core.uploads import ALLOWED_DESCRIPTION, allowed_description, delete_stored
from app.extensions import db
from app.tasks import files, services
from app.tasks.files import evidence_path, store_evidence
from app.tasks.models import Evidence, FollowUp
from tests.factories import unit

TODAY = date(2026, 3, 10)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100


def upload(data, filename, content_type="application/octet-stream", content_length=None):
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type,
                       content_length=content_length)


def evidence_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Evidence))


def stored_files(folder):
    """Every file under the upload folder, temporary ones included."""
    return sorted(os.path.relpath(os.path.join(d, f), folder) for d, _, names in os.walk(folder) for f in names)


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    path = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(path))
    return str(path)


@pytest.fixture
def follow_up(user, clock):
    """A task of 市科技局 (with 市工信局 as co-unit) and 市科技局's first follow-up on it."""
    admin, kjj = user("admin"), user("kjj")
    task = services.assign_task(admin, title="加快科技创新平台建设", lead_unit=unit("市科技局"),
                                co_units=[unit("市工信局")], due_on=date(2026, 3, 31), today=TODAY)
    services.accept_task(kjj, task)
    return kjj, task, services.record_follow_up(kjj, task, "已完成调研", 30, TODAY)


def refused(actor, task, follow_up, storage, folder):
    before = evidence_count()
    with pytest.raises(ServiceError) as caught:
        store_evidence(actor, task, follow_up, storage)
    assert evidence_count() == before
    assert not os.path.exists(folder) or stored_files(folder) == []
    return caught.value


# --- accepted -----------------------------------------------------------------------------------------------

def test_pdf_is_stored_under_a_random_name_in_the_month_folder_with_its_checksum(follow_up, folder):
    kjj, task, fu = follow_up
    evidence = store_evidence(kjj, task, fu, upload(PDF, "调研报告.pdf", content_type="text/html"))
    assert evidence.id is not None
    assert (evidence.task_id, evidence.follow_up_id, evidence.uploaded_by_id) == (task.id, fu.id, kjj.id)
    assert evidence.filename == "调研报告.pdf"
    assert evidence.content_type == "application/pdf"  # from the checked type, not what the browser said
    assert evidence.size == len(PDF)
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    assert re.fullmatch(r"2026-03/[0-9a-f]{32}\.pdf", evidence.stored_name)
    path = evidence_path(evidence)
    assert path == os.path.join(os.path.realpath(folder), "2026-03", evidence.stored_name.split("/")[1])
    with open(path, "rb") as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == evidence.sha256
    assert stored_files(folder) == [evidence.stored_name]
    audit = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "evidence.upload",
                                                          AuditEntry.object_id == str(evidence.id)))
    assert audit is not None and audit.after["sha256"] == evidence.sha256 and audit.actor_id == kjj.id
    assert fu.files == [evidence]


def test_png_docx_and_text_files_are_accepted(follow_up, folder):
    kjj, task, fu = follow_up
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    accepted = [(PNG, "现场照片.PNG", "image/png"), (docx.getvalue(), "方案.docx", uploads.ALLOWED_TYPES["docx"][0]),
                ("进展说明：已完成。\n".encode(), "说明.txt", "text/plain"),
                ("\ufeff说明".encode("utf-16-le"), "说明-unicode.txt", "text/plain")]
    for data, name, content_type in accepted:
        evidence = store_evidence(kjj, task, fu, upload(data, name))
        assert (evidence.filename, evidence.content_type, evidence.size) == (name, content_type, len(data))
        assert evidence.sha256 == hashlib.sha256(data).hexdigest()
    assert len(stored_files(folder)) == 4


def test_a_co_unit_attaches_evidence_to_its_own_follow_up(follow_up, folder, user):
    _, task, _ = follow_up
    gxj = user("gxj")
    own = services.record_follow_up(gxj, task, "配合完成", 10, TODAY)
    assert store_evidence(gxj, task, own, upload(PDF, "a.pdf")).follow_up_id == own.id


def test_a_file_exactly_at_the_limit_is_accepted(follow_up, folder, app, monkeypatch):
    kjj, task, fu = follow_up
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_MB", 1)
    data = PDF + b"0" * (1024 * 1024 - len(PDF))
    assert store_evidence(kjj, task, fu, upload(data, "a.pdf")).size == 1024 * 1024


def test_uploaded_path_parts_never_reach_the_stored_path(follow_up, folder):
    kjj, task, fu = follow_up
    evidence = store_evidence(kjj, task, fu, upload(PDF, "..\\..\\../../etc/cron.d/报告\x07.pdf"))
    assert evidence.filename == "报告.pdf"
    assert ".." not in evidence.stored_name and "报告" not in evidence.stored_name
    assert stored_files(folder) == [evidence.stored_name]


def test_default_folder_is_instance_uploads(follow_up, app, monkeypatch, tmp_path):
    kjj, task, fu = follow_up
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", None)
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "instance"))
    evidence = store_evidence(kjj, task, fu, upload(PDF, "a.pdf"))
    assert evidence_path(evidence).startswith(str(tmp_path / "instance" / "uploads") + os.sep)


# --- refused ------------------------------------------------------------------------------------------------

def test_too_large_file_is_refused_whatever_content_length_claims(follow_up, folder, app, monkeypatch):
    kjj, task, fu = follow_up
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_MB", 1)
    data = PDF + b"0" * (1024 * 1024)
    error = refused(kjj, task, fu, upload(data, "大文件.pdf", content_length=100), folder)
    assert error.status == 413 and error.code == "too_large"
    assert error.message == "附件“大文件.pdf”超过 1 MB 的大小限制，请压缩或拆分后再上传。"


def test_limit_given_as_text_in_the_environment_still_applies(follow_up, folder, app, monkeypatch):
    kjj, task, fu = follow_up
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_MB", "1")
    error = refused(kjj, task, fu, upload(PDF + b"0" * (1024 * 1024), "a.pdf"), folder)
    assert error.status == 413 and "1 MB" in error.message
    assert allowed_description().endswith("单个文件不超过 1 MB。")


def test_default_limit_is_10_mb(follow_up, folder):
    kjj, task, fu = follow_up
    error = refused(kjj, task, fu, upload(PDF + b"0" * (10 * 1024 * 1024), "a.pdf"), folder)
    assert error.status == 413 and "10 MB" in error.message
    assert "10 MB" in ALLOWED_DESCRIPTION and "OFD" in ALLOWED_DESCRIPTION and "WPS" in ALLOWED_DESCRIPTION


@pytest.mark.parametrize(("data", "name"), [
    pytest.param(EXE, "setup.exe", id="exe"),
    pytest.param(PDF, "报告.pdf.exe", id="double-extension"),
    pytest.param(PDF, "无扩展名", id="no-extension"),
    pytest.param(b"<script>alert(1)</script>", "page.html", id="html"),
])
def test_forbidden_extensions_are_refused(follow_up, folder, data, name):
    kjj, task, fu = follow_up
    error = refused(kjj, task, fu, upload(data, name), folder)
    assert error.code == "bad_type"
    assert error.message == f"不支持附件“{name}”的文件类型。{allowed_description()}"


@pytest.mark.parametrize(("data", "name"), [
    pytest.param(EXE, "报告.pdf", id="exe-renamed-pdf"),
    pytest.param(PNG, "照片.jpg", id="png-renamed-jpg"),
    pytest.param(PDF, "表格.xls", id="pdf-renamed-xls"),
    pytest.param(EXE, "说明.txt", id="binary-renamed-txt"),
    pytest.param(b"PK\x03\x04" + b"\x00" * 50, "方案.docx", id="broken-zip-docx"),
])
def test_files_whose_bytes_do_not_match_the_extension_are_refused(follow_up, folder, data, name):
    kjj, task, fu = follow_up
    error = refused(kjj, task, fu, upload(data, name), folder)
    assert error.code == "bad_type" and f"附件“{name}”" in error.message


def test_a_zip_that_is_not_an_office_document_is_refused_and_removed(follow_up, folder):
    kjj, task, fu = follow_up
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.js", "alert(1)")
    error = refused(kjj, task, fu, upload(archive.getvalue(), "方案.docx"), folder)
    assert error.message.startswith("附件“方案.docx”不是有效的 .docx 文件")


def test_empty_file_is_refused(follow_up, folder):
    kjj, task, fu = follow_up
    error = refused(kjj, task, fu, upload(b"", "空.pdf"), folder)
    assert error.code == "empty" and error.message == "附件“空.pdf”是空文件，请检查后重新选择。"


def test_no_file_selected_is_refused(follow_up, folder):
    kjj, task, fu = follow_up
    assert refused(kjj, task, fu, upload(b"", ""), folder).message == "请选择要上传的文件。"


def test_unwritable_upload_folder_is_a_503_with_no_row_and_no_file(follow_up, app, monkeypatch, tmp_path):
    kjj, task, fu = follow_up
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a regular file")
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(blocker / "uploads"))
    before = evidence_count()
    with pytest.raises(ServiceError) as caught:
        store_evidence(kjj, task, fu, upload(PDF, "报告.pdf"))
    assert caught.value.status == 503 and caught.value.code == "storage_unavailable"
    assert caught.value.message.startswith("附件“报告.pdf”保存失败") and "联系管理员" in caught.value.message
    assert evidence_count() == before
    assert sorted(os.listdir(tmp_path)) == ["not-a-folder"]


def test_disk_failure_while_storing_removes_the_partial_file(follow_up, folder, monkeypatch):
    kjj, task, fu = follow_up

    def disk_full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(uploads.os, "replace", disk_full)
    error = refused(kjj, task, fu, upload(PDF, "报告.pdf"), folder)
    assert error.status == 503


def test_failure_after_the_file_is_stored_removes_it(follow_up, folder, monkeypatch):
    kjj, task, fu = follow_up

    def broken(*args, **kwargs):
        raise RuntimeError("audit failed")

    monkeypatch.setattr(files, "record_change", broken)
    with pytest.raises(RuntimeError):
        store_evidence(kjj, task, fu, upload(PDF, "a.pdf"))
    assert stored_files(folder) == []


def test_only_the_follow_ups_own_unit_may_attach_evidence(follow_up, folder, user):
    kjj, task, fu = follow_up
    before = evidence_count()
    for username in ("gxj", "fgw", "fushizhang"):  # the co-unit, an unrelated unit, a leader
        with pytest.raises(PermissionDenied):
            store_evidence(user(username), task, fu, upload(PDF, "a.pdf"))
    assert evidence_count() == before
    assert not os.path.exists(folder)


def test_a_follow_up_of_another_task_is_refused(follow_up, folder, user):
    kjj, task, fu = follow_up
    other = services.assign_task(user("admin"), title="另一事项", lead_unit=unit("市科技局"),
                                 due_on=date(2026, 3, 31), today=TODAY)
    error = refused(kjj, other, fu, upload(PDF, "a.pdf"), folder)
    assert error.message == "该进展反馈不属于这个事项。"


# --- reading and cleaning up --------------------------------------------------------------------------------

def test_evidence_path_refuses_names_outside_the_folder_and_missing_files(follow_up, folder):
    kjj, task, fu = follow_up
    evidence = store_evidence(kjj, task, fu, upload(PDF, "a.pdf"))
    good = evidence.stored_name
    for bad in ("../../etc/passwd", "/etc/passwd", "2026-03/../../x.pdf", ""):
        evidence.stored_name = bad
        with pytest.raises(ServiceError) as caught:
            evidence_path(evidence)
        assert caught.value.status == 404
    evidence.stored_name = good
    assert delete_stored(good) is True
    assert delete_stored(good) is False
    with pytest.raises(ServiceError):
        evidence_path(evidence)
    assert delete_stored("../../etc/passwd") is False


# --- through the page: several files in one follow-up ----------------------------------------------------------

@pytest.fixture
def signed_in_task(client, login_as, user, clock):
    """A task 市科技局 has accepted, with 市科技局's staff signed in to the pages."""
    task = services.assign_task(user("admin"), title="附多份佐证材料的事项", lead_unit=unit("市科技局"),
                                due_on=date(2026, 3, 31), today=TODAY)
    services.accept_task(user("kjj"), task)
    db.session.commit()
    login_as("kjj")
    return task


def test_a_follow_up_whose_second_file_is_refused_keeps_neither_the_follow_up_nor_the_first_file(
        client, signed_in_task, folder):
    task = signed_in_task
    response = client.post(f"/tasks/{task.id}/follow-up", content_type="multipart/form-data", data={
        "text": "附两份材料", "percent": "40",
        "files": [(io.BytesIO(PDF), "现场照片说明.pdf"), (io.BytesIO(EXE), "伪装成文档.pdf")]})
    # the form accepts both names; the store refuses the second when it reads its bytes
    assert response.status_code == 422  # the page again, with the refusal
    assert "伪装成文档.pdf" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 0
    assert db.session.scalars(sa.select(FollowUp.text).where(FollowUp.task_id == task.id)).all() == []
    assert not os.path.exists(folder) or stored_files(folder) == []  # the stored PDF was removed again


def test_a_follow_up_with_two_accepted_files_stores_both(client, signed_in_task, folder):
    task = signed_in_task
    response = client.post(f"/tasks/{task.id}/follow-up", content_type="multipart/form-data", data={
        "text": "附两份材料", "percent": "40", "files": [(io.BytesIO(PDF), "说明.pdf"), (io.BytesIO(PNG), "照片.png")]})
    assert response.status_code == 302
    names = set(db.session.scalars(sa.select(Evidence.filename).where(Evidence.task_id == task.id)))
    assert names == {"说明.pdf", "照片.png"}
    assert len(stored_files(folder)) == 2
