"""Malicious-upload benchmark: every file of the corpus at the audit's sizes, through the registry
importer, one fresh process per file; seconds and peak memory against the goals.

    python bench/malicious_uploads.py [--keep] [--feed]

The corpus is ``shouwang.testing.malicious.build(folder, full=True)``: a 1 GB zip bomb, 10,001
zip entries, entity bombs and an external entity, zip-slip and symlink entries, macro workbooks,
a program renamed .xlsx, cells at XFD1048576, 16,384 columns, a 390 MiB sheet of 100 columns ×
239,000 rows, a 500 MB CSV, a 10 MB CSV field, NUL bytes, GBK behind a UTF-8 mark, formula
payloads, an ID typed as a number, duplicate IDs, an empty file, headers only, wrong headers.
Each file is imported with commit requested as a county-wide system user, with the default
limits (50 MB uploads, 12,000,000 filled cells, 1,000,000 rows, 200 columns); the process's
peak resident set (``ru_maxrss``) includes Django and the importer's code (the first line shows
a process that only starts them). ``--feed``: the department-feed importer instead.

Goals (security.md G20, issue 16): each refused with its message in <= 10 s and <= 512 MiB.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import argument_parser, configure, maxrss_mib, prepare_database, print_table, start_bench

GOAL_SECONDS = 10.0
GOAL_MIB = 512.0


def run_one(path: Path, feed: bool) -> dict:
    rss0 = maxrss_mib()
    start = time.perf_counter()
    if path.name == "-":
        return {"seconds": 0.0, "rss_mib": rss0, "codes": []}
    if feed:
        from shouwang.monitoring.feeds.services import import_feed

        report = import_feed("civil", path, path.name, commit=True).report
    else:
        from shouwang.registry.imports.importer import import_registry

        report = import_registry([(path, path.name)], commit=True)
    return {
        "seconds": time.perf_counter() - start,
        "rss_mib": maxrss_mib(),
        "codes": sorted({i.code for i in report.errors}),
        "warnings": sorted({i.code for i in report.warnings}),
        "committed": report.committed,
        "total": report.total,
    }


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--keep", action="store_true", help="keep the corpus folder")
    parser.add_argument("--feed", action="store_true", help="the department-feed importer instead")
    parser.add_argument("--one", help="internal: import this file in this process")
    args = parser.parse_args()
    if args.one:
        configure(args.database, Path(args.one).parent.parent)
        if not args.feed:
            from shouwang.registry.imports.importer import import_registry  # noqa: F401  (loaded before the clock)
        else:
            from shouwang.monitoring.feeds.services import import_feed  # noqa: F401
        print(json.dumps(run_one(Path(args.one), args.feed)))
        return

    workdir = start_bench(args.database, "shouwang-malicious-")
    prepare_database(args.database)
    from django.db import connections

    connections.close_all()
    from shouwang.testing import malicious

    folder = workdir / "corpus"
    t0 = time.perf_counter()
    cases = malicious.build(folder, full=True)
    size = sum(p.stat().st_size for p in folder.iterdir())
    print(f"corpus: {len(cases)} files, {size / 1048576:.0f} MiB on disk, written in {time.perf_counter() - t0:.0f} s")

    def spawn(name: str) -> dict:
        command = [sys.executable, str(Path(__file__).resolve()), "--one", str(folder / name),
                   "--database", args.database] + (["--feed"] if args.feed else [])
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode:
            return {"error": done.stderr[-2000:]}
        return json.loads(done.stdout.strip().splitlines()[-1])

    base = spawn("-")
    rows = [("Django and the importer loaded, nothing read", f"{base['rss_mib']:.0f} MiB")]
    failures = 0
    for case in cases:
        result = spawn(case.name)
        if "error" in result:
            failures += 1
            rows.append((case.name, "CRASHED: " + result["error"].strip().splitlines()[-1][:90]))
            continue
        found = case.code in (result["codes"] if case.refused else result["warnings"])
        if case.code == "no_rows":  # headers only: nothing to refuse, nothing written (the page says so)
            found = not result["codes"] and result["total"] == 0
        refused = (not result["committed"]) if case.refused else True
        within = result["seconds"] <= GOAL_SECONDS and result["rss_mib"] <= GOAL_MIB
        ok = found and refused and within
        failures += not ok
        verdict = case.code if found else f"expected {case.code}, got {','.join(result['codes']) or 'no error'}"
        if not case.refused:
            verdict += " (warning, file importable)"
        rows.append((case.name, f"{verdict:<48} {result['seconds']:6.2f} s {result['rss_mib']:6.0f} MiB "
                                f"{'met' if ok else 'NOT MET'}"))
    print_table(f"each file, {'feed' if args.feed else 'registry'} import (goal <= {GOAL_SECONDS:.0f} s, "
                f"<= {GOAL_MIB:.0f} MiB, refused with its message)", rows, 70)
    print(f"\n{len(cases) - failures} of {len(cases)} files met every goal")
    if args.keep:
        print(f"kept: {folder}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
