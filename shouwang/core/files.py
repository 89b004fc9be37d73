"""Files that hold personal data at rest: uploads waiting for their import, exports, the SQLite
database. They are created readable by the service's own account only (files 0600, folders 0700)
and do not outlive their use: an upload is deleted when its job ends and swept after
``SHOUWANG_UPLOAD_KEEP_HOURS`` whatever happened; exports are swept by their part
(security.md 剩余信息保护, G23).

Modes are set explicitly (``os.open`` with 0600, then ``fchmod``) rather than through a process
umask: the same processes write the static files a reverse proxy must read, and a umask in one
entry point is lost in another (a test runner, a WSGI server).
"""

from __future__ import annotations

import datetime
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

FILE_MODE = 0o600
DIR_MODE = 0o700
SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def private_dir(path: str | Path) -> Path:
    """The folder, created if needed, readable by the service's account only."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if folder.stat().st_mode & 0o777 != DIR_MODE:
        os.chmod(folder, DIR_MODE)
    return folder


def open_private(path: str | Path, *, exclusive: bool = False) -> IO[bytes]:
    """Open ``path`` for writing bytes, created (or truncated) with mode 0600 from the start."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # an existing file keeps its old mode through O_TRUNC
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "wb")


def make_private(path: str | Path) -> None:
    """Create ``path`` empty with mode 0600 (or set an existing file's mode), for a writer that
    opens the file by name itself (xlsxwriter): it truncates the file and keeps the mode."""
    open_private(path).close()


def upload_root() -> Path:
    """Where uploaded files wait for their import job (outside the web root), 0700."""
    return private_dir(settings.UPLOAD_ROOT)


def sweep(root: str | Path, max_age: Callable[[Path], datetime.timedelta | None],
          now: datetime.datetime | None = None) -> int:
    """Delete the files directly in ``root`` older than ``max_age(path)`` (None: keep); returns
    how many were deleted. A file another process deletes meanwhile is skipped."""
    folder = Path(root)
    if not folder.is_dir():
        return 0
    moment = (now or timezone.now()).timestamp()
    removed = 0
    for path in folder.iterdir():
        try:
            if not path.is_file():
                continue
            age = max_age(path)
            if age is not None and path.stat().st_mtime < moment - age.total_seconds():
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
        except OSError:
            logger.warning("could not sweep %s", path.name)
    return removed


def sweep_uploads(now: datetime.datetime | None = None) -> int:
    """Delete uploaded files older than ``SHOUWANG_UPLOAD_KEEP_HOURS`` (an import that never ran,
    or whose worker died before it could delete them)."""
    keep = datetime.timedelta(hours=int(settings.SHOUWANG_UPLOAD_KEEP_HOURS))
    return sweep(settings.UPLOAD_ROOT, lambda path: keep, now)


def protect_sqlite_files(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: the SQLite database file and its WAL, shared-memory and
    journal files get mode 0600. SQLite creates a WAL or journal file later with the database
    file's mode, so setting the database's once covers those too."""
    if getattr(connection, "vendor", "") != "sqlite" or connection.is_in_memory_db():
        return
    name = str(connection.settings_dict["NAME"])
    for suffix in SQLITE_SUFFIXES:
        try:
            if os.stat(name + suffix).st_mode & 0o777 != FILE_MODE:
                os.chmod(name + suffix, FILE_MODE)
        except FileNotFoundError:
            continue
        except OSError:
            logger.warning("could not restrict the mode of %s", name + suffix)


_SWEEPERS: dict[str, Callable[[datetime.datetime | None], int]] = {"uploads": sweep_uploads}


def register_sweeper(name: str, sweeper: Callable[[datetime.datetime | None], int]) -> None:
    """Add a part's sweep (its own files, its own keep periods) to the periodic file sweep."""
    _SWEEPERS[name] = sweeper


def sweep_all(now: datetime.datetime | None = None) -> dict[str, int]:
    """Run every registered sweep; returns the files deleted by each."""
    return {name: sweeper(now) for name, sweeper in sorted(_SWEEPERS.items())}
