"""Evidence files (佐证材料) attached to follow-ups, stored outside the web root by `app.core.uploads`.

The Evidence row is added and flushed; as everywhere, the caller commits. If the transaction is rolled back
instead — a refusal, or the database going away before or during the commit — the files stored in it are removed
(a session event), so no file outlives its row.
"""

import logging
import os

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core.audit import record_change
from app.core.errors import PermissionDenied, ServiceError
from app.core.uploads import remove_quietly, save_upload, stored_file_path, upload_folder
from app.extensions import db
from app.tasks import services
from app.tasks.models import Evidence

log = logging.getLogger(__name__)


def store_evidence(actor, task, follow_up, file_storage) -> Evidence:
    """Check and store one uploaded file (a werkzeug FileStorage) as evidence of `follow_up` on `task` (the
    follow-up may be None for evidence on the task itself). Raises ServiceError (Chinese) when the actor may not
    attach it, the file is empty, too large or not of an allowed type, or the disk refuses it; nothing is left
    on disk or in the session then. Returns the flushed Evidence."""
    if follow_up is not None and follow_up.task_id != task.id:
        raise ServiceError("该进展反馈不属于这个事项。", field="files")
    if not services.is_party_staff(actor, task) or (follow_up is not None and follow_up.unit_id != actor.unit_id):
        raise PermissionDenied("只有该事项的承办单位可以为本单位的进展反馈上传附件。")
    saved = save_upload(file_storage)
    name, stored_name, size = saved.filename, saved.stored_name, saved.size
    final_path = os.path.join(upload_folder(), *stored_name.split("/"))
    evidence = Evidence(task_id=task.id, follow_up_id=follow_up.id if follow_up is not None else None,
                        filename=name, stored_name=stored_name, content_type=saved.content_type, size=size,
                        sha256=saved.sha256, uploaded_by_id=getattr(actor, "id", None))
    try:
        db.session.add(evidence)
        db.session.flush()
        record_change(actor, "evidence.upload", evidence, None, {
            "task_id": task.id, "follow_up_id": evidence.follow_up_id, "filename": name, "size": size,
            "sha256": evidence.sha256, "stored_name": stored_name})
    except Exception:
        remove_quietly(final_path)
        raise
    db.session.info.setdefault(UNCOMMITTED_FILES, []).append(final_path)
    return evidence


UNCOMMITTED_FILES = "tasks.evidence_files"  # session.info key: files stored in the session's open transaction


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
    for path in session.info.pop(UNCOMMITTED_FILES, ()):
        log.info("removing evidence file %s: its transaction was rolled back", path)
        remove_quietly(path)


def evidence_path(evidence) -> str:
    """The file of an Evidence row, for send_file (see `app.core.uploads.stored_file_path`)."""
    return stored_file_path(evidence)
