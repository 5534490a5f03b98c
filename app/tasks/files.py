"""Evidence files (佐证材料) attached to follow-ups, stored outside the web root by `app.core.uploads`.

The Evidence row is added and flushed; as everywhere, the caller commits. If the transaction is rolled back
instead — a refusal, or the database going away before or during the commit — the files stored in it are removed
(app.core.uploads.removed_on_rollback), so no file outlives its row.
"""

import logging
import os

from app.core.audit import record_change
from app.core.errors import PermissionDenied, ServiceError
from app.core.uploads import remove_quietly, removed_on_rollback, save_upload, stored_file_path, upload_folder
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
    removed_on_rollback(stored_name)
    return evidence


def evidence_path(evidence) -> str:
    """The file of an Evidence row, for send_file (see `app.core.uploads.stored_file_path`)."""
    return stored_file_path(evidence)
