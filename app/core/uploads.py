"""Uploaded files: where they live, and how one is checked and stored. Follow-up evidence (app.tasks.files) and
meeting-record attachments (app.meetings) are stored here alike; the backup (app.core.backup) must agree on the
folder.

A file is accepted only when its extension is on the list AND its first bytes are what that type begins with
(the browser's content type is never trusted). It is streamed, with a size cap, to a temporary file in the
upload folder (`<UPLOAD_FOLDER>/<YYYY-MM>/<random>.<ext>`; nothing of the uploaded name reaches the path), then
moved into place with os.replace, so a reader never sees half a file. The row that names the file is the
caller's to add.
"""

import contextlib
import hashlib
import logging
import os
import re
import secrets
import tempfile
import zipfile
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.core.clock import get_clock
from app.core.errors import ServiceError
from app.extensions import db

log = logging.getLogger(__name__)


def upload_folder() -> str:
    """UPLOAD_FOLDER, or `<instance folder>/uploads` when it is not set."""
    return current_app.config.get("UPLOAD_FOLDER") or os.path.join(current_app.instance_path, "uploads")


DEFAULT_MAX_MB = 10
CHUNK = 64 * 1024
FILENAME_MAX = 200

PDF = (b"%PDF-",)
JPEG = (b"\xff\xd8\xff",)
PNG = (b"\x89PNG\r\n\x1a\n",)
GIF = (b"GIF87a", b"GIF89a")
OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # the compound-file container of doc, xls, ppt and wps
ZIP = (b"PK\x03\x04",)  # docx, xlsx, pptx and ofd are zip packages

# extension -> (MIME type sent back on download, accepted leading bytes (None: plain text), required zip member)
ALLOWED_TYPES = {
    "pdf": ("application/pdf", PDF, None),
    "jpg": ("image/jpeg", JPEG, None),
    "jpeg": ("image/jpeg", JPEG, None),
    "png": ("image/png", PNG, None),
    "gif": ("image/gif", GIF, None),
    "doc": ("application/msword", OLE, None),
    "xls": ("application/vnd.ms-excel", OLE, None),
    "ppt": ("application/vnd.ms-powerpoint", OLE, None),
    "wps": ("application/vnd.ms-works", OLE, None),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP, "[Content_Types].xml"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP, "[Content_Types].xml"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ZIP,
             "[Content_Types].xml"),
    "ofd": ("application/ofd", ZIP, "OFD.xml"),
    "txt": ("text/plain", None, None),
}
ALLOWED_EXTENSIONS = tuple(ALLOWED_TYPES)
ACCEPT = ",".join("." + ext for ext in ALLOWED_EXTENSIONS)  # for <input type="file" accept="...">
TYPES_TEXT = "PDF、图片（JPG、PNG、GIF）、Word（DOC、DOCX）、Excel（XLS、XLSX）、PPT（PPT、PPTX）、WPS、OFD、TXT"
STORED_NAME = re.compile(r"\d{4}-\d{2}/[0-9a-f]{32}\.[a-z]{2,4}")
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def allowed_description(max_mb=None) -> str:
    """The sentence shown under the file field, with the configured size limit."""
    if max_mb is None:
        max_mb = max_upload_mb()
    return f"可上传 {TYPES_TEXT} 文件，单个文件不超过 {max_mb} MB。"


ALLOWED_DESCRIPTION = allowed_description(DEFAULT_MAX_MB)  # with the default limit; see allowed_description()


def max_upload_mb():
    """EVIDENCE_MAX_MB as a number (it may come from the environment as text); the default when unusable."""
    try:
        value = float(current_app.config.get("EVIDENCE_MAX_MB") or DEFAULT_MAX_MB)
    except (TypeError, ValueError):
        value = DEFAULT_MAX_MB
    if value <= 0:
        value = DEFAULT_MAX_MB
    return int(value) if float(value).is_integer() else value


def display_name(filename) -> str:
    """The uploaded name for display only: last path part, no control characters, at most 200 characters
    (keeping the extension)."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip() or "附件"
    if len(name) > FILENAME_MAX:
        stem, dot, ext = name.rpartition(".")
        name = stem[: FILENAME_MAX - len(ext) - 1] + dot + ext if dot and len(ext) <= 10 else name[:FILENAME_MAX]
    return name


def extension(name) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def looks_like(ext, head: bytes) -> bool:
    _, magics, _ = ALLOWED_TYPES[ext]
    if magics is not None:
        return head.startswith(magics)
    # Plain text has no signature: refuse NUL bytes (binaries) unless the file is UTF-16 with its BOM.
    return head.startswith(UTF16_BOMS) or b"\x00" not in head


def package_ok(path, member) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return member in archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        return False


def remove_quietly(path):
    if path is None:
        return
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
    except OSError:
        log.warning("could not remove %s", path, exc_info=True)


def _storage_failed(name):
    return ServiceError(f"附件“{name}”保存失败：服务器存储暂不可用（磁盘已满或上传目录不可写），本次提交未保存。"
                        "请稍后重试；如仍失败，请联系管理员。", field="files", code="storage_unavailable", status=503)


@dataclass(frozen=True)
class SavedFile:
    """A checked upload moved into place under the upload folder (its row is the caller's to add)."""

    filename: str
    stored_name: str
    content_type: str
    size: int
    sha256: str


def save_upload(file_storage, field="files") -> SavedFile:
    """Check one uploaded file (a werkzeug FileStorage) and store it under the upload folder: ServiceError
    (Chinese) when it is missing, empty, too large or not of an allowed type, or the disk refuses it; nothing is
    left on disk then. Used for follow-up evidence and for meeting-record attachments alike."""
    if file_storage is None or not file_storage.filename:
        raise ServiceError("请选择要上传的文件。", field=field)
    name = display_name(file_storage.filename)
    ext = extension(name)
    if ext not in ALLOWED_TYPES:
        raise ServiceError(f"不支持附件“{name}”的文件类型。{allowed_description()}", field=field,
                           code="bad_type")
    max_mb = max_upload_mb()
    limit = int(max_mb * 1024 * 1024)
    stream = file_storage.stream
    with contextlib.suppress(AttributeError, OSError, ValueError):
        stream.seek(0)  # a size validator may have read it already
    head = stream.read(CHUNK)
    if not head:
        raise ServiceError(f"附件“{name}”是空文件，请检查后重新选择。", field=field, code="empty")
    if not looks_like(ext, head):
        raise ServiceError(f"附件“{name}”的内容与扩展名 .{ext} 不符，可能已损坏或被改了扩展名。请上传原始文件。"
                           f"{allowed_description(max_mb)}", field=field, code="bad_type")

    month = get_clock().local_now().strftime("%Y-%m")
    stored_name = f"{month}/{secrets.token_hex(16)}.{ext}"
    root = upload_folder()
    final_path = os.path.join(root, *stored_name.split("/"))
    temp_path = None
    digest = hashlib.sha256()
    size = 0
    try:
        os.makedirs(os.path.dirname(final_path), exist_ok=True)
        fd, temp_path = tempfile.mkstemp(prefix=".upload-", suffix=".part", dir=os.path.dirname(final_path))
        with os.fdopen(fd, "wb") as out:
            chunk = head
            while chunk:
                size += len(chunk)
                if size > limit:
                    break
                digest.update(chunk)
                out.write(chunk)
                chunk = stream.read(min(CHUNK, limit + 1 - size))
            if size <= limit:
                out.flush()
                os.fsync(out.fileno())
        if size > limit:
            raise ServiceError(f"附件“{name}”超过 {max_mb} MB 的大小限制，请压缩或拆分后再上传。", field=field,
                               code="too_large", status=413)
        member = ALLOWED_TYPES[ext][2]
        if member is not None and not package_ok(temp_path, member):
            raise ServiceError(f"附件“{name}”不是有效的 .{ext} 文件，可能已损坏或被改了扩展名。请上传原始文件。",
                               field=field, code="bad_type")
        os.replace(temp_path, final_path)
        temp_path = None
    except OSError:
        log.exception("could not store an upload under %s", root)
        raise _storage_failed(name) from None
    finally:
        remove_quietly(temp_path)  # a partial or refused file; None once moved into place
    return SavedFile(name, stored_name, ALLOWED_TYPES[ext][0], size, digest.hexdigest())



def stored_path(stored_name) -> str | None:
    """The absolute path of a stored name, or None when the name is malformed or points outside the folder."""
    if not isinstance(stored_name, str) or not STORED_NAME.fullmatch(stored_name):
        return None
    root = os.path.realpath(upload_folder())
    path = os.path.realpath(os.path.join(root, *stored_name.split("/")))
    if os.path.commonpath([root, path]) != root:
        return None
    return path


def stored_file_path(row) -> str:
    """The file of a row naming a stored upload (an Evidence, a RecordAttachment), for send_file (with
    download_name=row.filename, as_attachment=True and mimetype=row.content_type). ServiceError 404 when the name
    is not one this module made or the file is gone."""
    path = stored_path(row.stored_name)
    if path is None or not os.path.isfile(path):
        log.warning("evidence %s: file %r missing", row.id, row.stored_name)
        raise ServiceError("附件文件不存在或已被移除，请联系千百十办。", code="not_found", status=404)
    return path


def delete_stored(stored_name) -> bool:
    """Remove a stored file (after the transaction that created its row failed). True if removed."""
    path = stored_path(stored_name)
    if path is None:
        return False
    try:
        os.remove(path)
    except FileNotFoundError:
        return False
    except OSError:
        log.warning("could not remove evidence file %s", path, exc_info=True)
        return False
    return True



# --- files and the transaction ------------------------------------------------------------------------------------
# A stored file belongs to the unit of work that stored it: when that transaction is rolled back (a refusal by a later
# check, a second file refused, a failing commit), the file goes too, so that no file is left that no row names.

UNCOMMITTED_FILES = "core.uncommitted_files"  # session.info key: files stored in the session's open transaction


def removed_on_rollback(stored_name):
    """Note that `stored_name` was stored in the current transaction: it is removed if that transaction rolls
    back, and kept once it commits."""
    db.session.info.setdefault(UNCOMMITTED_FILES, []).append(stored_name)


# Both events also fire for a savepoint (begin_nested); the files belong to the whole transaction, so only its end
# decides. (A file stored inside a savepoint that is rolled back alone stays until the whole transaction ends.)
@sa.event.listens_for(Session, "after_commit")
def _keep_committed_files(session):
    if not session.in_nested_transaction():
        session.info.pop(UNCOMMITTED_FILES, None)


@sa.event.listens_for(Session, "after_rollback")
def _remove_rolled_back_files(session):
    if session.in_nested_transaction():
        return
    for name in session.info.pop(UNCOMMITTED_FILES, ()):
        log.info("removing stored file %s: its transaction was rolled back", name)
        delete_stored(name)
