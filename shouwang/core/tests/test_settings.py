"""Production refuses to start without its secrets; the deployment check passes when they are set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _run(env_extra: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOUWANG_", "DJANGO_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "shouwang.settings", **env_extra})
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_production_refuses_to_start_without_secret_key(tmp_path):
    result = _run({"SHOUWANG_ENV": "production", "SHOUWANG_VAR_DIR": str(tmp_path)}, "check")
    assert result.returncode != 0
    assert "SHOUWANG_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_data_key(tmp_path):
    result = _run({"SHOUWANG_ENV": "production", "SHOUWANG_SECRET_KEY": "k" * 60, "SHOUWANG_VAR_DIR": str(tmp_path)},
                  "check")
    assert result.returncode != 0
    assert "SHOUWANG_DATA_KEY" in result.stderr


def test_production_deploy_check_passes_with_keys(tmp_path):
    result = _run({
        "SHOUWANG_ENV": "production",
        "SHOUWANG_SECRET_KEY": "a-long-random-production-secret-" + "q7Zp" * 10,
        "SHOUWANG_DATA_KEY": "dGVzdC1vbmx5LWtleS1ub3Qtc2VjcmV0LTAxMjM0NTY=",
        "SHOUWANG_VAR_DIR": str(tmp_path),
        "SHOUWANG_ALLOWED_HOSTS": "shouwang.example.gov.cn",
    }, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
