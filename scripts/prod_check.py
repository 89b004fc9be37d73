"""``make prod-check``: the production configuration passes Django's deployment check and serves.

1. ``manage.py check --deploy --fail-level WARNING`` with ``SHOUWANG_ENV=production`` and fresh keys;
2. a smoke test: a temporary SQLite database migrated and the static files collected, gunicorn started
   with deploy/gunicorn.conf.py on a free loopback port, then
   * ``/healthz`` answers 200 ``{"status": "ok"}``, not cacheable;
   * plain HTTP is redirected to HTTPS; through the proxy header (as nginx sends it) the login page
     answers 200 with the security headers and secure cookies;
   * a static file of the login page is served (WhiteNoise) with its content type;
   * the access log holds paths without their query strings;
3. gunicorn is stopped and the temporary folder removed.

Nothing outside the temporary folder is written; exit status 0 when every check passed.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
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

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "shouwang.prod-check.test"
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
failures: list[str] = []


def check(ok: bool, what: str) -> None:
    print(("  ok    " if ok else "  FAIL  ") + what)
    if not ok:
        failures.append(what)


def production_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOUWANG_", "DJANGO_", "GUNICORN_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "shouwang.settings",
        "SHOUWANG_ENV": "production",
        "SHOUWANG_SECRET_KEY": secrets.token_urlsafe(50),
        "SHOUWANG_DATA_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "SHOUWANG_AUDIT_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "SHOUWANG_VAR_DIR": str(var_dir),
        "SHOUWANG_ALLOWED_HOSTS": HOST,
        "SHOUWANG_CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
        "SHOUWANG_DB_ENGINE": "sqlite",
        "WEB_CONCURRENCY": "2",
    })
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str, *, https: bool = True) -> tuple[int, http.client.HTTPMessage, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Host": HOST, "X-Real-IP": "192.0.2.10"}
    if https:
        headers["X-Forwarded-Proto"] = "https"  # what nginx sends; gunicorn trusts it from loopback
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def wait_for_health(port: int, server: subprocess.Popen, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        try:
            status, _, _ = get(port, "/healthz")
            if status in (200, 503):
                return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


def smoke(env: dict[str, str], var_dir: Path) -> None:
    for args in (("migrate", "--noinput", "-v0"), ("collectstatic", "--noinput", "-v0")):
        result = manage(env, *args)
        check(result.returncode == 0, "manage.py " + " ".join(args[:1]) + (
            "" if result.returncode == 0 else ": " + (result.stderr or result.stdout)[-2000:]))
        if result.returncode:
            return

    port = free_port()
    access_log = var_dir / "access.log"
    started = time.monotonic()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", "--access-logfile", str(access_log), "--chdir", str(var_dir)],
        cwd=var_dir, env=env | {"PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )
    try:
        up = wait_for_health(port, server)
        check(up, f"gunicorn answers on 127.0.0.1:{port} ({time.monotonic() - started:.1f} s)")
        if not up:
            return

        status, headers, body = get(port, "/healthz")
        answer = json.loads(body)
        check(status == 200 and answer.get("status") == "ok", f"/healthz 200 ok ({answer})")
        check("no-store" in headers.get("Cache-Control", ""), "/healthz Cache-Control: no-store")

        status, headers, _ = get(port, "/login/?next=/registry/", https=False)
        check(status == 301 and headers.get("Location", "").startswith(f"https://{HOST}/login/"),
              f"plain HTTP is redirected to HTTPS ({status} {headers.get('Location')})")

        status, headers, body = get(port, "/login/?next=/registry/%3Fq%3D110101199003077777")
        check(status == 200, f"/login/ through the proxy header: {status}")
        for name, expected in SECURITY_HEADERS.items():
            value = headers.get(name, "")
            check(value.startswith(expected), f"{name}: {value!r}")
        cookies = headers.get_all("Set-Cookie") or []
        check(bool(cookies) and all("Secure" in c for c in cookies), f"cookies are Secure ({len(cookies)})")

        assets = re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', body)
        check(bool(assets), f"the login page links static files ({len(assets)})")
        if assets:
            path = assets[0].decode()
            status, headers, content = get(port, path)
            check(status == 200 and len(content) > 0, f"{path}: {status}, {len(content)} bytes")
            kind = headers.get("Content-Type", "")
            check(("css" in kind) if path.endswith(".css") else ("javascript" in kind), f"{path}: {kind}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            output, _ = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            output, _ = server.communicate()
        check(server.returncode == 0, f"gunicorn stopped cleanly (exit status {server.returncode})")
        if failures:
            print(output[-4000:])

    log = access_log.read_text() if access_log.exists() else ""
    check('"GET /login/ HTTP/1.1"' in log, "the access log has the requests")
    check("110101199003077777" not in log and "?next" not in log, "the access log has no query strings")
    check("192.0.2.10" in log, "the access log has the client address nginx passes (X-Real-IP)")


def main() -> int:
    var_dir = Path(tempfile.mkdtemp(prefix="shouwang-prod-check-"))
    try:
        env = production_env(var_dir)
        print("manage.py check --deploy --fail-level WARNING (SHOUWANG_ENV=production)")
        result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
        check(result.returncode == 0, "deployment check" + ("" if result.returncode == 0 else
                                                             ":\n" + result.stdout + result.stderr))
        print("smoke test: gunicorn with deploy/gunicorn.conf.py on a temporary SQLite database")
        smoke(env, var_dir)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    if failures:
        print(f"prod-check: {len(failures)} check(s) failed.")
        return 1
    print("prod-check: every check passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
