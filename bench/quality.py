"""Data-quality benchmark: one run of every rule over a county, rule by rule.

    python bench/quality.py [--households 20000] [--database sqlite|postgresql] [--keep]

A fresh database (as ``bench/dashboard.py`` builds it: the synthetic registry of
``bench/screening.py`` and the warnings, cases, measures and contacts of ``bench/dashboard.py``),
then ``run_checks`` over the county with a progress callback that times each rule. Prints the
total, the peak resident set, the slowest rules and the number of findings.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, configure, finish, monitoring_models, peak_rss_mib, prepare_database, print_table

_spec = importlib.util.spec_from_file_location("bench_dashboard", ROOT / "bench" / "dashboard.py")
dashboard_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(dashboard_bench)


def main() -> None:
    from common import argument_parser

    parser = argument_parser(__doc__)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.set_defaults(households=20_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="shouwang-bench-quality-"))
    configure(args.database, workdir)
    from django.db import connection

    from shouwang.supervision.quality.services import run_checks

    villages = prepare_database(args.database, monitoring_models(), dashboard_bench.supervision_models())
    t0 = time.perf_counter()
    counts = dashboard_bench.screening_bench.generate(args.households, args.seed, villages)
    counts |= dashboard_bench.generate_supervision(args.seed)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    t_generate = time.perf_counter() - t0

    marks: list[tuple[str, float]] = []

    def progress(done: int, total: int | None, label: str) -> None:
        marks.append((label, time.perf_counter()))

    county = villages[0][:6]
    t0 = time.perf_counter()
    run = run_checks(county, None, progress=progress)
    total = time.perf_counter() - t0
    spans = sorted(((b[1] - a[1], a[0]) for a, b in zip(marks, marks[1:], strict=False)), reverse=True)
    rows = [
        ("households / members", f"{counts.get('households', args.households):,} / {counts.get('members', 0):,}"),
        ("generate (s)", f"{t_generate:.1f}"),
        ("run_checks over the county (s)", f"{total:.2f}"),
        ("findings", f"{sum(run.counts.values()):,} in {len(run.counts)} rules"),
        ("peak RSS (MiB)", f"{peak_rss_mib():.0f}"),
        *((f"  {label[:50]}", f"{seconds:.2f} s") for seconds, label in spans[:8]),
    ]
    print_table(f"Data-quality benchmark ({connection.vendor}, Python {sys.version.split()[0]}, "
                f"{os.cpu_count()} CPUs)", rows, 60)
    finish(workdir, args.keep)


if __name__ == "__main__":
    main()
