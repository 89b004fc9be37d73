"""Settings for the test suite: a fixed throw-away data key, tasks run inline, fast hashing."""

from __future__ import annotations

import os

os.environ.setdefault("SHOUWANG_DATA_KEY", "dGVzdC1vbmx5LWtleS1ub3Qtc2VjcmV0LTAxMjM0NTY=")

from .settings import *  # noqa: F403
from .settings import VAR_DIR

TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
UPLOAD_ROOT = VAR_DIR / "test-uploads"
