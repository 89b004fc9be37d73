"""Load: 50 staff at once over the main pages and the API, on the production configuration.

security.md G10/G11: at 50 concurrent users (think time 1–3 s) p95 ≤ 200 ms, p99 ≤ 300 ms, errors
< 0.1 %; while a registry import runs, p99 ≤ 500 ms. The script

1. seeds the lived-in demo (``seed_demo``, ``create_demo_users``, ``refresh_dashboards``, as ``make demo``
   does; ``--households`` sets the county's size) into a fresh folder, or takes one already seeded
   (``--var-dir``, which ``--keep`` leaves after a run);
2. serves it as production does: ``SHOUWANG_ENV=production`` (DEBUG off, secure cookies, HSTS), gunicorn
   with ``deploy/gunicorn.conf.py`` bound to loopback, the task worker (``run_worker``) beside it. The
   requests carry ``X-Forwarded-Proto: https``, which gunicorn trusts from loopback, as nginx sends it;
   the client keeps the secure cookies on that plain loopback connection;
3. runs locust headless in this process: ``--users`` staff sign in through the login page as the demo
   village, township and county accounts (in turn) and walk the home page, the work queue, the household
   list and households, the case list and cases, the warnings, the dashboard and the API lists, each
   waiting 1–3 s between pages;
4. measures two windows after every user has signed in: ``--duration`` seconds of that alone, then a
   registry import of ``--import-households`` households committed through the import job (queued as
   the import page does, run by the worker) with the same load, until the job ends (at most
   ``--duration`` × 3 seconds);
5. prints p50/p95/p99 and the error rate of each window against the goals, and the slowest pages.

Sign-in (a deliberately slow password hash) is reported on its own line, not in the figures. Accounts
that must show a second factor (county officers who may unmask, administrators) are not used: a session
that still owes its second factor reaches no page, and the script reports such an account as an error.

    .venv/bin/python bench/load.py                                  # 4,000 households, 50 users, 60 s + import
    .venv/bin/python bench/load.py --households 20000 --duration 120
    .venv/bin/python bench/load.py --users 2 --duration 5 --households 300 --import-households 200   # a smoke run
    bash scripts/pg-test.sh --run .venv/bin/python bench/load.py --database postgresql

Loopback only; the load generator runs on the same machine as the server and takes CPU from it.
"""

from __future__ import annotations

# locust patches the standard library for gevent: it is imported before anything that opens sockets.
from locust import HttpUser, between, task  # isort: skip
from locust.env import Environment  # isort: skip

import argparse
import itertools
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import gevent
import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
GOALS = {"p95": 200.0, "p99": 300.0, "errors": 0.1, "p99_import": 500.0}
ACCOUNTS = ("demo_village1", "demo_village2", "demo_township1", "demo_township2", "demo_leader")
IMPORT_USER = "demo_county"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=5.0, help="users started per second")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds measured without the import")
    parser.add_argument("--households", type=int, default=4000, help="demo county size when seeding")
    parser.add_argument("--import-households", type=int, default=20000, help="0: no import window")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--var-dir", type=Path, help="an already seeded var folder (its demo_users.json)")
    parser.add_argument("--keep", action="store_true", help="keep the seeded folder for the next run")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: deploy/gunicorn.conf.py's)")
    parser.add_argument("--accounts", default=",".join(ACCOUNTS), help="demo accounts the users sign in as")
    parser.add_argument("--seed", type=int, default=20240601)
    # Internal: the import, run in a process of its own with the server's environment.
    parser.add_argument("--make-import", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--run-import", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


# --- the server ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(var_dir: Path, database: str, production: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "shouwang.settings",
        "SHOUWANG_VAR_DIR": str(var_dir),
        "SHOUWANG_DB_ENGINE": database,
        "SHOUWANG_DATA_KEY_FILE": str(var_dir / "keys" / "data.key"),
        "SHOUWANG_ALLOWED_HOSTS": "127.0.0.1",
        "SHOUWANG_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    })
    if database == "sqlite":
        env["SHOUWANG_DB_NAME"] = str(var_dir / "shouwang.sqlite3")
    if production:
        secret = var_dir / "load-secret-key"
        if not secret.exists():
            secret.write_text(secrets.token_urlsafe(50))
            secret.chmod(0o600)
        env.update({"SHOUWANG_ENV": "production", "SHOUWANG_SECRET_KEY": secret.read_text().strip(),
                    "SHOUWANG_DEBUG": "0", "GUNICORN_ACCESS_LOG": str(var_dir / "load-access.log")})
    else:
        env.update({"SHOUWANG_ENV": "development", "SHOUWANG_DEBUG": "0"})
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def seed(var_dir: Path, args: argparse.Namespace) -> None:
    env = environment(var_dir, args.database, production=False)
    started = time.perf_counter()
    manage(env, "init_keys")
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_regions")
    manage(env, "seed_demo", "--households", str(args.households), "--seed", str(args.seed), "--replace")
    manage(env, "create_demo_users", "--reset")
    manage(env, "refresh_dashboards")
    print(f"seeded the demo county: {args.households:,} households in {time.perf_counter() - started:.0f} s")


def start_server(var_dir: Path, args: argparse.Namespace, port: int) -> list[subprocess.Popen]:
    env = environment(var_dir, args.database, production=True)
    manage(env, "collectstatic", "--noinput", "-v0")
    command = [PY, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT)]
    config = ROOT / "deploy" / "gunicorn.conf.py"
    if config.exists():
        command += ["--config", str(config)]
    else:
        command += ["--workers", str(min(2 * (os.cpu_count() or 1) + 1, 9)), "shouwang.wsgi:application"]
    if args.workers:
        command += ["--workers", str(args.workers)]
    log = open(var_dir / "load-server.log", "ab")  # noqa: SIM115 (open while the server runs)
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    # The worker as the service runs it: the supervisor (run_worker) where there is one.
    supervised = (ROOT / "shouwang" / "core" / "management" / "commands" / "run_worker.py").exists()
    worker = subprocess.Popen([PY, "manage.py", *(["run_worker"] if supervised else ["db_worker", "--no-reload"])],
                              cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and server.poll() is None:
            try:
                if requests.get(f"http://127.0.0.1:{port}/login/", headers={"X-Forwarded-Proto": "https"},
                                timeout=30).status_code == 200:
                    return [server, worker]
            except requests.RequestException:
                pass
            time.sleep(0.5)
    except BaseException:
        stop([server, worker])
        raise
    stop([server, worker])
    raise SystemExit(f"the server did not start; see {var_dir / 'load-server.log'}")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def process_tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def database_server(database: str) -> int | None:
    """The PostgreSQL postmaster serving SHOUWANG_DB_PORT on loopback (its CPU is the server's too)."""
    port = os.environ.get("SHOUWANG_DB_PORT", "")
    if database != "postgresql" or not port:
        return None
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if process.info["name"] == "postgres" and f"-p {port}" in cmdline:
            return process.pid
    return None


class CpuMeter:
    """CPU seconds used by process trees (the web server, the database server, the worker, this process)."""

    def __init__(self, **roots: int | None) -> None:
        self.roots = {name: pid for name, pid in roots.items() if pid}
        self.seen: dict[int, float] = {}

    def read(self) -> dict[str, float]:
        """CPU seconds per tree since the last read (the first read: since each process started;
        a process that ended in between is not counted). The generator is this process alone."""
        used = {}
        for name, pid in self.roots.items():
            total = 0.0
            processes = [psutil.Process(pid)] if name == "generator" else process_tree(pid)
            for process in processes:
                try:
                    times = process.cpu_times()
                except psutil.NoSuchProcess:
                    continue
                now = times.user + times.system
                total += now - self.seen.get(process.pid, 0.0)
                self.seen[process.pid] = now
            used[name] = total
        return used


# --- the users ---------------------------------------------------------------------------------------


def loopback_cookies(session: requests.Session) -> None:
    """Let the site's Secure cookies go back over plain loopback (TLS ends at nginx in production).

    requests copies the session's cookies into a fresh jar for each request, so a cookie policy on
    the session's jar is not consulted: the flag is taken off the cookies themselves."""
    for cookie in session.cookies:
        cookie.secure = False


class Staff(HttpUser):
    """A village, township or county officer at work: lists, records, cases, figures, the API."""

    wait_time = between(1, 3)
    accounts: itertools.cycle = itertools.cycle(())
    passwords: dict[str, str] = {}
    signed_in = 0  # users past on_start: the windows start once all are

    def on_start(self) -> None:
        origin = self.host.replace("http://", "https://")
        self.client.headers.update({"X-Forwarded-Proto": "https", "Accept-Language": "zh-hans", "Origin": origin,
                                    "Referer": f"{origin}/login/"})
        self.username = next(self.accounts)
        page = self.client.get("/login/", name="login")
        token = CSRF.search(page.text)
        loopback_cookies(self.client)
        with self.client.post("/login/", name="login", allow_redirects=False, catch_response=True,
                              data={"username": self.username, "password": self.passwords[self.username],
                                    "csrfmiddlewaretoken": token.group(1) if token else ""}) as answer:
            if answer.status_code != 302 or "/login/" in answer.headers.get("Location", ""):
                answer.failure(f"{self.username}: sign-in refused ({answer.status_code})")
        loopback_cookies(self.client)
        with self.client.get("/", name="login", catch_response=True) as home:
            if any(word in home.url for word in ("verify", "two-factor", "enrol")):
                home.failure(f"{self.username}: this account must show a second factor; use another")
            elif "/login/" in home.url:
                home.failure(f"{self.username}: not signed in")
        self.households = self._ids("/api/households/", "login")
        self.cases = self._ids("/api/cases/", "login")
        self.household_pages = max(1, self._count("/api/households/") // 50)
        Staff.signed_in += 1

    def _ids(self, url: str, name: str) -> list[int]:
        loopback_cookies(self.client)
        answer = self.client.get(url, name=name)
        if answer.status_code != 200:
            return []
        return [row["id"] for row in answer.json().get("results", [])]

    def _count(self, url: str) -> int:
        loopback_cookies(self.client)
        answer = self.client.get(url, name="login")
        return answer.json().get("count", 0) if answer.status_code == 200 else 0

    def _page(self, url: str, name: str) -> None:
        loopback_cookies(self.client)
        with self.client.get(url, name=name, catch_response=True) as answer:
            if answer.status_code == 200 and "/login/" in answer.url:
                answer.failure("sent back to the login page")

    @task(2)
    def home(self) -> None:
        self._page("/", "/ (home)")

    @task(1)
    def queue(self) -> None:
        self._page("/cases/queue/", "/cases/queue/")

    @task(3)
    def household_list(self) -> None:
        self._page(f"/registry/households/?page={random.randint(1, self.household_pages)}", "/registry/households/")

    @task(4)
    def household(self) -> None:
        if self.households:
            self._page(f"/registry/households/{random.choice(self.households)}/", "/registry/households/[id]/")

    @task(2)
    def case_list(self) -> None:
        self._page("/cases/", "/cases/")

    @task(2)
    def case(self) -> None:
        if self.cases:
            self._page(f"/cases/{random.choice(self.cases)}/", "/cases/[id]/")

    @task(1)
    def warnings(self) -> None:
        self._page("/monitoring/warnings/", "/monitoring/warnings/")

    @task(1)
    def dashboard(self) -> None:
        self._page("/supervision/dashboard/", "/supervision/dashboard/")

    @task(2)
    def api_households(self) -> None:
        self._page(f"/api/households/?page={random.randint(1, self.household_pages)}", "/api/households/")

    @task(1)
    def api_cases(self) -> None:
        self._page("/api/cases/", "/api/cases/")

    @task(1)
    def api_warnings(self) -> None:
        self._page("/api/warnings/", "/api/warnings/")

    @task(1)
    def api_dashboard(self) -> None:
        self._page("/api/dashboard/", "/api/dashboard/")


# --- the import --------------------------------------------------------------------------------------


def make_import(path: Path, households: int, seed: int) -> None:
    """(In a process of its own, with Django) the registry workbook of the benchmark, on the county's villages."""
    import django

    django.setup()
    from registry_import import generate

    from shouwang.regions.models import Region
    from shouwang.registry.models import Household

    # The households an earlier run imported into a kept folder go first: the import creates them
    # again (real work) instead of finding them all unchanged. Their numbers are the workbook's "B…".
    Household.objects.filter(number__startswith="B").delete()
    villages = list(Region.objects.filter(level="village").values_list("code", flat=True))
    members, _ = generate(path, households, seed, villages)
    print(json.dumps({"households": households, "members": members}), flush=True)


def run_import(path: Path) -> None:
    """(In a process of its own) queue the import as the import page does, then wait for the worker."""
    import django

    django.setup()
    from django.core.files import File
    from django.db import transaction

    from shouwang.accounts.models import User
    from shouwang.core.models import Job
    from shouwang.registry.imports.tasks import start_import

    user = User.objects.get(username=IMPORT_USER)
    with open(path, "rb") as f, transaction.atomic():
        job = start_import(user, [File(f, name="registry.xlsx")], commit=True, allow_partial=True)
    print(json.dumps({"queued": str(job.pk)}), flush=True)
    while True:
        job.refresh_from_db()
        if job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED):
            break
        time.sleep(1)
    took = (job.finished_at - job.started_at).total_seconds() if job.started_at and job.finished_at else None
    print(json.dumps({"status": job.status, "seconds": took, "message": job.message % job.message_params
                      if job.message_params else job.message}), flush=True)


# --- measuring -----------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def summary(records: list[tuple], start: float, end: float) -> dict:
    window = [r for r in records if start <= r[3] < end and r[0] != "login"]
    times = [r[1] for r in window]
    errors = [r for r in window if r[2]]
    seconds = max(end - start, 1e-9)
    by_name: dict[str, list[float]] = {}
    for name, rt, _failed, _t in window:
        by_name.setdefault(name, []).append(rt)
    return {
        "requests": len(window), "rps": len(window) / seconds, "seconds": seconds,
        "p50": percentile(times, 50), "p95": percentile(times, 95), "p99": percentile(times, 99),
        "max": max(times, default=float("nan")), "errors": len(errors),
        "error_rate": 100 * len(errors) / max(len(window), 1),
        "error_kinds": sorted({r[2] for r in errors})[:5],
        "pages": {name: (len(v), percentile(v, 50), percentile(v, 95), percentile(v, 99))
                  for name, v in by_name.items()},
    }


def verdict(value: float, goal: float) -> str:
    return f"{'met' if value <= goal else 'NOT met'} (goal ≤ {goal:g})"


def report(title: str, s: dict, p99_goal: float) -> None:
    print(f"\n{title}: {s['requests']:,} requests in {s['seconds']:.0f} s ({s['rps']:.1f}/s)")
    print(f"  p50 {s['p50']:.0f} ms   p95 {s['p95']:.0f} ms {verdict(s['p95'], GOALS['p95'])}   "
          f"p99 {s['p99']:.0f} ms {verdict(s['p99'], p99_goal)}   max {s['max']:.0f} ms")
    print(f"  errors {s['errors']} = {s['error_rate']:.3f} % {verdict(s['error_rate'], GOALS['errors'])}"
          + (f"   {'; '.join(s['error_kinds'])}" if s["error_kinds"] else ""))
    print("  page                              n     p50    p95    p99 (ms)")
    for name, (n, p50, p95, p99) in sorted(s["pages"].items(), key=lambda item: -item[1][2]):
        print(f"  {name:30s} {n:6d} {p50:6.0f} {p95:6.0f} {p99:6.0f}")


def cpu_report(cpu: dict[str, float], s: dict, users: int) -> None:
    """Where the CPU went: on a machine shared with other work the latencies say little by themselves,
    the server's CPU per request says what dedicated cores would serve."""
    serving = cpu.get("web", 0.0) + cpu.get("database", 0.0)
    parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in cpu.items())
    print(f"  CPU in the window: {parts} ({sum(cpu.values()) / s['seconds']:.2f} cores of {os.cpu_count()}; "
          f"load average {os.getloadavg()[0]:.1f})")
    if s["requests"]:
        per_request = 1000 * serving / s["requests"]
        print(f"  web + database CPU per request {per_request:.0f} ms: two cores given to the server alone would "
              f"serve about {2000 / per_request:.0f} requests/s; {users} users at 1–3 s think time ask for at most "
              f"{users / 2:.0f}/s")


def main() -> None:
    args = parse_args()
    if args.make_import:
        return make_import(args.make_import, args.import_households, args.seed)
    if args.run_import:
        return run_import(args.run_import)

    owned = args.var_dir is None
    var_dir = (args.var_dir or Path(tempfile.mkdtemp(prefix="shouwang-load-")) / "var").resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    if owned:
        seed(var_dir, args)
    passwords = {name: entry if isinstance(entry, str) else entry["password"]
                 for name, entry in json.loads((var_dir / "demo_users.json").read_text()).items()}
    accounts = [a for a in args.accounts.split(",") if a]
    missing = [a for a in accounts if a not in passwords]
    if missing:
        raise SystemExit(f"no demo password for {', '.join(missing)} in {var_dir / 'demo_users.json'}")

    workbook = var_dir / "load-import.xlsx"
    env = environment(var_dir, args.database, production=True)
    if args.import_households:
        subprocess.run([PY, str(Path(__file__)), "--make-import", str(workbook), "--import-households",
                        str(args.import_households), "--seed", str(args.seed)], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)

    port = free_port()
    processes = start_server(var_dir, args, port)
    records: list[tuple] = []
    try:
        Staff.accounts = itertools.cycle(accounts)
        Staff.passwords = passwords
        locust_env = Environment(user_classes=[Staff], host=f"http://127.0.0.1:{port}")

        def on_request(request_type, name, response_time, response_length, exception=None, **kwargs) -> None:
            failure = "" if exception is None else f"{name}: {str(exception)[:120]}"
            records.append((name, response_time, failure, time.time()))

        locust_env.events.request.add_listener(on_request)
        runner = locust_env.create_local_runner()
        print(f"{args.users} users on gunicorn at 127.0.0.1:{port} ({args.database}, {os.cpu_count()} cores "
              f"shared with this load generator), accounts: {', '.join(accounts)}")
        meter = CpuMeter(web=processes[0].pid, database=database_server(args.database), worker=processes[1].pid,
                         generator=os.getpid())
        runner.start(args.users, spawn_rate=args.spawn_rate)
        # Every user started and signed in (at most two minutes), then a few seconds to settle.
        deadline = time.time() + 120 + args.users / args.spawn_rate
        while Staff.signed_in < args.users and time.time() < deadline:
            gevent.sleep(0.5)
        gevent.sleep(5)
        meter.read()
        start = time.time()
        gevent.sleep(args.duration)
        steady_end = time.time()
        cpu_steady = meter.read()
        imported = None
        if args.import_households:
            importer = subprocess.Popen([PY, str(Path(__file__)), "--run-import", str(workbook)], cwd=ROOT,
                                        env=env, stdout=subprocess.PIPE, text=True)
            gevent.sleep(1)
            import_start = time.time()
            limit = import_start + 3 * args.duration
            while importer.poll() is None and time.time() < limit:
                gevent.sleep(0.5)
            import_end = time.time()
            cpu_import = meter.read()
            if importer.poll() is None:
                importer.terminate()
            output = importer.communicate()[0] or ""
            lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
            imported = lines[-1] if lines else {}
        runner.quit()
    finally:
        stop(processes)

    logins = [r[1] for r in records if r[0] == "login"]
    login_errors = [r[2] for r in records if r[0] == "login" and r[2]]
    print(f"\nsign-in (login page and form, first page, ID lists: {len(logins)} requests): "
          f"p50 {percentile(logins, 50):.0f} ms, max {max(logins, default=0):.0f} ms, {len(login_errors)} refused"
          + (f": {login_errors[0]}" if login_errors else ""))
    steady = summary(records, start, steady_end)
    report(f"{args.users} users, no import", steady, GOALS["p99"])
    cpu_report(cpu_steady, steady, args.users)
    if imported is not None:
        during = summary(records, import_start, import_end)
        report(f"{args.users} users while a registry import of {args.import_households:,} households runs",
               during, GOALS["p99_import"])
        cpu_report(cpu_import, during, args.users)
        print(f"  import job: {imported.get('status', 'still running at the end of the window')}, "
              f"{imported.get('seconds') or 0:.0f} s in the worker; {imported.get('message', '')}")
    if owned and not args.keep:
        shutil.rmtree(var_dir.parent, ignore_errors=True)
    elif owned:
        print(f"\nthe seeded folder is kept: --var-dir {var_dir}")


if __name__ == "__main__":
    main()
