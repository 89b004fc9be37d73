"""Registry-import benchmark: validate, first commit and unchanged re-import of N households.

    python bench/registry_import.py [--households 100000] [--database sqlite|postgresql] [--keep]
                                    [--skip-baseline] [--compare PATH]

Steps:

1. a fresh database (SQLite: a temporary file; PostgreSQL: the SHOUWANG_DB_* variables, which
   must name a database this script may empty), ``migrate``, the Luxi regions;
2. an xlsx of N households (about 2.7 members each, valid synthetic ID numbers written as text,
   one 收支情况 row per household), written with xlsxwriter in constant-memory mode;
3. each phase runs in a fresh Python process (so its peak memory, ``ru_maxrss``, is its own) as the
   county-wide system user, and reports wall time, CPU time and peak resident set:

   * **validate**: read and check every row, plan against the (empty) registry, write nothing;
   * **first commit**: the same, then write everything in one transaction with the change log
     (on SQLite the WAL checkpoint after it runs on a thread of its own: its time is shown apart);
   * **unchanged re-import**: the same file again, commit requested; the rows it writes to the
     registry are counted (every INSERT/UPDATE/DELETE on the registry tables, by its row count;
     rows staged for them by ``core.bulk.background_inserts`` count where they are staged);
     the same bytes are recognised from the fingerprint the commit left, without reading a sheet;
   * **same rows, other bytes**: the re-import once more with the fingerprints removed, as a file
     saved again would be: every row read, each household compared by its digest;
   * **baseline** (unless ``--skip-baseline``): the first commit's values written with one
     ``Model.save()`` per household, member and year in autocommit, change-log signals suppressed
     (it does *less* than the importer, which also logs ~N×4.7 change-log entries), after the
     registry is emptied; the ratio baseline / importer is shown;

   and a process that only starts Django, to show the baseline memory the phases include.
4. ``--compare PATH``: the same three phases with the ``shouwang`` package of another checkout
   (e.g. the code before a change, same migrations), on the same machine in the same run, after
   the registry is emptied; the ratios before / now are shown.

The goals of issue 13 (2-core machine): 100,000 households committed in <= 30 s with <= 500 MiB
peak memory; the unchanged re-import in <= 10 s, writing 0 registry rows.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from common import (
    argument_parser,
    configure,
    cpu_seconds,
    empty_tables,
    finish,
    maxrss_mib,
    prepare_database,
    print_table,
    registry_models,
    start_bench,
    wait_for_checkpoint,
)

GOAL_COMMIT_SECONDS = 30.0
GOAL_PEAK_MIB = 500.0
GOAL_AGAIN_SECONDS = 10.0
GOAL_AGAIN_ROWS = 0


def parse_args() -> argparse.Namespace:
    parser = argument_parser(__doc__)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (xlsx, SQLite file)")
    parser.add_argument("--skip-baseline", action="store_true", help="no save()-per-row baseline")
    parser.add_argument("--compare", help="another checkout whose shouwang package runs the phases too")
    parser.add_argument("--phase", help=argparse.SUPPRESS)  # internal: run one phase in this process
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--code", help=argparse.SUPPRESS)
    return parser.parse_args()


SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鹏飞斌宇浩凯秀云海波建国志文辉"
RELATIONS = ["户主", "配偶", "之子", "之女", "之孙子女", "之父母"]
SIZES = [1, 2, 2, 3, 3, 3, 4, 4, 5, 6]  # mean 3.3 before the singles below: about 2.7 overall


def generate(path: Path, households: int, seed: int, villages: list[str]) -> tuple[int, int]:
    """The benchmark workbook; returns (members, income rows)."""
    import xlsxwriter

    from shouwang.registry.demo.synthetic import make_id_number
    from shouwang.registry.imports.template import INCOME_HEADERS, MEMBER_HEADERS

    rng = random.Random(seed)
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    members_sheet = workbook.add_worksheet("家庭成员")
    for col, header in enumerate(MEMBER_HEADERS):
        members_sheet.write_string(0, col, header)
    person = 0
    row = 1
    for h in range(households):
        number = f"B{h:07d}"
        village = villages[h % len(villages)]
        size = 1 if rng.random() < 0.25 else rng.choice(SIZES)
        kind = "脱贫户" if rng.random() < 0.17 else "一般农户"
        surname = rng.choice(SURNAMES)
        for i in range(size):
            # (day, seq) is a bijection of the person counter: every ID number is distinct
            day, seq = (person * 7919) % 29000, person // 29000
            birth = date.fromordinal(date(1940, 1, 1).toordinal() + day)
            id_number = make_id_number("433122", birth, seq)
            values = [
                number,
                village,
                "",
                kind,
                surname + rng.choice(GIVEN) + rng.choice(GIVEN),
                id_number,
                RELATIONS[min(i, len(RELATIONS) - 1)],
                "",
                rng.choice(("苗族", "土家族", "汉族")),
                rng.choice(("小学", "初中", "高中", "文盲或半文盲")),
                "非在校生",
                rng.choice(("健康", "健康", "健康", "长期慢性病", "患有大病", "残疾")),
                rng.choice(("普通劳动力", "技能劳动力", "弱劳动力或半劳动力", "无劳动力")),
                rng.choice(("", "浙江省宁波市", "广东省东莞市", "本县")),
                str(rng.randint(0, 12)),
                f"13{person % 10}{person:08d}"[:11],
                rng.choice(("是", "是", "是", "否")),
                "否",
                "否",
            ]
            for col, value in enumerate(values):
                if value:
                    members_sheet.write_string(row, col, value)
            row += 1
            person += 1
    income_sheet = workbook.add_worksheet("收支情况")
    for col, header in enumerate(INCOME_HEADERS):
        income_sheet.write_string(0, col, header)
    for h in range(households):
        values = [
            f"B{h:07d}",
            "2024",
            f"{rng.randint(0, 60000)}",
            f"{rng.randint(0, 20000):,}元",
            "0",
            f"{rng.randint(0, 8000)}.{rng.randint(0, 99):02d}",
            f"{rng.randint(0, 5000)}",
            f"{rng.randint(0, 3000)}",
            rng.choice("AAAABC"),
            rng.choice(("是", "是", "否")),
            "否",
        ]
        for col, value in enumerate(values):
            income_sheet.write_string(h + 1, col, value)
    workbook.close()
    return person, households


# --- the phases, each in its own process ----------------------------------------------------------

REGISTRY_TABLES = ("registry_household", "registry_member", "registry_householdyear")


def count_writes():
    """A context manager counting the rows each INSERT/UPDATE/DELETE statement changed, per table
    kind (registry tables and the rest), through Django's execute wrapper."""
    from django.db import connection

    written = {"registry": 0, "other": 0}

    def wrapper(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        verb = sql.lstrip().split(" ", 1)[0].upper()
        if verb in ("INSERT", "UPDATE", "DELETE"):
            rows = max(context["cursor"].rowcount, 0)
            kind = "registry" if any(t in sql.split("(", 1)[0] for t in REGISTRY_TABLES) else "other"
            written[kind] += rows
        return result

    return connection.execute_wrapper(wrapper), written


def run_phase(phase: str, path: Path) -> dict:
    """One phase in this (fresh) process; returns its JSON-ready result."""
    if phase == "django":  # the modules every phase loads, and nothing else
        from shouwang.registry.imports.importer import RegistryImport

        return {"rss_mib": maxrss_mib()}
    from shouwang.core.models import ChangeLog
    from shouwang.registry.imports.importer import RegistryImport
    from shouwang.registry.models import Household, HouseholdYear, Member

    rss0 = maxrss_mib()
    if phase == "baseline":
        return baseline(path)
    if phase == "again_read":  # the same rows in other bytes (a re-saved file): no fingerprint to go by
        from shouwang.registry.models import ImportFingerprint

        ImportFingerprint.objects.all().delete()
    wrapper, written = count_writes()
    log0 = ChangeLog.objects.count()
    cpu0 = cpu_seconds()
    start = time.perf_counter()
    with wrapper:
        report = RegistryImport(None).run([(path, path.name)], commit=phase != "validate")
    seconds = time.perf_counter() - start
    cpu = cpu_seconds() - cpu0
    checkpoint = wait_for_checkpoint()
    assert not report.errors, report.to_dict()["errors"][:5]
    return {
        "seconds": seconds,
        "cpu": cpu,
        "checkpoint_seconds": checkpoint,
        "rss_mib": maxrss_mib(),
        "rss_start_mib": rss0,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "details": report.details,
        "committed": report.committed,
        "registry_rows_written": written["registry"],
        "other_rows_written": written["other"],
        "change_log": ChangeLog.objects.count() - log0,
        "counts": [Household.objects.count(), Member.objects.count(), HouseholdYear.objects.count()],
    }


def baseline(path: Path) -> dict:
    """One ``save()`` per object, autocommit, from the importer's planned values (planned untimed)."""
    from django.db import connection

    from shouwang.registry.households.audit import suppress_change_log
    from shouwang.registry.imports.importer import RegistryImport
    from shouwang.registry.imports.planning import PLAN_CHUNK, new_counts
    from shouwang.registry.imports.rows import _chunks
    from shouwang.registry.models import Household, HouseholdYear, Member

    class Keeping(RegistryImport):
        """Plans as a dry run does, keeping what it would write."""

        def _plan_all(self, plans):
            self.writing = True  # build every row, as a commit would
            counts = new_counts()
            self.kept = [self.plan_households(chunk, counts) for chunk in _chunks(plans, PLAN_CHUNK)]
            return counts

    plan = Keeping(None)
    plan.run([(path, path.name)], commit=False)
    assert connection.get_autocommit()
    member_fields = (
        "name", "sex", "id_type", "id_index", "id_masked", "birth_year", "relation", "ethnicity", "education",
        "schooling", "health", "labour", "work_location", "work_months", "phone", "phone_masked",
        "medical_insured", "pension_insured", "dibao", "tekun",
    )
    year_fields = (
        "year", "member_count", "wage_income", "business_income", "property_income", "transfer_income",
        "business_costs", "compliant_out_of_pocket", "insurance_payouts", "housing_grade", "water_secured",
        "dropout", "uninsured_member",
    )
    cpu0 = cpu_seconds()
    start = time.perf_counter()
    count = 0
    with suppress_change_log():
        for writes in plan.kept:
            households: dict[str, Household] = {}
            for values in writes.new_households:
                h = Household(
                    number=values["number"],
                    village_id=values["village_id"],
                    household_type=values["household_type"],
                    no_labour=values["no_labour"],
                    import_batch=values["import_batch"],
                )
                h.save()
                households[h.number] = h
                count += 1
            for number, member, values in writes.new_members:
                m = Member(
                    household=households[number], id_number=member.id_number, **{k: values[k] for k in member_fields}
                )
                m.save()
                count += 1
            for number, values in writes.new_years:
                HouseholdYear(household=households[number], **{k: values[k] for k in year_fields}).save()
                count += 1
    return {"seconds": time.perf_counter() - start, "cpu": cpu_seconds() - cpu0, "objects": count}


def spawn(phase: str, path: Path, args: argparse.Namespace, code: str | None = None) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--phase", phase, "--file", str(path),
               "--database", args.database]
    if code:
        command += ["--code", code]
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy(), check=False)
    if done.returncode != 0:
        raise SystemExit(f"phase {phase} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def three_phases(xlsx: Path, args: argparse.Namespace, code: str | None = None) -> dict[str, dict]:
    """validate, commit, re-import on an empty registry; the registry is emptied afterwards."""
    results = {
        "validate": spawn("validate", xlsx, args, code),
        "commit": spawn("commit", xlsx, args, code),
        "again": spawn("again", xlsx, args, code),
        "again_read": spawn("again_read", xlsx, args, code),
    }
    assert results["commit"]["committed"] and results["again"]["created"] == 0, results
    assert results["again"]["updated"] == 0, results["again"]
    assert results["again_read"]["created"] == results["again_read"]["updated"] == 0, results["again_read"]
    assert results["again_read"]["details"] == results["again"]["details"], results
    return results


# --- the report -----------------------------------------------------------------------------------


def met(condition: bool) -> str:
    return "met" if condition else "NOT met"


def ratio(value: float, goal: float) -> str:
    return f"{value / goal:4.2f} x goal" if goal else ""


def main() -> None:
    args = parse_args()
    if args.phase:
        if args.code:  # another checkout's shouwang package, ahead of this one's
            sys.path.insert(0, str(Path(args.code).resolve()))
        workdir = Path(os.environ["SHOUWANG_VAR_DIR"]).parent
        configure(args.database, workdir)
        print(json.dumps(run_phase(args.phase, Path(args.file))))
        return

    workdir = start_bench(args.database, "shouwang-bench-")
    from django.db import connection, connections

    villages = prepare_database(args.database, registry_models())
    xlsx = workdir / "registry.xlsx"
    t0 = time.perf_counter()
    member_rows, income_rows = generate(xlsx, args.households, args.seed, villages)
    print(
        f"generated {args.households:,} households, {member_rows:,} member rows, {income_rows:,} income rows "
        f"in {time.perf_counter() - t0:.1f} s ({xlsx.stat().st_size / 1048576:.1f} MiB xlsx)"
    )
    connections.close_all()

    load_before = os.getloadavg()[0]
    django = spawn("django", xlsx, args)
    before = None
    if args.compare:
        before = three_phases(xlsx, args, args.compare)
        empty_tables(registry_models())
        connections.close_all()
    now = three_phases(xlsx, args)
    validate, commit, again, again_read = now["validate"], now["commit"], now["again"], now["again_read"]
    base = None
    if not args.skip_baseline:
        empty_tables(registry_models())
        connections.close_all()
        base = spawn("baseline", xlsx, args)

    def phase_line(result: dict, goal_seconds: float | None = None, goal_mib: float | None = None) -> str:
        text = f"{result['seconds']:6.1f} s"
        if goal_seconds:
            text += f" ({ratio(result['seconds'], goal_seconds)})"
        text += f"  CPU {result['cpu']:5.1f} s  peak RSS {result['rss_mib']:6,.0f} MiB"
        if goal_mib:
            text += f" ({ratio(result['rss_mib'], goal_mib)})"
        return text

    def versus(key: str, field: str = "seconds") -> str:
        if before is None:
            return ""
        old, new = before[key][field], now[key][field]
        return f"   before {old:7,.1f}, before / now {old / new:4.2f} x" if new else f"   before {old:,.1f}"

    counts = commit["counts"]
    rows = [
        ("file", f"{args.households:,} households / {member_rows:,} members / {income_rows:,} years"),
        ("validate only (dry run)", phase_line(validate) + versus("validate")),
        ("first commit", phase_line(commit, GOAL_COMMIT_SECONDS, GOAL_PEAK_MIB) + versus("commit")),
        ("  peak RSS", f"{commit['rss_mib']:6,.0f} MiB" + versus("commit", "rss_mib")),
        (
            "  WAL checkpoint afterwards",
            f"{commit.get('checkpoint_seconds', 0):6.1f} s  (on a thread of its own once the commit has returned; "
            "not in the commit's time)",
        ),
        (
            "  written",
            f"households {counts[0]:,}, members {counts[1]:,}, years {counts[2]:,}; "
            f"change-log entries {commit['change_log']:,}",
        ),
        ("unchanged re-import", phase_line(again, GOAL_AGAIN_SECONDS) + versus("again")),
        ("  same rows, other bytes", phase_line(again_read, GOAL_AGAIN_SECONDS)
         + f"  (every row read, households compared by digest; rows written {again_read['registry_rows_written']:,})"),
        ("  peak RSS", f"{again['rss_mib']:6,.0f} MiB" + versus("again", "rss_mib")),
        (
            "  registry rows written",
            f"{again['registry_rows_written']:,} (goal {GOAL_AGAIN_ROWS}); change-log entries {again['change_log']}; "
            f"unchanged households {again['unchanged']:,}"
            + (f"; before: {before['again']['registry_rows_written']:,} rows" if before else ""),
        ),
    ]
    if base is not None:
        rows += [
            (
                "baseline: save() per row, autocommit",
                f"{base['seconds']:6.1f} s  ({base['objects'] / base['seconds']:,.0f} objects/s, "
                f"CPU {base['cpu']:.1f} s)",
            ),
            ("ratio baseline / first commit", f"{base['seconds'] / commit['seconds']:6.1f} x"),
        ]
    rows += [
        ("process with Django loaded", f"{django['rss_mib']:6,.0f} MiB peak RSS (included in the figures above)"),
        (
            "goals (issue 13)",
            f"commit <= {GOAL_COMMIT_SECONDS:.0f} s: {met(commit['seconds'] <= GOAL_COMMIT_SECONDS)}; "
            f"peak <= {GOAL_PEAK_MIB:.0f} MiB: {met(commit['rss_mib'] <= GOAL_PEAK_MIB)}; "
            f"re-import <= {GOAL_AGAIN_SECONDS:.0f} s: {met(again['seconds'] <= GOAL_AGAIN_SECONDS)} (same bytes), "
            f"{met(again_read['seconds'] <= GOAL_AGAIN_SECONDS)} (other bytes), "
            f"0 rows: {met(again['registry_rows_written'] == GOAL_AGAIN_ROWS)}",
        ),
        ("load average at start / end", f"{load_before:.1f} / {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)"),
    ]
    if args.compare:
        rows.append(("compared with", args.compare))
    print_table(f"Registry import benchmark ({connection.vendor}, Python {sys.version.split()[0]})", rows, 90)
    finish(workdir, args.keep)


if __name__ == "__main__":
    main()
