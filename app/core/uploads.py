"""Where uploaded files live: the one rule, shared by the evidence and attachment store (app.tasks.files) and the
backup (app.core.backup), which must agree on it."""

import os

from flask import current_app


def upload_folder() -> str:
    """UPLOAD_FOLDER, or `<instance folder>/uploads` when it is not set."""
    return current_app.config.get("UPLOAD_FOLDER") or os.path.join(current_app.instance_path, "uploads")
