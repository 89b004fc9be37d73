"""Make the audit tables append-only on PostgreSQL (security.md §5.9, G16: the application's role
may not UPDATE or DELETE audit rows).

Triggers refuse UPDATE, DELETE and TRUNCATE on ``core_changelog`` and ``core_accesslog`` for every
role, and let the chain head (``core_chainhead``) only move forward (a higher sequence number),
never back or away. ``--app-role NAME`` also revokes UPDATE, DELETE and TRUNCATE from the
application's database role where it does not own the tables (the stronger setup of the
deployment guide: the tables belong to the role that runs ``migrate``, so the application's role
cannot drop the triggers either). ``--remove`` drops the triggers, for the owner's maintenance.

Run after every ``migrate`` (it is idempotent). It is not a migration: the test suite empties
tables between tests, which the triggers would refuse.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from shouwang.core.models import AccessLog, ChainHead, ChangeLog

LOG_TABLES = (ChangeLog._meta.db_table, AccessLog._meta.db_table)
HEAD_TABLE = ChainHead._meta.db_table
TRIGGERS = ("shouwang_audit_append_only", "shouwang_audit_no_truncate")

FUNCTIONS = """
CREATE OR REPLACE FUNCTION shouwang_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log % is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE OR REPLACE FUNCTION shouwang_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.name = OLD.name AND NEW.seq > OLD.seq THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'the audit chain head % may only move forward: % refused', OLD.name, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
"""


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def install_sql() -> list[str]:
    statements = [FUNCTIONS]
    for table, function in [(t, "shouwang_audit_refuse") for t in LOG_TABLES] + [
            (HEAD_TABLE, "shouwang_audit_head_forward")]:
        statements += [
            f"DROP TRIGGER IF EXISTS shouwang_audit_append_only ON {_quote(table)}",
            f"DROP TRIGGER IF EXISTS shouwang_audit_no_truncate ON {_quote(table)}",
            f"CREATE TRIGGER shouwang_audit_append_only BEFORE UPDATE OR DELETE ON {_quote(table)} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()",
            f"CREATE TRIGGER shouwang_audit_no_truncate BEFORE TRUNCATE ON {_quote(table)} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION shouwang_audit_refuse()",
        ]
    return statements


def privilege_sql(role: str) -> list[str]:
    role = _quote(role)
    logs = ", ".join(_quote(t) for t in LOG_TABLES)
    return [
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {logs} FROM {role}",
        f"GRANT SELECT, INSERT ON {logs} TO {role}",
        f"REVOKE DELETE, TRUNCATE ON {_quote(HEAD_TABLE)} FROM {role}",
        f"GRANT SELECT, INSERT, UPDATE ON {_quote(HEAD_TABLE)} TO {role}",
    ]


def remove_sql() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {trigger} ON {_quote(table)}"
            for table in (*LOG_TABLES, HEAD_TABLE) for trigger in TRIGGERS]


def installed() -> int:
    """How many of the six triggers are in place."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE c.relname = ANY(%s) AND t.tgname = ANY(%s) AND NOT t.tgisinternal",
            [[*LOG_TABLES, HEAD_TABLE], list(TRIGGERS)],
        )
        return cursor.fetchone()[0]


class Command(BaseCommand):
    help = ("PostgreSQL: make the change and access logs append-only (triggers refusing UPDATE, DELETE and "
            "TRUNCATE; the chain head only moves forward).")

    def add_arguments(self, parser):
        parser.add_argument("--app-role", help="also revoke UPDATE, DELETE, TRUNCATE on the logs from this role")
        parser.add_argument("--remove", action="store_true", help="drop the triggers (maintenance by the owner)")
        parser.add_argument("--check", action="store_true", help="only say whether the triggers are installed")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(_("protect_audit works on PostgreSQL only (the database here is %(vendor)s).")
                               % {"vendor": connection.vendor})
        if options["check"]:
            count = installed()
            self.stdout.write(_("%(n)d of %(total)d audit triggers installed.") % {"n": count, "total": 6})
            if count != 6:
                raise CommandError(_("The audit tables are not protected: run manage.py protect_audit."))
            return
        statements = remove_sql() if options["remove"] else install_sql()
        if options["app_role"] and not options["remove"]:
            statements += privilege_sql(options["app_role"])
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        if options["remove"]:
            self.stdout.write(_("Audit triggers removed: the audit tables can be changed again."))
        else:
            self.stdout.write(_("Audit tables protected: UPDATE, DELETE and TRUNCATE are refused; the chain "
                                "head only moves forward."))
