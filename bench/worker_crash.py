"""Worker-crash benchmark: SIGKILL the task worker at random points of registry imports, N times.

    python bench/worker_crash.py [--trials 50] [--households 2000] [--database sqlite|postgresql] [--keep]

1. a temporary folder (SQLite file; on PostgreSQL the SHOUWANG_DB_* variables), ``migrate``, the
   Luxi regions, a county officer, and the supervised worker (``manage.py run_worker``, a real
   process tree, lease ``--lease`` seconds);
2. one import of ``--households`` households without a kill: its duration is the window of the kills;
3. ``--trials`` times: a committing import of new households (numbers and ID numbers of their own)
   is queued; once it runs, the worker is killed with SIGKILL after a random time, uniform over
   the measured duration (reading the file, checking, committing, or already done).

Each trial checks what ``security.md`` G1/G9 ask: the job reaches a terminal state (failed with
the "worker stopped" message, or succeeded when the kill came after its commit); its households
are all there or none (0 partial batches); its upload is gone; no lease and no task result is
left running; and the supervisor started a new worker. Printed: counts, the seconds from the kill
to the job's end, and the restarts. The small version of this (one kill inside the commit) runs in
``make test``: shouwang/core/tests/test_worker_crash.py.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from common import argument_parser, finish, prepare_database, print_table, start_bench


def parse_args():
    parser = argument_parser(__doc__)
    parser.set_defaults(households=2000)
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--lease", type=int, default=5, help="SHOUWANG_JOB_LEASE_SECONDS of the worker")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return parser.parse_args()


def registry_file(path: Path, trial: int, households: int) -> Path:
    from shouwang.registry.imports.tests.registry_files import household, write_xlsx

    rows = []
    for h in range(households):
        rows += household(f"T{trial:03d}-{h:05d}", (trial * households + h) * 4 + 1, size=3)
    return write_xlsx(path, rows)


def queue(user, source: Path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from shouwang.registry.imports.tasks import start_import

    with transaction.atomic():
        return start_import(user, [SimpleUploadedFile(source.name, source.read_bytes())], commit=True,
                            allow_partial=False)


def wait(condition, seconds: float):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    return None


def status(job) -> str:
    job.refresh_from_db(fields=["status", "message"])
    return job.status


def idle() -> bool:
    from shouwang.core.models import Job

    return not Job.objects.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).exists()


def worker_pids(log: Path) -> list[int]:
    return [int(line.rsplit(" ", 1)[1]) for line in log.read_text().splitlines()
            if line.startswith("worker started: pid")]


def main() -> None:
    args = parse_args()
    workdir = start_bench(args.database, "shouwang-crash-")
    from django.conf import settings
    from django.db import connections

    from shouwang.accounts.models import User
    from shouwang.core import jobs
    from shouwang.core.models import Job, JobLease
    from shouwang.registry.models import Household

    prepare_database(args.database)
    user = User.objects.create(username="crash_county", role="county", region_id="433122")
    connections.close_all()
    log = workdir / "supervisor.log"
    env = {**os.environ, "SHOUWANG_JOB_LEASE_SECONDS": str(args.lease)}
    supervisor = subprocess.Popen(
        # (a short longest pause: the trials kill a young worker again and again, on purpose)
        [sys.executable, "-m", "django", "run_worker", "--backoff", "0.2", "--max-backoff", "1", "--recover-every", "1",
         "--", "--interval", "0.1", "--no-startup-delay"],
        cwd=settings.BASE_DIR, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    outcomes: dict[str, int] = {"failed with the message": 0, "succeeded (killed after the commit)": 0,
                                "other": 0}
    partial = leftovers = stuck = 0
    recovery: list[float] = []
    others: list[str] = []
    try:
        wait(lambda: worker_pids(log), 60)
        clean = queue(user, registry_file(workdir / "clean.xlsx", 999, args.households))
        wait(lambda: status(clean) != "queued", 60)
        t0 = time.monotonic()  # the window of the kills: from the start of the job to its end
        wait(lambda: status(clean) in ("succeeded", "failed"), 600)
        window = time.monotonic() - t0
        print(f"one import of {args.households:,} households without a kill: {window:.1f} s ({clean.status})")
        rng = random.Random(args.seed)
        for trial in range(args.trials):
            wait(idle, 300)  # the screening a commit queues runs first
            source = registry_file(workdir / f"t{trial}.xlsx", trial, args.households)
            job = queue(user, source)
            upload = Path(settings.UPLOAD_ROOT) / job.params["files"][0]["path"]
            if not wait(lambda job=job: status(job) != "queued", 60):
                stuck += 1
                continue
            time.sleep(rng.uniform(0, window))
            started = worker_pids(log)
            os.kill(started[-1], signal.SIGKILL)
            killed = time.monotonic()
            if not wait(lambda job=job: status(job) in ("succeeded", "failed"), 120):
                stuck += 1
                continue
            recovery.append(time.monotonic() - killed)
            if job.status == "failed" and job.message == jobs.WORKER_LOST:
                outcomes["failed with the message"] += 1
            elif job.status == "succeeded":
                outcomes["succeeded (killed after the commit)"] += 1
            else:
                outcomes["other"] += 1
                others.append(f"{job.status}: {job.message} {job.error[-300:]}")
            written = Household.objects.filter(number__startswith=f"T{trial:03d}-").count()
            partial += written not in (0, args.households)
            leftovers += upload.exists() or JobLease.objects.filter(job=job).exists()
            source.unlink()
            connections.close_all()
            wait(lambda started=started: len(worker_pids(log)) > len(started), 60)  # the supervisor restarts it
    finally:
        supervisor.send_signal(signal.SIGTERM)
        try:
            supervisor.wait(timeout=60)
        except subprocess.TimeoutExpired:
            supervisor.kill()
    restarts = len(worker_pids(log)) - 1
    running_results = 0
    from django_tasks_db.models import DBTaskResult

    running_results = DBTaskResult.objects.filter(status="RUNNING").count()
    still_running = Job.objects.filter(status=Job.Status.RUNNING).count()
    recovery.sort()
    rows = [
        ("trials (SIGKILL of the worker)", f"{args.trials} × {args.households:,} households"),
        *[(name, f"{count}") for name, count in outcomes.items()],
        ("jobs not ended (stuck)", f"{stuck}  (goal 0)"),
        ("partial batches", f"{partial}  (goal 0)"),
        ("uploads or leases left", f"{leftovers}  (goal 0)"),
        ("jobs still running / task results running", f"{still_running} / {running_results}  (goal 0 / 0)"),
        ("workers restarted by the supervisor", f"{restarts}"),
        ("kill → job ended, median / max (s)",
         f"{recovery[len(recovery) // 2]:.2f} / {recovery[-1]:.2f}  (goal ≤ 60)" if recovery else "-"),
    ]
    print_table("worker crash", rows, 0)
    for line in others:
        print("other:", line)
    finish(workdir, args.keep)


if __name__ == "__main__":
    main()
