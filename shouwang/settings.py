"""Settings for Shouwang, read from the environment with safe defaults for the embedded demo.

Production (``SHOUWANG_ENV=production``) refuses to start without a secret key and a data
encryption key, as ``security.md`` §3.2 asks; the demo and the tests get a generated key file
under ``var/`` that never enters git.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SHOUWANG_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

ENV = os.environ.get("SHOUWANG_ENV", "development")
PRODUCTION = ENV == "production"
DEBUG = os.environ.get("SHOUWANG_DEBUG", "0" if PRODUCTION else "1") == "1"

SECRET_KEY = os.environ.get("SHOUWANG_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SHOUWANG_SECRET_KEY must be set in production.")
    SECRET_KEY = "dev-only-not-secret-" + "x" * 40

# Data encryption key: 32 random bytes, base64. Env var wins; otherwise a key file outside git.
SHOUWANG_DATA_KEY = os.environ.get("SHOUWANG_DATA_KEY", "")
SHOUWANG_DATA_KEY_FILE = Path(os.environ.get("SHOUWANG_DATA_KEY_FILE", VAR_DIR / "keys" / "data.key"))
if PRODUCTION and not SHOUWANG_DATA_KEY and not SHOUWANG_DATA_KEY_FILE.exists():
    raise ImproperlyConfigured("SHOUWANG_DATA_KEY or SHOUWANG_DATA_KEY_FILE must be set in production.")

ALLOWED_HOSTS = [h for h in os.environ.get("SHOUWANG_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks_db",
    "shouwang.core",
    "shouwang.regions",
    "shouwang.accounts",
    "shouwang.registry",
    "shouwang.monitoring",
    "shouwang.cases",
    "shouwang.supervision",
    "shouwang.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
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
    """SQLite by default; PostgreSQL when SHOUWANG_DB_ENGINE=postgresql (PG* style variables)."""
    engine = os.environ.get("SHOUWANG_DB_ENGINE", "sqlite")
    if engine == "postgresql":
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("SHOUWANG_DB_NAME", "shouwang"),
            "USER": os.environ.get("SHOUWANG_DB_USER", ""),
            "PASSWORD": os.environ.get("SHOUWANG_DB_PASSWORD", ""),
            "HOST": os.environ.get("SHOUWANG_DB_HOST", ""),
            "PORT": os.environ.get("SHOUWANG_DB_PORT", ""),
            "CONN_MAX_AGE": 60,
        }
    if engine != "sqlite":
        raise ImproperlyConfigured(f"Unknown SHOUWANG_DB_ENGINE {engine!r}: use sqlite or postgresql.")
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SHOUWANG_DB_NAME", str(VAR_DIR / "shouwang.sqlite3")),
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
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

# Sessions: idle timeout 15 minutes (等保 evaluator practice), renewed on each request.
SESSION_COOKIE_AGE = int(os.environ.get("SHOUWANG_SESSION_IDLE_SECONDS", 900))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = os.environ.get("SHOUWANG_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = os.environ.get("SHOUWANG_HSTS_PRELOAD", "1") == "1"

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
SHOUWANG_UPLOAD_MAX_BYTES = int(os.environ.get("SHOUWANG_UPLOAD_MAX_BYTES", 50 * 1024 * 1024))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "shouwang" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("SHOUWANG_STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# The app serves its own assets (closed government networks): WhiteNoise in production from
# STATIC_ROOT after collectstatic, straight from the apps' folders otherwise.
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = VAR_DIR / "media"
UPLOAD_ROOT = VAR_DIR / "uploads"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
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
    },
}

# Long work runs as background tasks; the database queue needs no extra server.
TASKS = {"default": {"BACKEND": os.environ.get("SHOUWANG_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# Imports: the largest spreadsheet accepted (rows, uncompressed xlsx bytes) and rows per API push.
SHOUWANG_IMPORT_MAX_ROWS = int(os.environ.get("SHOUWANG_IMPORT_MAX_ROWS", 1_000_000))
SHOUWANG_IMPORT_MAX_UNCOMPRESSED = int(os.environ.get("SHOUWANG_IMPORT_MAX_UNCOMPRESSED", 400 * 1024 * 1024))
SHOUWANG_FEED_API_MAX_ROWS = int(os.environ.get("SHOUWANG_FEED_API_MAX_ROWS", 10_000))
# Behind a reverse proxy, the header it writes with the client's address (rate limits of the
# public self-report page); empty means REMOTE_ADDR.
SHOUWANG_CLIENT_IP_HEADER = os.environ.get("SHOUWANG_CLIENT_IP_HEADER", "")
# Rate-limit counters must be shared by all server processes: a file cache on the one server.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache" if PRODUCTION
        else "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": str(VAR_DIR / "cache") if PRODUCTION else "shouwang",
    }
}

# Working days a village has to verify a new warning (monitoring, issue 3).
SHOUWANG_WARNING_VERIFY_DAYS = int(os.environ.get("SHOUWANG_WARNING_VERIFY_DAYS", 5))
# Screening a large county on SQLite: how many connections evaluate it at once (one per core,
# at most 2 by default), and from how many household-years on it is split.
SHOUWANG_SCREENING_WORKERS = int(os.environ.get("SHOUWANG_SCREENING_WORKERS", min(2, os.cpu_count() or 1)))
SHOUWANG_SCREENING_PARALLEL_ROWS = int(os.environ.get("SHOUWANG_SCREENING_PARALLEL_ROWS", 200_000))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SHOUWANG_LOG_LEVEL", "WARNING")},
}
