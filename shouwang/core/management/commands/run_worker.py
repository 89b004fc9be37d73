"""``manage.py run_worker``: run the task worker (``db_worker``) as a child and restart it when it dies.

    manage.py run_worker                         # the supervised worker, until stopped
    manage.py run_worker -- --queue-name '*'     # arguments after -- go to db_worker

The supervisor itself runs no task. When a worker dies, before it starts one (the first time and
after each death) and every ``--recover-every`` seconds meanwhile, it ends the jobs whose worker died
(:func:`shouwang.core.jobs.recover_abandoned`: failed with a message for the user, or queued again
for the kinds that are safe to repeat). A worker that dies is started again after a pause that
doubles from ``--backoff`` up to ``--max-backoff`` seconds while it keeps dying young, and starts
from ``--backoff`` again once a worker has lived a minute.

SIGTERM or SIGINT (Ctrl-C) is passed on to the worker once: it finishes the task it runs, then
exits, and so does the supervisor. The worker runs in a session of its own (a terminal's Ctrl-C
reaches it only through the supervisor) and is sent SIGTERM if the supervisor dies (Linux). Under
systemd, use ``KillMode=mixed`` so that a stop signals the supervisor only, not the worker twice.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, connections

from shouwang.core import jobs

logger = logging.getLogger("shouwang.core.worker")

HEALTHY_SECONDS = 60.0  # a worker that lived this long starts the backoff from the beginning


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the worker gets SIGTERM when its supervisor dies (prctl PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


def _child_setup() -> None:  # pragma: no cover - runs in the child between fork and exec
    """The worker runs below the web server's priority (``SHOUWANG_WORKER_NICE``): a county import
    takes a core for a minute, and the pages of the people at work come first."""
    with contextlib.suppress(OSError):
        os.nice(settings.SHOUWANG_WORKER_NICE)
    if sys.platform == "linux":
        _die_with_parent()


class Command(BaseCommand):
    help = "Run the background-task worker, restarting it when it dies, and recover the jobs of a dead worker."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--backoff", type=float, default=1.0, help="first pause before a restart (s)")
        parser.add_argument("--max-backoff", type=float, default=60.0, help="longest pause before a restart (s)")
        parser.add_argument("--recover-every", type=float, default=30.0,
                            help="seconds between looks for abandoned jobs while the worker runs")
        parser.add_argument("worker_args", nargs="*", help="arguments for db_worker (after --)")

    def handle(self, *args: Any, **opts: Any) -> None:
        self.stopping = False
        self.child: subprocess.Popen | None = None
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        backoff = first = max(0.05, opts["backoff"])
        command = [sys.executable, "-m", "django", "db_worker", "--no-reload", *opts["worker_args"]]
        count = 0
        while not self.stopping:
            self._recover()
            started = time.monotonic()
            count += 1
            # A worker id of our own: when this worker dies, the tasks it claimed are known to be its.
            worker_id = f"{socket.gethostname()[:32]}-{os.getpid()}-{count}-{secrets.token_hex(4)}"
            self.child = subprocess.Popen([*command, "--worker-id", worker_id], cwd=settings.BASE_DIR,
                                          start_new_session=True,
                                          preexec_fn=_child_setup)
            self.stdout.write(f"worker started: pid {self.child.pid}")
            self.stdout.flush()
            code = self._watch(self.child, opts["recover_every"])
            if self.stopping:
                break
            self._recover(worker_id)  # its jobs end now, not after the pause
            lived = time.monotonic() - started
            backoff = first if lived >= HEALTHY_SECONDS else backoff
            self.stderr.write(f"worker pid {self.child.pid} exited with {code} after {lived:.1f} s; "
                              f"restarting in {backoff:.1f} s")
            self.stderr.flush()
            self._sleep(backoff)
            backoff = min(backoff * 2, max(first, opts["max_backoff"]))
        self.stdout.write("supervisor stopped")

    def _watch(self, child: subprocess.Popen, recover_every: float) -> int:
        last = time.monotonic()
        while True:
            try:
                return child.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                pass
            if self.stopping:
                continue  # the worker finishes its task; wait for it
            if time.monotonic() - last >= recover_every:
                self._recover()
                last = time.monotonic()

    def _recover(self, dead_worker: str = "") -> None:
        try:
            if dead_worker:
                jobs.recover_worker(dead_worker)
            jobs.recover_abandoned()  # each recovered job is logged (shouwang.core.jobs)
        except DatabaseError:
            logger.exception("could not look for abandoned jobs; trying again later")
        finally:
            connections.close_all()  # hold no database file or connection between looks

    def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < end:
            time.sleep(min(0.2, end - time.monotonic()))

    def _stop(self, signum: int, frame: Any) -> None:
        first = not self.stopping
        self.stopping = True
        child = self.child
        if child is not None and child.poll() is None:
            # once: a graceful stop (the task finishes); a second signal forces it
            child.send_signal(signal.SIGTERM)
        if not first:
            self.stderr.write("stopping: waiting for the worker to finish its task")
