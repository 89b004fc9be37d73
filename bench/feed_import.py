"""Feed-import benchmark: a 200,000-row medical-insurance xlsx checked, matched and committed.

    python bench/feed_import.py [--households 80000] [--rows 200000] [--unknown 5000]
                                [--database sqlite|postgresql] [--keep]

Steps:

1. a fresh database (SQLite: a temporary file; PostgreSQL: the SHOUWANG_DB_* variables, which
   must name a database this script may empty), ``migrate``, the Luxi regions, and the demo
   registry of ``--households`` households (``shouwang.registry.demo.services.seed_demo``);
2. a medical feed xlsx (医保) of ``--rows`` rows, written with xlsxwriter in constant-memory mode:
   a title row above the header, synonym headers (公民身份号码, 结算日期, 个人负担（元）…), dates in
   five formats (2024-03-05, 2024/3/5, 2024年3月5日, 20240305 and Excel date cells), amounts with
   元 and thousands separators, a record number on 70 % of the rows, the valid ID numbers of
   registry members (decrypted from the database) and ``--unknown`` rows of ID numbers the
   registry does not know;
3. each phase runs in a fresh Python process (so its peak memory is its own) and reports its
   wall time, CPU time and peak resident set (``ru_maxrss``), with the breakdown of the import's
   own steps taken from its progress messages:

   * **check + match (dry run)**: read the file, locate the header, check every row, match
     every ID number against the registry, compare with stored events; writes nothing;
   * **commit**: the same, then write the batch, the signals and the leads;
   * **re-import**: the same file again (commit requested): nothing new is written;

   and a process that only starts Django, to show the baseline memory the phases include.

The goal of issue 3: the 200,000 rows validated and matched in under 15 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from common import (
    configure,
    cpu_seconds,
    finish,
    maxrss_mib,
    prepare_database,
    print_table,
    registry_models,
    start_bench,
)

GOAL_SECONDS = 15.0
HEADERS = ["序号", "参保人姓名", "公民身份号码", "结算日期", "医疗类别", "个人负担（元）", "医疗总费用", "定点医疗机构",
           "结算流水号"]
HOSPITALS = ["泸溪县人民医院", "泸溪县中医医院", "湘西州人民医院", "武溪镇卫生院", "浦市镇中心卫生院",
             "吉首大学第一附属医院"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=80_000)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--unknown", type=int, default=5_000, help="rows whose ID number the registry does not know")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (xlsx, SQLite file)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)  # internal: run one phase in this process
    parser.add_argument("--file", help=argparse.SUPPRESS)
    return parser.parse_args()


# --- the phases, each in its own process ----------------------------------------------------------


def run_phase(phase: str, path: Path) -> dict:
    """One phase in this (fresh) process; prints nothing but its JSON result."""
    from shouwang.core.audit import acting_as
    from shouwang.monitoring.feeds.services import FeedImport

    if phase == "baseline":  # the modules every phase loads, and nothing else
        return {"rss_mib": maxrss_mib()}
    from shouwang.monitoring.models import FeedBatch

    marks: list[tuple[str, float]] = []

    def progress(done: int, total: int, message: str) -> None:
        marks.append((message, time.perf_counter()))

    rss0 = maxrss_mib()
    cpu0 = cpu_seconds()
    start = time.perf_counter()
    with acting_as(None, source="bench feed_import"):
        importer = FeedImport("medical", None, channel=FeedBatch.Channel.COMMAND, progress=progress)
        report = importer.run_file(path, path.name, commit=phase != "check")
    end = time.perf_counter()
    steps: dict[str, float] = {}
    for (message, at), (_, following) in zip(marks, [*marks[1:], ("end", end)], strict=True):
        steps[message] = steps.get(message, 0.0) + following - at
    return {
        "seconds": end - start,
        "cpu": cpu_seconds() - cpu0,
        "rss_mib": maxrss_mib(),
        "rss_start_mib": rss0,
        "steps": steps,
        "total": report.total,
        "accepted": report.accepted,
        "rejected": report.rejected,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "matched": report.details.get("matched"),
        "unmatched": report.details.get("unmatched"),
        "committed": report.committed,
        "errors": len(report.errors),
    }


def spawn(phase: str, path: Path, args: argparse.Namespace) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--phase", phase, "--file", str(path),
               "--database", args.database]
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy(), check=False)
    if done.returncode != 0:
        raise SystemExit(f"phase {phase} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the data -------------------------------------------------------------------------------------


def registry_people(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """(ID number, name) of ``count`` random registry members, decrypted (setup, not timed)."""
    from shouwang.registry.models import Member

    ids = list(Member.objects.exclude(id_index="").values_list("id", flat=True))
    chosen = rng.sample(ids, min(count, len(ids)))
    people = []
    for start in range(0, len(chosen), 5000):
        rows = Member.objects.filter(id__in=chosen[start:start + 5000]).values_list("id_number", "name")
        people.extend((number, name) for number, name in rows)  # the field decrypts
    return people


def write_feed(path: Path, rows: int, unknown: int, people: list[tuple[str, str]], rng: random.Random) -> None:
    import xlsxwriter

    from shouwang.registry.demo.synthetic import make_id_number

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    sheet = workbook.add_worksheet("医保结算明细")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_string(0, 0, "泸溪县2024年城乡居民医保个人自付费用明细（监测预警推送）")
    for col, header in enumerate(HEADERS):
        sheet.write_string(1, col, header)
    unknown_rows = set(rng.sample(range(rows), unknown))
    first_day = date(2024, 1, 1)
    for i in range(rows):
        r = i + 2
        if i in unknown_rows:
            born = date(1931, 1, 1) + timedelta(days=rng.randrange(20000))
            number, name = make_id_number("433122", born, 900 + i % 100), "外来人员"
        else:
            number, name = rng.choice(people)
        day = first_day + timedelta(days=rng.randrange(330))
        amount = rng.choice((rng.randint(5, 800), rng.randint(100, 5000), rng.randint(1000, 40000)))
        cents = rng.randrange(100)
        style = i % 5
        sheet.write_string(r, 0, str(i + 1))
        sheet.write_string(r, 1, name)
        sheet.write_string(r, 2, number)
        if style == 0:
            sheet.write_datetime(r, 3, datetime(day.year, day.month, day.day), date_format)
        else:
            sheet.write_string(r, 3, (f"{day:%Y-%m-%d}", f"{day.year}/{day.month}/{day.day}",
                                      f"{day.year}年{day.month}月{day.day}日", f"{day:%Y%m%d}")[style - 1])
        sheet.write_string(r, 4, rng.choice(("住院", "门诊", "门诊慢特病")))
        if i % 3 == 0:
            sheet.write_number(r, 5, amount + cents / 100)
        else:
            sheet.write_string(r, 5, f"{amount:,}.{cents:02d}" + ("元" if i % 2 else ""))
        sheet.write_string(r, 6, f"{amount * rng.randint(2, 6):,}")
        sheet.write_string(r, 7, rng.choice(HOSPITALS))
        if rng.random() < 0.7:
            sheet.write_string(r, 8, f"JS{2024_00000000 + i:012d}")
    workbook.close()


def main() -> None:
    args = parse_args()
    if args.phase:
        workdir = Path(os.environ["SHOUWANG_VAR_DIR"]).parent
        configure(args.database, workdir)
        print(json.dumps(run_phase(args.phase, Path(args.file))))
        return

    workdir = start_bench(args.database, "shouwang-feed-bench-")
    from django.db import connection, connections

    from shouwang.monitoring.models import FeedBatch, FeedLead, FeedSignal
    from shouwang.registry.demo.services import seed_demo
    from shouwang.registry.models import Member

    prepare_database(args.database, registry_models(), (FeedLead, FeedSignal, FeedBatch))
    t0 = time.perf_counter()
    made = seed_demo(args.households, seed=args.seed, years=(2023, 2024))
    print(f"seeded {made['households']:,} households, {made['members']:,} members in "
          f"{time.perf_counter() - t0:.1f} s")

    rng = random.Random(args.seed)
    people = registry_people(min(args.rows, Member.objects.count()), rng)
    xlsx = workdir / "医保2024.xlsx"
    t0 = time.perf_counter()
    write_feed(xlsx, args.rows, args.unknown, people, rng)
    print(f"wrote {args.rows:,} rows ({args.unknown:,} unknown persons) in {time.perf_counter() - t0:.1f} s "
          f"({xlsx.stat().st_size / 1048576:.1f} MiB xlsx)")
    connections.close_all()

    load_before = os.getloadavg()[0]
    base = spawn("baseline", xlsx, args)
    check = spawn("check", xlsx, args)
    commit = spawn("commit", xlsx, args)
    again = spawn("commit", xlsx, args)
    assert check["committed"] is False and commit["committed"] and again["created"] == 0, (check, commit, again)
    counts = (FeedSignal.objects.count(), FeedLead.objects.count(), FeedBatch.objects.count())

    def steps(result: dict) -> str:
        names = {"Reading the file": "read", "Checking the rows": "check",
                 "Matching ID numbers with the registry": "match", "Comparing with earlier imports": "compare",
                 "Writing the signals": "write"}
        return ", ".join(f"{names.get(k, k)} {v:.1f}" for k, v in result["steps"].items())

    rows = [
        ("registry", f"{made['households']:,} households, {made['members']:,} members ({connection.vendor})"),
        ("file", (f"{check['total']:,} rows: {check['matched']:,} of registry members, {check['unmatched']:,} "
                  f"unknown persons, {check['rejected']:,} rejected")),
        ("check + match (dry run)", (f"{check['seconds']:6.1f} s  CPU {check['cpu']:.1f} s  peak RSS "
                                     f"{check['rss_mib']:,.0f} MiB  [{steps(check)}]")),
        ("commit", (f"{commit['seconds']:6.1f} s  CPU {commit['cpu']:.1f} s  peak RSS {commit['rss_mib']:,.0f} MiB  "
                    f"[{steps(commit)}]")),
        ("  written", f"{commit['created']:,} events: {counts[0]:,} signals, {counts[1]:,} leads, {counts[2]} batch"),
        ("re-import of the same file", (f"{again['seconds']:6.1f} s  peak RSS {again['rss_mib']:,.0f} MiB  "
                                        f"(created {again['created']}, unchanged {again['unchanged']:,})")),
        ("process with Django loaded", f"{base['rss_mib']:,.0f} MiB peak RSS (included in the figures above)"),
        ("goal: check + match", f"< {GOAL_SECONDS:.0f} s: {'met' if check['seconds'] < GOAL_SECONDS else 'NOT met'}"),
        ("load average at start / end", f"{load_before:.1f} / {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)"),
    ]
    print_table(f"Feed import benchmark ({connection.vendor}, Python {sys.version.split()[0]})", rows, 80)
    finish(workdir, args.keep)


if __name__ == "__main__":
    main()
