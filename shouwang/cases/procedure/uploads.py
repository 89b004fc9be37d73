"""What a case's attachment may be, checked the same way on the page and through the API.

The signed authorisation is a scan or a photo: PDF, JPEG or PNG, recognised by its first bytes as
well as its name, so a renamed executable or a web page called ``scan.pdf`` is refused whichever
way it arrives.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from .declarations import MAX_UPLOAD_BYTES

ATTACHMENT_TYPES = {
    ".pdf": (b"%PDF-",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}


def attachment_problem(uploaded: Any) -> str | None:
    """Why ``uploaded`` may not be attached (type, size, content), or None when it may."""
    suffix = Path(getattr(uploaded, "name", "") or "").suffix.lower()
    if suffix not in ATTACHMENT_TYPES:
        return _("Upload a PDF, JPG or PNG file.")
    if (getattr(uploaded, "size", 0) or 0) > MAX_UPLOAD_BYTES:
        return _("The file is larger than %(limit)d MB.") % {"limit": MAX_UPLOAD_BYTES // (1024 * 1024)}
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    if not any(head.startswith(magic) for magic in ATTACHMENT_TYPES[suffix]):
        return _("The file's content is not a %(type)s file.") % {"type": suffix[1:].upper()}
    return None
