"""Shouwang's settings from the environment: read once, typed, and failing closed.

``load`` reads every ``SHOUWANG_*`` variable the project knows into one frozen :class:`Config`;
``settings.py`` turns it into Django settings, and code reads ``django.conf.settings`` (never an
environment variable, never ``getattr(settings, name, default)``). Start-up stops, with a message
naming the variable, when:

* ``SHOUWANG_ENV`` is anything but ``development`` or ``production`` (a typo such as ``prod`` must
  not run development mode, with DEBUG on and the development secret key);
* production lacks the secret key, the data encryption key (security.md §3.2) or the audit key;
* a number or a switch does not parse, or is out of its range.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("development", "production")
DB_ENGINES = ("sqlite", "postgresql")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEV_SECRET_KEY = "dev-only-not-secret-" + "x" * 40


class ConfigError(ImproperlyConfigured):
    """A variable that is missing or malformed; the message names it and says what is expected."""


@dataclass(frozen=True)
class Config:
    env: str
    debug: bool
    var_dir: Path
    secret_key: str
    data_key: str
    data_key_file: Path
    audit_key: str
    audit_key_file: Path
    audit_anchor_dir: Path
    audit_syslog: str
    backup_key_file: Path
    backup_dir: Path
    backup_keep: int
    allowed_hosts: tuple[str, ...]
    db_engine: str
    db_name: str
    db_user: str
    db_password: str
    db_host: str
    db_port: str
    session_idle_seconds: int
    session_absolute_seconds: int
    ssl_redirect: bool
    hsts_preload: bool
    upload_max_bytes: int
    api_token_days: int
    api_throttle_user: str
    api_throttle_anon: str
    static_root: Path
    tasks_backend: str
    import_max_rows: int
    import_max_uncompressed: int
    import_max_cells: int
    worker_nice: int
    feed_api_max_rows: int
    client_ip_header: str
    warning_verify_days: int
    screening_workers: int
    job_lease_seconds: int
    screening_parallel_rows: int
    log_level: str

    @property
    def production(self) -> bool:
        return self.env == "production"


class _Reader:
    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ

    def text(self, name: str, default: str = "") -> str:
        return self.environ.get(name, default).strip()

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.text(name, default) or default
        if value not in choices:
            raise ConfigError(
                f"{name}={value!r} is not allowed: use one of {', '.join(choices)}. "
                f"/ {name} 的取值 {value!r} 无效，可选：{'、'.join(choices)}。"
            )
        return value

    def integer(self, name: str, default: int, minimum: int = 0) -> int:
        raw = self.text(name)
        if not raw:
            return default
        try:
            value = int(raw.replace("_", ""))
        except ValueError:
            raise ConfigError(
                f"{name}={raw!r} is not a whole number. / {name} 的取值 {raw!r} 不是整数。"
            ) from None
        if value < minimum:
            raise ConfigError(f"{name}={value} is below its minimum {minimum}. / {name} 不能小于 {minimum}。")
        return value

    def switch(self, name: str, default: bool) -> bool:
        raw = self.text(name).lower()
        if not raw:
            return default
        if raw in ("1", "true", "yes", "on"):
            return True
        if raw in ("0", "false", "no", "off"):
            return False
        raise ConfigError(
            f"{name}={raw!r} is not a switch: use 1 or 0. / {name} 的取值 {raw!r} 无效，请用 1 或 0。"
        )

    def rate(self, name: str, default: str) -> str:
        """A request rate as DRF's throttles read it: ``N/sec``, ``N/min``, ``N/hour`` or ``N/day``."""
        value = self.text(name, default) or default
        count, _, period = value.partition("/")
        if not (count.isdigit() and int(count) > 0 and period in ("s", "sec", "m", "min", "h", "hour", "d", "day")):
            raise ConfigError(
                f"{name}={value!r} is not a rate: write e.g. 600/min. / {name} 的取值 {value!r} 无效，例如 600/min。"
            )
        return value

    def path(self, name: str, default: Path) -> Path:
        raw = self.text(name)
        return Path(raw) if raw else default


def load(environ: Mapping[str, str] | None = None) -> Config:
    """Read and check the environment once; raises :class:`ConfigError` naming the variable."""
    read = _Reader(os.environ if environ is None else environ)
    env = read.choice("SHOUWANG_ENV", "development", ENVIRONMENTS)
    production = env == "production"
    var_dir = read.path("SHOUWANG_VAR_DIR", BASE_DIR / "var")

    secret_key = read.text("SHOUWANG_SECRET_KEY")
    if not secret_key:
        if production:
            raise ConfigError(
                "SHOUWANG_SECRET_KEY must be set in production. / 生产环境必须设置 SHOUWANG_SECRET_KEY。"
            )
        secret_key = DEV_SECRET_KEY
    data_key = read.text("SHOUWANG_DATA_KEY")
    data_key_file = read.path("SHOUWANG_DATA_KEY_FILE", var_dir / "keys" / "data.key")
    if production and not data_key and not data_key_file.exists():
        raise ConfigError(
            "SHOUWANG_DATA_KEY or SHOUWANG_DATA_KEY_FILE must be set in production. "
            "/ 生产环境必须设置 SHOUWANG_DATA_KEY 或 SHOUWANG_DATA_KEY_FILE。"
        )
    audit_key = read.text("SHOUWANG_AUDIT_KEY")
    audit_key_file = read.path("SHOUWANG_AUDIT_KEY_FILE", var_dir / "keys" / "audit.key")
    if production and not audit_key and not audit_key_file.exists():
        raise ConfigError(
            "SHOUWANG_AUDIT_KEY or SHOUWANG_AUDIT_KEY_FILE must be set in production (manage.py init_keys). "
            "/ 生产环境必须设置 SHOUWANG_AUDIT_KEY 或 SHOUWANG_AUDIT_KEY_FILE（manage.py init_keys）。"
        )

    hosts = read.text("SHOUWANG_ALLOWED_HOSTS", "127.0.0.1,localhost")
    return Config(
        env=env,
        debug=read.switch("SHOUWANG_DEBUG", not production),
        var_dir=var_dir,
        secret_key=secret_key,
        data_key=data_key,
        data_key_file=data_key_file,
        audit_key=audit_key,
        audit_key_file=audit_key_file,
        audit_anchor_dir=read.path("SHOUWANG_AUDIT_ANCHOR_DIR", var_dir / "audit-anchors"),
        audit_syslog=read.text("SHOUWANG_AUDIT_SYSLOG"),
        backup_key_file=read.path("SHOUWANG_BACKUP_KEY_FILE", var_dir / "keys" / "backup.key"),
        backup_dir=read.path("SHOUWANG_BACKUP_DIR", var_dir / "backups"),
        backup_keep=read.integer("SHOUWANG_BACKUP_KEEP", 14, minimum=1),
        allowed_hosts=tuple(h.strip() for h in hosts.split(",") if h.strip()),
        db_engine=read.choice("SHOUWANG_DB_ENGINE", "sqlite", DB_ENGINES),
        db_name=read.text("SHOUWANG_DB_NAME"),
        db_user=read.text("SHOUWANG_DB_USER"),
        db_password=read.environ.get("SHOUWANG_DB_PASSWORD", ""),
        db_host=read.text("SHOUWANG_DB_HOST"),
        db_port=read.text("SHOUWANG_DB_PORT"),
        session_idle_seconds=read.integer("SHOUWANG_SESSION_IDLE_SECONDS", 900, minimum=60),
        session_absolute_seconds=read.integer("SHOUWANG_SESSION_ABSOLUTE_SECONDS", 8 * 3600, minimum=300),
        ssl_redirect=read.switch("SHOUWANG_SSL_REDIRECT", True),
        hsts_preload=read.switch("SHOUWANG_HSTS_PRELOAD", True),
        upload_max_bytes=read.integer("SHOUWANG_UPLOAD_MAX_BYTES", 50 * 1024 * 1024, minimum=1024),
        api_token_days=read.integer("SHOUWANG_API_TOKEN_DAYS", 30, minimum=1),
        api_throttle_user=read.rate("SHOUWANG_API_THROTTLE_USER", "600/min"),
        api_throttle_anon=read.rate("SHOUWANG_API_THROTTLE_ANON", "30/min"),
        static_root=read.path("SHOUWANG_STATIC_ROOT", var_dir / "static"),
        tasks_backend=read.text("SHOUWANG_TASKS_BACKEND") or "django_tasks_db.DatabaseBackend",
        import_max_rows=read.integer("SHOUWANG_IMPORT_MAX_ROWS", 1_000_000, minimum=1),
        import_max_uncompressed=read.integer("SHOUWANG_IMPORT_MAX_UNCOMPRESSED", 400 * 1024 * 1024,
                                             minimum=1024),
        import_max_cells=read.integer("SHOUWANG_IMPORT_MAX_CELLS", 12_000_000, minimum=1),
        worker_nice=read.integer("SHOUWANG_WORKER_NICE", 10, minimum=0),
        feed_api_max_rows=read.integer("SHOUWANG_FEED_API_MAX_ROWS", 10_000, minimum=1),
        client_ip_header=read.text("SHOUWANG_CLIENT_IP_HEADER"),
        warning_verify_days=read.integer("SHOUWANG_WARNING_VERIFY_DAYS", 5, minimum=1),
        screening_workers=read.integer("SHOUWANG_SCREENING_WORKERS", min(2, os.cpu_count() or 1), minimum=1),
        job_lease_seconds=read.integer("SHOUWANG_JOB_LEASE_SECONDS", 45, minimum=1),
        screening_parallel_rows=read.integer("SHOUWANG_SCREENING_PARALLEL_ROWS", 200_000, minimum=1),
        log_level=read.choice("SHOUWANG_LOG_LEVEL", "WARNING", LOG_LEVELS),
    )
