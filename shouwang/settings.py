"""Settings for Shouwang, built from :func:`shouwang.config.load` with safe defaults for the demo.

The environment is read once, in ``config.load()``; start-up stops with a message naming the
variable when ``SHOUWANG_ENV`` is unknown, a number or switch is malformed, or production lacks
its secret key or data encryption key (``security.md`` §3.2). The demo and the tests get a
generated key file under ``var/`` that never enters git. Every ``SHOUWANG_*`` setting the code
reads is defined here, so code reads ``settings.NAME`` and never repeats a default.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from shouwang import config

CONFIG = config.load()

BASE_DIR = config.BASE_DIR
VAR_DIR = CONFIG.var_dir
VAR_DIR.mkdir(parents=True, exist_ok=True)

ENV = CONFIG.env
PRODUCTION = CONFIG.production
DEBUG = CONFIG.debug
SECRET_KEY = CONFIG.secret_key

# Data encryption key: 32 random bytes, base64. Env var wins; otherwise a key file outside git.
SHOUWANG_DATA_KEY = CONFIG.data_key
SHOUWANG_DATA_KEY_FILE = CONFIG.data_key_file
# Audit key (HMAC of the change and access log chains, and of their daily anchors): like the data
# key, outside the database; the anchors go to a folder outside it, and to syslog when
# SHOUWANG_AUDIT_SYSLOG names a socket ("/dev/log") or "host:port" (core.audit, core.anchors).
SHOUWANG_AUDIT_KEY = CONFIG.audit_key
SHOUWANG_AUDIT_KEY_FILE = CONFIG.audit_key_file
SHOUWANG_AUDIT_ANCHOR_DIR = CONFIG.audit_anchor_dir
SHOUWANG_AUDIT_SYSLOG = CONFIG.audit_syslog
# Backups (manage.py backup/restore, nightly): encrypted with their own key, kept apart from the
# database and from the data key (docs/backup.md); the newest SHOUWANG_BACKUP_KEEP are kept.
SHOUWANG_BACKUP_KEY_FILE = CONFIG.backup_key_file
SHOUWANG_BACKUP_DIR = CONFIG.backup_dir
SHOUWANG_BACKUP_KEEP = CONFIG.backup_keep

ALLOWED_HOSTS = list(CONFIG.allowed_hosts)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_tasks_db",
    "shouwang.core",
    "shouwang.regions",
    "shouwang.accounts",
    "shouwang.registry",
    "shouwang.monitoring",
    "shouwang.cases",
    "shouwang.revitalization",
    "shouwang.supervision",
    "shouwang.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "shouwang.core.nostore.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A session that still owes a second factor or a new password reaches only the pages that take it.
    "shouwang.accounts.middleware.LoginStateMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shouwang.core.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "shouwang.urls"
WSGI_APPLICATION = "shouwang.wsgi.application"

# A feature package keeps its templates beside its views (``shouwang/<app>/<feature>/templates/``);
# the app-level ``templates/`` folders are found through APP_DIRS as usual.
FEATURE_TEMPLATE_DIRS = sorted((BASE_DIR / "shouwang").glob("*/*/templates"))

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": FEATURE_TEMPLATE_DIRS,
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict:
    """SQLite by default; PostgreSQL when SHOUWANG_DB_ENGINE=postgresql (the SHOUWANG_DB_* variables)."""
    if CONFIG.db_engine == "postgresql":
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": CONFIG.db_name or "shouwang",
            "USER": CONFIG.db_user,
            "PASSWORD": CONFIG.db_password,
            "HOST": CONFIG.db_host,
            "PORT": CONFIG.db_port,
            "CONN_MAX_AGE": 60,
        }
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": CONFIG.db_name or str(VAR_DIR / "shouwang.sqlite3"),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Locked accounts (5 failures in 15 minutes) are refused by every login path, not only the page.
AUTHENTICATION_BACKENDS = ["shouwang.accounts.backends.LockoutModelBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # 等保: three of four character classes; no reuse of the county's last N passwords (hashes kept).
    {"NAME": "shouwang.accounts.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "shouwang.accounts.passwords.PasswordHistoryValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

# Sessions: idle timeout 15 minutes (等保 evaluator practice), renewed on each request.
SESSION_COOKIE_AGE = CONFIG.session_idle_seconds
# ... and ended 8 hours after login however active (accounts.sessions), beside the idle timeout.
SHOUWANG_SESSION_ABSOLUTE_SECONDS = CONFIG.session_absolute_seconds
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every page (ASVS 3.4.3): scripts and styles only from our own static
# files, no inline script or event handler, no eval; no framing, forms post only to this site.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = CONFIG.ssl_redirect
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = CONFIG.hsts_preload

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
SHOUWANG_UPLOAD_MAX_BYTES = CONFIG.upload_max_bytes

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "shouwang" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = CONFIG.static_root
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# The app serves its own assets (closed government networks): WhiteNoise in production from
# STATIC_ROOT after collectstatic, straight from the apps' folders otherwise.
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = VAR_DIR / "media"
UPLOAD_ROOT = VAR_DIR / "uploads"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "shouwang.accounts.tokens.TokenAuthentication",
    ],
    # Per user (whether by session or token) and, before login, per client address.
    "DEFAULT_THROTTLE_CLASSES": [
        "shouwang.core.throttling.UserThrottle",
        "shouwang.core.throttling.AnonymousThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"user": CONFIG.api_throttle_user, "anon": CONFIG.api_throttle_anon},
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# API tokens (django-rest-knox): only a SHA-512 digest is stored; each token expires after
# SHOUWANG_API_TOKEN_DAYS days and is then refused and deleted.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=CONFIG.api_token_days),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
SHOUWANG_API_TOKEN_DAYS = CONFIG.api_token_days
SPECTACULAR_SETTINGS = {
    "TITLE": "Shouwang API",
    "DESCRIPTION": "Shouwang (守望): household registry and monitoring against return to poverty.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The documentation UI's assets come from the sidecar package, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several parts have a field called "status", each with its own choices: name each set.
    "ENUM_NAME_OVERRIDES": {
        "WarningStatusEnum": "shouwang.monitoring.warnings.models.WarningStatus",
        "SelfReportStatusEnum": "shouwang.monitoring.selfreport.models.SelfReportStatus",
        "CampaignStatusEnum": "shouwang.monitoring.fieldwork.models.CampaignStatus",
        "CampaignTaskStatusEnum": "shouwang.monitoring.fieldwork.models.TaskStatus",
        "JobStatusEnum": "shouwang.core.models.Job.Status",
        "CaseStatusEnum": "shouwang.cases.casefiles.models.CaseStatus",
        "ProcedureStatusEnum": "shouwang.cases.procedure.models.ProcedureStatus",
        "StepStatusEnum": "shouwang.cases.procedure.models.StepStatus",
        "MeasureStatusEnum": "shouwang.cases.assistance.models.MeasureStatus",
        "DispatchRecipientStatusEnum": "shouwang.supervision.dispatch.models.RecipientStatus",
        "ProjectStatusEnum": "shouwang.revitalization.projects.models.ProjectStatus",
        "ProjectCategoryEnum": "shouwang.revitalization.projects.models.ProjectCategory",
        "AssetStatusEnum": "shouwang.revitalization.assets.models.AssetStatus",
        "DisposalStatusEnum": "shouwang.revitalization.assets.models.DisposalStatus",
        "ScenarioStatusEnum": "shouwang.revitalization.simulation.models.ScenarioStatus",
        "PolicyKindEnum": "shouwang.revitalization.policies.models.Kind",
        "CadreKindEnum": "shouwang.revitalization.cadres.models.CadreKind",
        "CaseCategoryEnum": "shouwang.cases.casefiles.models.Category",
        "DispatchKindEnum": "shouwang.supervision.dispatch.models.DispatchKind",
    },
}

# Long work runs as background tasks; the database queue needs no extra server.
TASKS = {"default": {"BACKEND": CONFIG.tasks_backend}}

# Imports: the largest spreadsheet accepted (rows, uncompressed xlsx bytes) and rows per API push.
# security.md §3.3 proposes 200 MB uncompressed; a county registry of 100,000 households (270,000
# member rows) written with inline strings, as xlsxwriter and many exporters do, is ~330 MB of
# sheet XML, so the default (400 MiB) leaves room for one county. Zip bombs are stopped by the
# ratio check in ``core.imports``, not this.
SHOUWANG_IMPORT_MAX_ROWS = CONFIG.import_max_rows
SHOUWANG_IMPORT_MAX_UNCOMPRESSED = CONFIG.import_max_uncompressed
SHOUWANG_IMPORT_MAX_CELLS = CONFIG.import_max_cells  # filled cells of a workbook, counted before parsing
SHOUWANG_WORKER_NICE = CONFIG.worker_nice  # background jobs below the web server's CPU priority
SHOUWANG_FEED_API_MAX_ROWS = CONFIG.feed_api_max_rows
# Behind a reverse proxy, the header it writes with the client's address (rate limits of the
# public self-report page); empty means REMOTE_ADDR.
SHOUWANG_CLIENT_IP_HEADER = CONFIG.client_ip_header
# Rate-limit counters must be shared by all server processes: a file cache on the one server.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache" if PRODUCTION
        else "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": str(VAR_DIR / "cache") if PRODUCTION else "shouwang",
    }
}

# Working days a village has to verify a new warning (monitoring, issue 3).
SHOUWANG_WARNING_VERIFY_DAYS = CONFIG.warning_verify_days
# Screening a large county on SQLite: how many connections evaluate it at once (one per core,
# at most 2 by default), and from how many household-years on it is split.
SHOUWANG_SCREENING_WORKERS = CONFIG.screening_workers
# A running job's lease (seconds): its process renews it by a heartbeat; a job whose lease ran out
# (or whose process is known dead) is failed or queued again (core.jobs.recover_abandoned).
SHOUWANG_JOB_LEASE_SECONDS = CONFIG.job_lease_seconds
SHOUWANG_SCREENING_PARALLEL_ROWS = CONFIG.screening_parallel_rows

# Set in a settings module of the deployment (not from the environment); each a fixed default.
# Public self-report page: (submissions, seconds) per client address and per ID number.
SHOUWANG_SELF_REPORT_CLIENT_LIMIT = (10, 3600)
SHOUWANG_SELF_REPORT_ID_LIMIT = (3, 86400)
# Exports: up to this many rows are written in the request, larger ones as a background job;
# finished files are kept this many days, under this folder.
SHOUWANG_EXPORT_SYNC_ROWS = 2000
SHOUWANG_EXPORT_KEEP_DAYS = 7
# Unmasked exports and uploaded import files stay on disk at most this long (security.md G23).
SHOUWANG_UNMASKED_EXPORT_KEEP_HOURS = 24
SHOUWANG_UPLOAD_KEEP_HOURS = 24
SHOUWANG_EXPORT_ROOT = VAR_DIR / "exports"
# Login hardening (等保 evaluator practice): failures within the window lock the account.
SHOUWANG_LOGIN_MAX_FAILURES = 5
SHOUWANG_LOGIN_WINDOW_SECONDS = 15 * 60
SHOUWANG_LOGIN_LOCK_SECONDS = 15 * 60
# Failures from one client address within the window that refuse every login from it (spraying).
SHOUWANG_LOGIN_CLIENT_MAX_FAILURES = 20

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": CONFIG.log_level},
}
