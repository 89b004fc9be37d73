"""National-takeover benchmark: a county-size national export taken over, against the registry importer.

    python bench/national_import.py [--people 100000] [--year 2025] [--seed S] [--cpus 2] [--keep]
                                    [--skip-registry]

Every phase runs in a subprocess of this script (pinned to ``--cpus`` cores, 2 by default: the
goals are for 2 cores), so each phase's peak memory is its own ``ru_maxrss``:

1. **prepare**: a fresh SQLite database (a temporary file), ``migrate``, the Luxi regions;
2. **generate** (untimed for the goals): a synthetic national export of about N people
   (:func:`shouwang.supervision.takeover.synthetic.write_national_export`, messy cells, no
   problems, the 已外出务工 sheet), and the same households and incomes in the registry importer's
   own template, converted from the export;
3. **national**: ``import_national`` validating only, committing, then re-importing the unchanged
   file; every statement that writes is counted by table (a query wrapper: ``rowcount`` of each
   INSERT / UPDATE / DELETE; rows staged for a table by ``core.bulk.background_inserts`` count as
   the table's, where they are staged), and the re-import must write 0 rows to the registry and
   cases tables;
4. **registry** (the baseline), in a second fresh database: ``import_registry`` on the same
   households: validating, committing, re-importing unchanged.

Printed: wall time, CPU time and peak resident memory of each phase, the ratios national /
registry, and the national goals (commit ≤ 60 s and ≤ 1 GiB, unchanged re-import ≤ 15 s with
0 rows written). The registry importer's own goals are for 100,000 *households* (about 2.7 times
these people): ``bench/registry_import.py`` checks them.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from common import (
    configure,
    cpu_seconds,
    maxrss_mib,
    prepare_database,
    print_table,
    rss_mib,
    wait_for_checkpoint,
)

MEMBERS_PER_HOUSEHOLD = 2.78  # what the demo generator draws on average (bench figures: about 2.78)
# Tables whose rows are the registry, the cases and the takeover's own records: an unchanged
# re-import must write none of them. Logs (access log) and job records are reported apart.
DATA_TABLES = re.compile(r"^(registry_|cases_|monitoring_|supervision_national|supervision_reconciliation)")
WRITE = re.compile(r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+(?:temp\.)?"?(\w+)"?', re.IGNORECASE)
# Rows staged for a table (core.bulk.background_inserts) count as its own: its thread moves them there.
STAGED = re.compile(r"__staged_\d+$")
GOALS = {  # phase → (seconds, MiB or None)
    "national_commit": (60, 1024),
    "national_again": (15, None),
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=100_000, help="about this many people (default 100000)")
    parser.add_argument("--year", type=int, default=2025, help="the export's year (default 2025)")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--cpus", type=int, default=2, help="cores each phase may use (0: all)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (files, databases)")
    parser.add_argument("--skip-registry", action="store_true", help="time the national importer only")
    # a phase of the benchmark, run in a subprocess
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    return parser.parse_args()


# --- the phases (in subprocesses) -----------------------------------------------------------------


class WriteCounter:
    """Rows written per table, from the ``rowcount`` of every INSERT / UPDATE / DELETE."""

    def __init__(self) -> None:
        self.rows: Counter[str] = Counter()
        self.statements = 0

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        match = WRITE.match(sql)
        if match:
            self.statements += 1
            count = context["cursor"].rowcount
            self.rows[STAGED.sub("", match.group(1))] += count if count and count > 0 else 0
        return result


def _timed(run) -> dict:
    """Run ``run()`` counting writes; wall and CPU seconds, resident memory before, the result."""
    from django.db import connection

    counter = WriteCounter()
    rss_before = rss_mib()
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    with connection.execute_wrapper(counter):
        result = run()
    seconds, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    return {
        "seconds": seconds,
        "cpu": cpu,
        "checkpoint_seconds": wait_for_checkpoint(),
        "rss_before": rss_before,
        "writes": dict(counter.rows),
        "statements": counter.statements,
        **result,
    }


def _report_counts(report) -> dict:
    data = report.to_dict()
    return {
        "ok": not report.errors,
        "errors": len(report.errors),
        "committed": report.committed,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "first_errors": [str(e) for e in data.get("errors", [])[:5]],
        "details": {k: v for k, v in report.details.items() if k in ("households", "members", "cases", "years")},
    }


def phase_prepare(args, workdir: Path) -> dict:
    prepare_database("sqlite")
    return {}


def phase_generate(args, workdir: Path) -> dict:
    from shouwang.supervision.takeover.synthetic import write_national_export

    households = max(1, round(args.people / MEMBERS_PER_HOUSEHOLD))
    national = workdir / "national.xlsx"
    t0 = time.perf_counter()
    summary = write_national_export(national, county="433122", households=households, seed=args.seed,
                                    year=args.year, messy=True, problems=False, work_sheet=True)
    seconds = time.perf_counter() - t0
    registry = workdir / "registry.xlsx"
    t1 = time.perf_counter()
    to_registry_template(national, registry, args.year)
    return {
        "households": summary.households, "people": summary.people, "work_spells": summary.work_spells,
        "monitored": summary.monitored_total, "eliminated": summary.eliminated_total,
        "generate_seconds": seconds, "convert_seconds": time.perf_counter() - t1,
        "national_mib": national.stat().st_size / 1048576, "registry_mib": registry.stat().st_size / 1048576,
    }


def _national(args, workdir: Path, commit: bool) -> dict:
    from shouwang.supervision.takeover.importer import import_national

    path = workdir / "national.xlsx"
    return _timed(lambda: _report_counts(import_national([(path, path.name)], year=args.year, commit=commit)))


def _registry(args, workdir: Path, commit: bool) -> dict:
    from shouwang.registry.imports.importer import import_registry

    path = workdir / "registry.xlsx"
    return _timed(lambda: _report_counts(import_registry([(path, path.name)], commit=commit)))


PHASES = {
    "prepare": phase_prepare,
    "generate": phase_generate,
    "national_validate": lambda args, workdir: _national(args, workdir, commit=False),
    "national_commit": lambda args, workdir: _national(args, workdir, commit=True),
    "national_again": lambda args, workdir: _national(args, workdir, commit=True),
    "registry_validate": lambda args, workdir: _registry(args, workdir, commit=False),
    "registry_commit": lambda args, workdir: _registry(args, workdir, commit=True),
    "registry_again": lambda args, workdir: _registry(args, workdir, commit=True),
}


def run_phase(args) -> None:
    workdir = Path(args.workdir)
    database = workdir / args.db
    database.mkdir(exist_ok=True)
    configure("sqlite", database)
    result = PHASES[args.phase](args, workdir)
    result["peak_mib"] = maxrss_mib()
    print("RESULT " + json.dumps(result, ensure_ascii=False, default=str))


# --- the registry importer's template, from the national export ----------------------------------


def to_registry_template(national: Path, target: Path, year: int) -> None:
    """The export's households, members and incomes as the registry importer's two sheets.

    Every coded cell is read with the national code tables and written with the registry's own
    canonical label for the same value, so both importers load the same households.
    """
    import xlsxwriter

    from shouwang.core.imports import fold, locate, open_source
    from shouwang.regions.models import Region
    from shouwang.registry.imports import columns as registry
    from shouwang.supervision.takeover import layout

    table = locate(open_source(national.read_bytes(), national.name), "监测对象信息", layout.people_spec())
    names = dict(Region.objects.filter(level="township").values_list("code", "name"))
    village_codes = {
        (names.get(code[:9], ""), name): code
        for code, name in Region.objects.filter(level="village").values_list("code", "name")
    }

    def label_of(choices):
        out = {}
        for label, value in choices.labels.items():
            out.setdefault(value, label)
        return out

    registry_labels = {
        "household_type": label_of(registry.HOUSEHOLD_TYPES), "relation": label_of(registry.RELATIONS),
        "sex": label_of(registry.SEXES), "education": label_of(registry.EDUCATION),
        "schooling": label_of(registry.SCHOOLING), "health": label_of(registry.HEALTH),
        "labour": label_of(registry.LABOUR),
    }
    national_tables = {key: layout.table_choices(layout.COLUMN_TABLES[key]) for key in registry_labels}
    yes_no = layout.table_choices("yesno")
    dibao, tekun = layout.table_choices("dibao"), layout.table_choices("tekun")
    health_order = {v: i for i, v in enumerate(layout.HEALTH_ORDER)}
    split = re.compile(f"[{re.escape(layout.MULTI_SEPARATORS)}]")

    def coded(key: str, text: str | None) -> str:
        if not text:
            return ""
        if key == "health":  # the most serious of a combined cell
            values = [national_tables[key].get(part) for part in split.split(text) if part.strip()]
            value = min(values, key=health_order.__getitem__)
        else:
            value = national_tables[key].get(text)
        return registry_labels[key][value]

    def flag(text: str | None) -> bool:
        return bool(yes_no.get(text)) if text else False

    def phone(text: str | None) -> str:
        return (text or "").removesuffix(".0")

    def amount(text: str | None) -> str:
        return fold(text) or "0"

    workbook = xlsxwriter.Workbook(str(target), {"constant_memory": True, "strings_to_numbers": False})
    members = workbook.add_worksheet(registry.MEMBERS.name)
    member_keys = [c.key for c in registry.MEMBERS.columns]
    for col, column in enumerate(registry.MEMBERS.columns):
        members.write_string(0, col, column.label)
    firsts: dict[str, dict] = {}
    for row, r in enumerate(table.frame.iter_rows(named=True), start=1):
        firsts.setdefault(r["number"], r)
        values = {
            "number": r["number"], "village_code": village_codes[(r["township"], r["village"])],
            # the registry template has no certificate numbers: the ID number in it
            "village_name": r["village"], "name": r["name"], "id_number": r["id_number"][:18],
            "ethnicity": r["ethnicity"] or "", "work_location": r["work_location"] or "",
            "work_months": r["work_months"] or "", "phone": phone(r["phone"]),
            "medical_insured": "是" if flag(r["medical_resident"]) or flag(r["medical_employee"]) else "否",
            "pension_insured": "是" if flag(r["pension_resident"]) or flag(r["pension_employee"]) else "否",
            "dibao": "是" if r["dibao"] and dibao.get(r["dibao"]) else "否",
            "tekun": "是" if r["tekun"] and tekun.get(r["tekun"]) else "否",
            **{key: coded(key, r[key]) for key in registry_labels},
        }
        for col, key in enumerate(member_keys):
            if values.get(key):
                members.write_string(row, col, str(values[key]))
    incomes = workbook.add_worksheet(registry.INCOME.name)
    income_keys = [c.key for c in registry.INCOME.columns]
    for col, column in enumerate(registry.INCOME.columns):
        incomes.write_string(0, col, column.label)
    for row, (number, r) in enumerate(firsts.items(), start=1):
        values = {
            "number": number, "year": str(year),
            **{key: amount(r[key]) for key in layout.INCOME_KEYS},
            "housing_grade": "C" if flag(r["dangerous_house"]) else "A",
            "water_secured": "是" if flag(r["water_secured"]) else "否",
            "dropout": "是" if flag(r["dropout"]) else "否",
        }
        for col, key in enumerate(income_keys):
            if values.get(key):
                incomes.write_string(row, col, values[key])
    workbook.close()


# --- the orchestration ----------------------------------------------------------------------------


def spawn(args, workdir: Path, phase: str, db: str, env: dict) -> dict:
    command = [sys.executable, __file__, "--phase", phase, "--workdir", str(workdir), "--db", db,
               "--people", str(args.people), "--year", str(args.year), "--seed", str(args.seed)]
    cpus = sorted(os.sched_getaffinity(0))[: args.cpus] if args.cpus and hasattr(os, "sched_getaffinity") else None

    def pin():
        if cpus:
            os.sched_setaffinity(0, cpus)

    done = subprocess.run(command, env=env, capture_output=True, text=True, preexec_fn=pin)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-8000:])
        sys.exit(f"phase {phase} failed (exit status {done.returncode})")
    result = json.loads(lines[-1][len("RESULT "):])
    seconds = result.get("seconds", result.get("generate_seconds", 0.0))
    print(f"  {phase:<18} {seconds:7.1f} s   peak {result['peak_mib']:7.1f} MiB", flush=True)
    return result


def main() -> None:
    args = parse_args()
    if args.phase:
        run_phase(args)
        return
    workdir = Path(tempfile.mkdtemp(prefix="shouwang-national-bench-"))
    env = dict(os.environ, SHOUWANG_DATA_KEY=os.environ.get("SHOUWANG_DATA_KEY")
               or base64.b64encode(secrets.token_bytes(32)).decode())
    print(f"folder: {workdir}; phases on {args.cpus or os.cpu_count()} of {os.cpu_count()} CPUs", flush=True)
    load_before = os.getloadavg()[0]
    spawn(args, workdir, "prepare", "national", env)
    made = spawn(args, workdir, "generate", "national", env)
    print(f"  generated {made['households']:,} households, {made['people']:,} people, {made['work_spells']:,} "
          f"work spells, {made['monitored']:,} monitored ({made['eliminated']:,} eliminated) in "
          f"{made['generate_seconds']:.1f} s ({made['national_mib']:.1f} MiB); registry template in "
          f"{made['convert_seconds']:.1f} s ({made['registry_mib']:.1f} MiB)", flush=True)
    results = {}
    for phase in ("national_validate", "national_commit", "national_again"):
        results[phase] = spawn(args, workdir, phase, "national", env)
    if not args.skip_registry:
        spawn(args, workdir, "prepare", "registry", env)
        for phase in ("registry_validate", "registry_commit", "registry_again"):
            results[phase] = spawn(args, workdir, phase, "registry", env)
    report(args, made, results, load_before)
    if args.keep:
        print(f"\nkept: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


def _data_rows(writes: dict) -> int:
    return sum(n for table, n in writes.items() if DATA_TABLES.match(table))


def report(args, made: dict, results: dict, load_before: float) -> None:
    rows = [("file", f"{made['households']:,} households / {made['people']:,} people / "
                     f"{made['work_spells']:,} work spells / {made['monitored']:,} monitored")]
    failures = []
    for phase, r in results.items():
        counts = f"created {r['created']:,}, updated {r['updated']:,}, unchanged {r['unchanged']:,}"
        if r["errors"]:
            counts += f", ERRORS {r['errors']:,}, the first: {r['first_errors'][:1]}"
            failures.append(phase)
        rows.append((phase.replace("_", ": ", 1),
                     f"{r['seconds']:7.1f} s  CPU {r['cpu']:6.1f} s  peak {r['peak_mib']:6.0f} MiB "
                     f"(before {r['rss_before']:.0f})  {counts}"))
        if r.get("checkpoint_seconds"):
            rows.append(("  WAL checkpoint afterwards", f"{r['checkpoint_seconds']:7.1f} s  (on a thread of its own "
                                                         "once the commit has returned; not in its time)"))
        if phase.endswith("again"):
            data = _data_rows(r["writes"])
            others = {t: n for t, n in r["writes"].items() if not DATA_TABLES.match(t) and n}
            rows.append((f"  rows written by the {phase.split('_')[0]} re-import",
                         f"{data:,} to registry/cases tables; elsewhere {others or 'none'}"))
        elif phase.endswith("commit"):
            rows.append((f"  rows written by the {phase.split('_')[0]} commit",
                         f"{_data_rows(r['writes']):,} to registry/cases tables ({r['statements']:,} statements)"))
    for phase in ("validate", "commit", "again"):
        n, g = results.get(f"national_{phase}"), results.get(f"registry_{phase}")
        if n and g:
            rows.append((f"ratio national / registry: {phase}",
                         f"{n['seconds'] / g['seconds']:7.2f} x time, "
                         f"{n['peak_mib'] / g['peak_mib']:.2f} x peak memory"))
    scale = args.people / 100_000  # the goals are for 100,000 people; smaller runs are scaled linearly
    for phase, (seconds, mib) in GOALS.items():
        r = results.get(phase)
        if not r:
            continue
        projected = r["seconds"] / scale if scale < 1 else r["seconds"]
        met = projected <= seconds and (mib is None or r["peak_mib"] <= mib)
        if phase.endswith("again"):
            met = met and _data_rows(r["writes"]) == 0
        goal = f"≤ {seconds} s" + (f", ≤ {mib} MiB" if mib else ", 0 rows written")
        how = f"{r['seconds']:.1f} s" if scale >= 1 else f"{projected:.0f} s projected from {r['seconds']:.1f} s"
        rows.append((f"goal {phase.replace('_', ' ')} ({goal})",
                     f"{'met' if met else 'NOT MET'}: {how}, peak {r['peak_mib']:.0f} MiB at {args.people:,} people"))
    rows.append(("load average at start / end", f"{load_before:.1f} / {os.getloadavg()[0]:.1f}"))
    print_table(f"National takeover benchmark (SQLite, Python {sys.version.split()[0]}, "
                f"{args.cpus or os.cpu_count()} of {os.cpu_count()} CPUs)", rows, 40)
    if failures:
        sys.exit(f"phases with errors: {', '.join(failures)}")


if __name__ == "__main__":
    main()
