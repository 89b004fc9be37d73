"""Settings for the test suite: a fixed throw-away data key, tasks run inline, fast hashing."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SHOUWANG_DATA_KEY", "dGVzdC1vbmx5LWtleS1ub3Qtc2VjcmV0LTAxMjM0NTY=")
os.environ.setdefault("SHOUWANG_AUDIT_KEY", "dGVzdC1vbmx5LWF1ZGl0LWtleS1ub3Qtc2VjcmV0LTA=")
# The suite asks the API thousands of times a minute as a few users; the throttle's own tests set
# their rates.
os.environ.setdefault("SHOUWANG_API_THROTTLE_USER", "1000000/min")
os.environ.setdefault("SHOUWANG_API_THROTTLE_ANON", "1000000/min")

from .settings import *  # noqa: F403
from .settings import VAR_DIR

TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
UPLOAD_ROOT = VAR_DIR / "test-uploads"
# Audit anchors of this test process (never the demo's): tests that write anchors use their own folder.
SHOUWANG_AUDIT_ANCHOR_DIR = Path(tempfile.mkdtemp(prefix="shouwang-test-anchors-"))
# Backups written by tests (the nightly job run by the schedule tests) stay out of the demo's folder.
SHOUWANG_BACKUP_DIR = VAR_DIR / "test-backups"
# A fixed throw-away backup key, like the data key above (the nightly backup runs in the schedule tests).
SHOUWANG_BACKUP_KEY_FILE = VAR_DIR / "test-keys" / "backup.key"
if not SHOUWANG_BACKUP_KEY_FILE.exists():
    SHOUWANG_BACKUP_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
    _partial = SHOUWANG_BACKUP_KEY_FILE.with_name(f"backup.key.{os.getpid()}")
    _partial.write_text("dGVzdC1vbmx5LWJhY2t1cC1rZXktbm90LXNlY3JldC0=\n")
    _partial.replace(SHOUWANG_BACKUP_KEY_FILE)  # atomic: parallel test processes write the same key
