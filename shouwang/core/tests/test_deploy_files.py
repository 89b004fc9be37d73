"""The production files under ``deploy/`` (docs/deploy.md) fit the code they start.

The systemd units start commands that exist with options they accept, sandboxed as the guide says;
gunicorn's settings are all known to gunicorn and bind where nginx connects; nginx allows TLS 1.2+
only, sends HSTS, passes the headers the settings trust and accepts the application's largest
upload; the environment template names every variable ``config.py`` reads and, filled in, passes
``check --deploy``. Where ``systemd-analyze`` and ``nginx`` are installed they check the files too.
"""

from __future__ import annotations

import ast
import base64
import configparser
import os
import re
import runpy
import shlex
import shutil
import subprocess
import sys
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands, load_command_class

from shouwang import config

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
UNITS = ("shouwang-web.service", "shouwang-worker.service", "shouwang-scheduler.service")
VENV_BIN = "/opt/shouwang/venv/bin/"
ENV_FILE = "/etc/shouwang/shouwang.env"
GUNICORN_CONF = "/etc/shouwang/gunicorn.conf.py"
KEY = base64.b64encode(b"k" * 32).decode()


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(DEPLOY / "systemd" / name)
    return parser


def env_template() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "shouwang.env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            assert name == name.strip() and "$" not in value and '"' not in value, line
            values[name] = value
    return values


def gunicorn_settings() -> dict:
    return {k: v for k, v in runpy.run_path(str(DEPLOY / "gunicorn.conf.py")).items() if not k.startswith("_")
            and k != "os"}


def nginx_site() -> str:
    return (DEPLOY / "nginx" / "shouwang.conf").read_text()


def console_scripts() -> set[str]:
    return {ep.name for ep in metadata.entry_points(group="console_scripts")}


# --- the offline install ---------------------------------------------------------------------------


def _requirement_closure(names: list[str]) -> set[str]:
    """The distributions ``names`` pull in, as pip installs them (canonical names)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen: set[str] = set()
    todo = [Requirement(name) for name in names]
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(requirement.name) or []
        except metadata.PackageNotFoundError:
            continue
        extras = requirement.extras or {""}
        for line in requires:
            nested = Requirement(line)
            if nested.marker is None or any(nested.marker.evaluate({"extra": extra}) for extra in extras):
                todo.append(nested)
    return seen


def _imported_top_level_modules() -> set[str]:
    """Every module the application (not its tests) imports at run time, by its top-level name."""
    names: set[str] = set()
    for path in (ROOT / "shouwang").rglob("*.py"):
        if "tests" in path.parts or "testing" in path.parts:
            continue
        tree = ast.parse(path.read_text(), str(path))
        guarded = {id(node) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and "TYPE_CHECKING" in ast.unparse(block.test) for node in ast.walk(block)}
        for node in ast.walk(tree):
            if id(node) in guarded:
                continue
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"shouwang", "__future__"}


def test_everything_the_application_imports_comes_with_the_pinned_dependencies():
    """The wheelhouse holds what ``[project] dependencies`` pulls in: a module missing from it imports
    fine here (the development venv has it) and fails on the county's server."""
    import tomllib

    from packaging.utils import canonicalize_name

    pinned = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    closure = _requirement_closure(pinned)
    owners = metadata.packages_distributions()
    modules = _imported_top_level_modules() | {app.split(".")[0] for app in settings.INSTALLED_APPS}
    missing = {module: owners.get(module) for module in sorted(modules - {"shouwang"})
               if not {canonicalize_name(d) for d in owners.get(module, [])} & closure}
    assert missing == {}, "pin these in pyproject.toml [project] dependencies"


# --- systemd ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", UNITS)
def test_unit_runs_as_the_service_user_sandboxed_and_restarted(name):
    service = unit(name)["Service"]
    assert service["User"] == "shouwang" and service["Group"] == "shouwang"
    assert service["Restart"] == "always"
    assert service["EnvironmentFile"] == ENV_FILE
    assert service["UMask"] == "0077"
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert service["PrivateTmp"] == "yes"
    assert service["ProtectHome"] == "yes"
    assert service["CapabilityBoundingSet"] == ""
    assert service["ReadWritePaths"].split() == [env_template()["SHOUWANG_VAR_DIR"]]
    assert unit(name)["Unit"]["PartOf"] == "shouwang.target"
    assert name in unit("shouwang.target")["Unit"]["Wants"].split()


@pytest.mark.parametrize("name", UNITS)
def test_unit_starts_an_installed_command_with_options_it_accepts(name):
    program, *args = shlex.split(unit(name)["Service"]["ExecStart"])
    assert program.startswith(VENV_BIN)
    script = program.removeprefix(VENV_BIN)
    assert script in console_scripts(), f"{script} is not a console script of the installed packages"
    if script == "django-admin":
        command, *options = args
        assert command in get_commands(), f"no management command {command}"
        parser = load_command_class(get_commands()[command], command).create_parser("django-admin", command)
        for option in options:  # (the tests' task backend is not the database queue: no full parse)
            assert option in parser._option_string_actions, f"{command} has no option {option}"
    else:
        assert script == "gunicorn" and args == ["--config", GUNICORN_CONF]


def test_systemd_analyze_verifies_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze is not installed")
    (tmp_path / "shouwang.env").write_text("")
    (tmp_path / "gunicorn.conf.py").write_text("")
    bin_dir = str(Path(sys.executable).parent) + "/"
    for path in (DEPLOY / "systemd").iterdir():
        text = path.read_text().replace(VENV_BIN, bin_dir).replace("/etc/shouwang/", f"{tmp_path}/")
        (tmp_path / path.name).write_text(text)
    names = [f"./{name}" for name in (*UNITS, "shouwang.target")]
    result = subprocess.run([analyze, "verify", "--man=no", *names], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    problems = [line for line in result.stderr.splitlines() if "shouwang" in line]
    assert result.returncode == 0 and not problems, result.stderr


# --- gunicorn ---------------------------------------------------------------------------------------


def test_gunicorn_settings_are_known_to_gunicorn_and_load_the_application():
    from gunicorn.config import Config

    conf = gunicorn_settings()
    known = Config()
    for name, value in conf.items():
        known.set(name, value)  # AttributeError for a setting gunicorn does not have
    module = conf["wsgi_app"].partition(":")[0]
    assert find_spec(module) is not None
    assert 2 <= conf["workers"] <= 9
    assert conf["timeout"] >= 30


def test_gunicorn_binds_where_nginx_connects_and_logs_where_logrotate_looks():
    conf = gunicorn_settings()
    socket_path = conf["bind"].removeprefix("unix:")
    web = unit("shouwang-web.service")["Service"]
    assert socket_path.startswith(f"/run/{web['RuntimeDirectory']}/")
    assert f"server unix:{socket_path} " in nginx_site()
    log_dir = str(Path(conf["accesslog"]).parent)
    assert log_dir == f"/var/log/{web['LogsDirectory']}"
    assert (DEPLOY / "logrotate" / "shouwang").read_text().count(f"{log_dir}/*.log {{") == 1


def test_gunicorn_access_log_leaves_out_query_strings_and_referrers():
    line = gunicorn_settings()["access_log_format"]
    assert "%(U)s" in line
    for field in ("%(r)s", "%(q)s", "%(f)s", "{referer}"):
        assert field not in line


# --- nginx ------------------------------------------------------------------------------------------


def _directives(name: str) -> list[str]:
    pattern = rf"^\s*{name}\s+((?:'[^']*'\s*|\"[^\"]*\"|[^;'\"])+);"
    return [m.group(1).strip() for m in re.finditer(pattern, nginx_site(), re.MULTILINE)]


def test_nginx_serves_tls_12_or_13_only_with_hsts():
    assert _directives("ssl_protocols") == ["TLSv1.2 TLSv1.3"]
    hsts = [d for d in _directives("add_header") if d.startswith("Strict-Transport-Security")]
    assert len(hsts) == 1 and hsts[0].endswith("always")
    assert int(re.search(r"max-age=(\d+)", hsts[0]).group(1)) >= 31536000
    assert _directives("return") == ["301 https://$host$request_uri"]
    assert any(d.startswith("443 ssl") for d in _directives("listen"))


def test_nginx_passes_the_headers_the_application_trusts():
    headers = dict(d.split(None, 1) for d in _directives("proxy_set_header"))
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["X-Real-IP"] == "$remote_addr"
    assert headers["Host"] == "$http_host"  # with its port: Django compares it with the Origin (CSRF)
    assert env_template()["SHOUWANG_CLIENT_IP_HEADER"] == "HTTP_X_REAL_IP"


def test_nginx_accepts_the_largest_upload_the_application_does():
    (size,) = _directives("client_max_body_size")
    assert size.endswith("m")
    limit = int(size[:-1]) * 1024 * 1024
    assert settings.SHOUWANG_UPLOAD_MAX_BYTES <= limit <= settings.SHOUWANG_UPLOAD_MAX_BYTES + 8 * 1024 * 1024


def test_nginx_access_log_leaves_out_query_strings_and_referrers():
    (fmt,) = [d for d in _directives("log_format") if d.startswith("shouwang")]
    assert "$uri" in fmt
    for variable in ("$request ", "$request_uri", "$args", "$query_string", "$http_referer"):
        assert variable not in fmt


def test_nginx_accepts_the_site(tmp_path):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    openssl = shutil.which("openssl")
    if not nginx or not openssl:
        pytest.skip("nginx or openssl is not installed")
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test",
                    "-keyout", tmp_path / "site.key", "-out", tmp_path / "site.crt"],
                   check=True, capture_output=True, timeout=60)
    site = (nginx_site().replace("/etc/ssl/certs/shouwang.crt", str(tmp_path / "site.crt"))
            .replace("/etc/ssl/private/shouwang.key", str(tmp_path / "site.key"))
            .replace("/var/log/nginx/", f"{tmp_path}/"))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  include {tmp_path}/site.conf;\n}}\n"
    )
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
                             "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


# --- the environment file ------------------------------------------------------------------------------


def test_env_template_names_every_variable_config_reads():
    read = set(re.findall(r'"(SHOUWANG_[A-Z0-9_]+)"', Path(config.__file__).read_text()))
    text = (DEPLOY / "shouwang.env.example").read_text()
    listed = set(re.findall(r"^#?(SHOUWANG_[A-Z0-9_]+)=", text, re.MULTILINE))
    assert read - listed == set(), "add these to deploy/shouwang.env.example"
    assert listed - read == set(), "config.py no longer reads these"


def test_env_template_filled_in_is_a_production_configuration(tmp_path):
    values = env_template()
    assert values["DJANGO_SETTINGS_MODULE"] == "shouwang.settings"
    placeholders = [name for name, value in values.items() if "CHANGE-ME" in value]
    assert sorted(placeholders) == ["SHOUWANG_ALLOWED_HOSTS", "SHOUWANG_SECRET_KEY"]
    filled = _filled(values, tmp_path)
    loaded = config.load(filled)
    assert loaded.production and not loaded.debug and loaded.db_engine == "postgresql"


def test_env_template_filled_in_passes_the_deployment_check(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOUWANG_", "DJANGO_"))}
    env.update(_filled(env_template(), tmp_path))
    # Django's model checks ask PostgreSQL its version (generated fields): a database file stands in.
    env.update({"SHOUWANG_DB_ENGINE": "sqlite", "SHOUWANG_DB_NAME": str(tmp_path / "check.sqlite3")})
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def _filled(values: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The template as a county fills it in, with its files under ``tmp_path``."""
    filled = dict(values)
    filled["SHOUWANG_SECRET_KEY"] = "county-secret-" + "Zq7-" * 12
    filled["SHOUWANG_ALLOWED_HOSTS"] = "shouwang.example.gov.cn"
    for name, value in values.items():
        if value.startswith(("/srv/shouwang/", "/etc/shouwang/")):
            filled[name] = str(tmp_path / value.lstrip("/"))
    for name in ("SHOUWANG_DATA_KEY_FILE", "SHOUWANG_AUDIT_KEY_FILE", "SHOUWANG_BACKUP_KEY_FILE"):
        path = Path(filled[name])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(KEY + "\n")
    return filled


# --- the helper scripts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("script", ["shouwang-manage", "init-keys.sh", "install-offline.sh"])
def test_helper_scripts_parse_and_use_the_guides_paths(script):
    path = DEPLOY / script
    assert os.access(path, os.X_OK)
    assert subprocess.run(["bash", "-n", str(path)], capture_output=True, timeout=30).returncode == 0
    text = path.read_text()
    if script != "install-offline.sh":
        assert ENV_FILE in text
    assert "/opt/shouwang/venv" in text


def test_owner_file_names_the_owner_role_the_grants_give_to_the_services_role():
    owner = dict(line.split("=", 1) for line in (DEPLOY / "owner.env.example").read_text().splitlines()
                 if line and not line.startswith("#"))
    assert set(owner) <= {"SHOUWANG_DB_USER", "SHOUWANG_DB_PASSWORD", "SHOUWANG_DB_HOST", "SHOUWANG_DB_PORT"}
    grants = (DEPLOY / "postgresql" / "roles.sql").read_text()
    app_role = env_template()["SHOUWANG_DB_USER"]
    assert app_role != owner["SHOUWANG_DB_USER"]
    assert f"FOR ROLE {owner['SHOUWANG_DB_USER']} IN SCHEMA public" in grants
    assert f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app_role};" in grants
    assert "/etc/shouwang/owner.env" in (DEPLOY / "shouwang-manage").read_text()
