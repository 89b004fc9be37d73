"""Settings fail closed: an unknown environment, a malformed number or switch, or production without
its secrets stops start-up with a message naming the variable; the deployment check passes when
they are set. ``config.load`` is tested on its own, then ``manage.py`` in a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from shouwang import config
from shouwang.config import ConfigError

ROOT = Path(__file__).resolve().parents[3]


def _run(env_extra: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOUWANG_", "DJANGO_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "shouwang.settings", **env_extra})
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_production_refuses_to_start_without_secret_key(tmp_path):
    result = _run({"SHOUWANG_ENV": "production", "SHOUWANG_VAR_DIR": str(tmp_path)}, "check")
    assert result.returncode != 0
    assert "SHOUWANG_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_data_key(tmp_path):
    result = _run({"SHOUWANG_ENV": "production", "SHOUWANG_SECRET_KEY": "k" * 60,
                   "SHOUWANG_VAR_DIR": str(tmp_path)}, "check")
    assert result.returncode != 0
    assert "SHOUWANG_DATA_KEY" in result.stderr


def test_production_deploy_check_passes_with_keys(tmp_path):
    result = _run({
        "SHOUWANG_ENV": "production",
        "SHOUWANG_SECRET_KEY": "a-long-random-production-secret-" + "q7Zp" * 10,
        "SHOUWANG_DATA_KEY": "dGVzdC1vbmx5LWtleS1ub3Qtc2VjcmV0LTAxMjM0NTY=",
        "SHOUWANG_AUDIT_KEY": "dGVzdC1vbmx5LWF1ZGl0LWtleS1ub3Qtc2VjcmV0LTA=",
        "SHOUWANG_VAR_DIR": str(tmp_path),
        "SHOUWANG_ALLOWED_HOSTS": "shouwang.example.gov.cn",
    }, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_unknown_environment_refuses_to_start_naming_the_variable(tmp_path):
    result = _run({"SHOUWANG_ENV": "prod", "SHOUWANG_VAR_DIR": str(tmp_path)}, "check")
    assert result.returncode == 2
    assert "SHOUWANG_ENV" in result.stderr and "'prod'" in result.stderr
    assert "Traceback" not in result.stderr
    assert "System check" not in result.stdout  # nothing ran in development mode


def test_a_malformed_number_refuses_to_start_naming_the_variable(tmp_path):
    result = _run({"SHOUWANG_SESSION_IDLE_SECONDS": "abc", "SHOUWANG_VAR_DIR": str(tmp_path)}, "check")
    assert result.returncode == 2
    assert "SHOUWANG_SESSION_IDLE_SECONDS" in result.stderr and "'abc'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_malformed_switch_refuses_to_start_naming_the_variable(tmp_path):
    result = _run({"SHOUWANG_DEBUG": "maybe", "SHOUWANG_VAR_DIR": str(tmp_path)}, "migrate", "--plan")
    assert result.returncode == 2
    assert "SHOUWANG_DEBUG" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_without_keys_refuses_without_a_traceback(tmp_path):
    result = _run({"SHOUWANG_ENV": "production", "SHOUWANG_VAR_DIR": str(tmp_path)}, "check")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("SHOUWANG_SECRET_KEY")
    assert "Traceback" not in result.stderr


def test_the_wsgi_application_refuses_to_load_with_the_message(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOUWANG_", "DJANGO_"))}
    env.update({"SHOUWANG_ENV": "prod", "SHOUWANG_VAR_DIR": str(tmp_path)})
    result = subprocess.run([sys.executable, "-c", "import shouwang.wsgi"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert result.stderr.startswith("SHOUWANG_ENV='prod' is not allowed")
    assert "ConfigError" in result.stderr  # raised again, so the server does not serve


# --- config.load on its own ------------------------------------------------------------------------


def test_defaults_suit_the_demo():
    loaded = config.load({})
    assert loaded.env == "development" and not loaded.production and loaded.debug
    assert loaded.secret_key == config.DEV_SECRET_KEY
    assert loaded.var_dir == config.BASE_DIR / "var"
    assert loaded.data_key == "" and loaded.data_key_file == config.BASE_DIR / "var" / "keys" / "data.key"
    assert loaded.allowed_hosts == ("127.0.0.1", "localhost")
    assert (loaded.db_engine, loaded.db_name, loaded.db_user, loaded.db_password) == ("sqlite", "", "", "")
    assert loaded.session_idle_seconds == 900
    assert loaded.ssl_redirect and loaded.hsts_preload
    assert loaded.upload_max_bytes == 50 * 1024 * 1024
    assert loaded.static_root == config.BASE_DIR / "var" / "static"
    assert loaded.tasks_backend == "django_tasks_db.DatabaseBackend"
    assert loaded.import_max_rows == 1_000_000
    assert loaded.import_max_uncompressed == 400 * 1024 * 1024
    assert loaded.feed_api_max_rows == 10_000
    assert loaded.client_ip_header == ""
    assert loaded.warning_verify_days == 5
    assert loaded.screening_workers == min(2, os.cpu_count() or 1)
    assert loaded.screening_parallel_rows == 200_000
    assert loaded.log_level == "WARNING"


def test_values_are_read_and_typed(tmp_path):
    loaded = config.load({
        "SHOUWANG_ENV": "production", "SHOUWANG_SECRET_KEY": "s" * 50, "SHOUWANG_DATA_KEY": "k",
        "SHOUWANG_AUDIT_KEY": "a",
        "SHOUWANG_VAR_DIR": str(tmp_path), "SHOUWANG_DEBUG": "0", "SHOUWANG_SSL_REDIRECT": "off",
        "SHOUWANG_ALLOWED_HOSTS": " a.example , b.example,", "SHOUWANG_SESSION_IDLE_SECONDS": "1_800",
        "SHOUWANG_DB_ENGINE": "postgresql", "SHOUWANG_LOG_LEVEL": "INFO",
    })
    assert loaded.production and not loaded.debug and not loaded.ssl_redirect and loaded.hsts_preload
    assert loaded.allowed_hosts == ("a.example", "b.example")
    assert loaded.session_idle_seconds == 1800
    assert loaded.var_dir == tmp_path and loaded.static_root == tmp_path / "static"
    assert (loaded.db_engine, loaded.log_level) == ("postgresql", "INFO")


def test_production_defaults_debug_off_and_accepts_a_key_file(tmp_path):
    key_file = tmp_path / "data.key"
    key_file.write_text("k")
    audit_file = tmp_path / "audit.key"
    audit_file.write_text("a")
    loaded = config.load({"SHOUWANG_ENV": "production", "SHOUWANG_SECRET_KEY": "s" * 50,
                          "SHOUWANG_DATA_KEY_FILE": str(key_file), "SHOUWANG_AUDIT_KEY_FILE": str(audit_file)})
    assert loaded.production and not loaded.debug and loaded.data_key_file == key_file
    assert loaded.audit_key_file == audit_file and loaded.audit_anchor_dir == config.BASE_DIR / "var" / "audit-anchors"


def test_production_without_an_audit_key_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="SHOUWANG_AUDIT_KEY or SHOUWANG_AUDIT_KEY_FILE must be set"):
        config.load({"SHOUWANG_ENV": "production", "SHOUWANG_SECRET_KEY": "s" * 50, "SHOUWANG_DATA_KEY": "k",
                     "SHOUWANG_AUDIT_KEY_FILE": str(tmp_path / "missing.key")})


@pytest.mark.parametrize(("environ", "variable"), [
    ({"SHOUWANG_ENV": "prod"}, "SHOUWANG_ENV"),
    ({"SHOUWANG_ENV": "Production"}, "SHOUWANG_ENV"),
    ({"SHOUWANG_DB_ENGINE": "mysql"}, "SHOUWANG_DB_ENGINE"),
    ({"SHOUWANG_LOG_LEVEL": "LOUD"}, "SHOUWANG_LOG_LEVEL"),
    ({"SHOUWANG_SESSION_IDLE_SECONDS": "abc"}, "SHOUWANG_SESSION_IDLE_SECONDS"),
    ({"SHOUWANG_IMPORT_MAX_ROWS": "1e6"}, "SHOUWANG_IMPORT_MAX_ROWS"),
    ({"SHOUWANG_SESSION_IDLE_SECONDS": "5"}, "SHOUWANG_SESSION_IDLE_SECONDS"),
    ({"SHOUWANG_SCREENING_WORKERS": "0"}, "SHOUWANG_SCREENING_WORKERS"),
    ({"SHOUWANG_WARNING_VERIFY_DAYS": "-1"}, "SHOUWANG_WARNING_VERIFY_DAYS"),
    ({"SHOUWANG_DEBUG": "maybe"}, "SHOUWANG_DEBUG"),
    ({"SHOUWANG_HSTS_PRELOAD": "2"}, "SHOUWANG_HSTS_PRELOAD"),
])
def test_a_malformed_value_is_refused_naming_the_variable(environ, variable):
    with pytest.raises(ConfigError, match=re.escape(variable)):
        config.load(environ)


def test_production_without_a_secret_key_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="SHOUWANG_SECRET_KEY must be set in production"):
        config.load({"SHOUWANG_ENV": "production", "SHOUWANG_DATA_KEY": "k",
                     "SHOUWANG_VAR_DIR": str(tmp_path)})


def test_production_without_a_data_key_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="SHOUWANG_DATA_KEY or SHOUWANG_DATA_KEY_FILE must be set"):
        config.load({"SHOUWANG_ENV": "production", "SHOUWANG_SECRET_KEY": "s" * 50,
                     "SHOUWANG_DATA_KEY_FILE": str(tmp_path / "missing.key")})


def test_the_config_is_frozen():
    loaded = config.load({})
    with pytest.raises(AttributeError):
        loaded.debug = False  # type: ignore[misc]


# --- every setting the code reads is defined once, in settings.py ----------------------------------

# The product's code: not tests, migrations, or the test harness (shouwang/testing reads its own
# SHOUWANG_CHROMIUM / SHOUWANG_SCREENSHOT_DIR, which no server reads).
SOURCES = [p for p in (ROOT / "shouwang").rglob("*.py")
           if not {"tests", "migrations", "testing"} & set(p.parts)]


def test_every_shouwang_setting_the_code_reads_is_defined():
    read = re.compile(r"settings\.(SHOUWANG_[A-Z0-9_]+)")
    used = {name for path in SOURCES for name in read.findall(path.read_text())}
    assert used, "the scan found no settings"
    assert not [name for name in sorted(used) if not hasattr(django_settings, name)]


def test_no_code_repeats_a_default_with_getattr_on_settings():
    pattern = re.compile(r"getattr\(\s*settings\s*,\s*[\"']")
    offenders = [str(path.relative_to(ROOT)) for path in SOURCES if pattern.search(path.read_text())]
    assert offenders == []


def test_only_config_reads_the_shouwang_environment():
    pattern = re.compile(r"os\.environ(\.get)?\s*[\[(]\s*[\"']SHOUWANG_")
    offenders = [str(path.relative_to(ROOT)) for path in SOURCES if pattern.search(path.read_text())]
    assert offenders == []
