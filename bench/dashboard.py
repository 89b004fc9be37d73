"""Dashboard benchmark: the county page served from the aggregate table, beside the same figures
counted live from the raw tables.

    python bench/dashboard.py [--households 100000[,1000000]] [--database sqlite|postgresql]
                              [--requests 30] [--live-runs 3] [--keep]

For each size, in one process:

1. a fresh database (SQLite: a temporary file; PostgreSQL: the SHOUWANG_DB_* variables, which
   must name a database this script may empty), ``migrate`` (catalogues, lines), the Luxi regions;
2. the synthetic registry of ``bench/screening.py`` (households of about 2.7 members, two years of
   income, feed signals), then, bulk-inserted, the supervision-relevant rows in realistic
   proportions: warnings for about 4 % of households (all four channels, all statuses, raised
   over the last 18 months), cases for about 9 % (5 % monitored or eliminating, 1 % being
   identified, 2.5 % eliminated, 0.5 % rejected) with one or two risk types each, procedures and
   their steps for the running ones (a share of them overdue), measures for most monitored
   households and a current assistance contact for most;
3. **refresh**: ``aggregates.refresh()`` of every village, timed, with the peak resident set;
4. **page**: ``GET /supervision/dashboard/`` as a county officer through Django's test client
   (middleware, session, template and all), ``--requests`` times after one warm-up: p50/p95;
   the same for a township officer's page;
5. **live**: ``aggregates.compute()`` over the raw tables, summed to the county's figures (what
   the page would have to do without the aggregate table), ``--live-runs`` times: p50/p95.

Goal: county page p95 < 300 ms at a million households.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from common import (
    ROOT,
    configure,
    finish,
    monitoring_models,
    peak_rss_mib,
    prepare_database,
    print_table,
    reset_peak_rss,
    rss_mib,
)

_spec = importlib.util.spec_from_file_location("bench_screening", ROOT / "bench" / "screening.py")
screening_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(screening_bench)

TODAY = date(2024, 6, 15)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", default="100000", help="one size or several, comma-separated")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--live-runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (SQLite file)")
    return parser.parse_args()


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (what p95 over 30 requests usually means)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def ms(values: list[float]) -> str:
    return f"p50 {statistics.median(values) * 1000:8.1f} ms   p95 {percentile(values, 95) * 1000:8.1f} ms"


def supervision_models() -> tuple:
    """What this benchmark adds to the screening's tables, in an order their rows can be deleted in."""
    from shouwang.cases.models import AssistanceContact, Case, Measure, Procedure, Step
    from shouwang.supervision.models import DashboardRefresh, Figure

    return (Figure, DashboardRefresh, Step, Procedure, Measure, AssistanceContact, Case.risk_types.through, Case)


def generate_supervision(seed: int) -> dict[str, int]:
    """Warnings, cases, risks, procedures, steps, measures and contacts, bulk-inserted."""
    from django.db import connection
    from django.utils import timezone

    from shouwang.cases.models import (
        AssistanceContact,
        Case,
        CaseStatus,
        Category,
        Measure,
        MeasureType,
        Procedure,
        RiskType,
        Step,
    )
    from shouwang.core.bulk import insert_rows
    from shouwang.monitoring.models import Warning
    from shouwang.registry.models import Household

    rng = random.Random(seed + 1)
    ops = connection.ops
    day = ops.adapt_datefield_value
    households = list(Household.objects.order_by("id").values_list("id", "region_code"))
    start = TODAY - timedelta(days=540)

    def moment(d: date):
        return ops.adapt_datetimefield_value(timezone.make_aware(datetime(d.year, d.month, d.day, 10)))

    channels = ["rule"] * 6 + ["feed"] * 2 + ["self_report", "visit"]
    statuses = ["new"] * 4 + ["verifying"] * 3 + ["dismissed"] * 9 + ["escalated"] * 4

    def warnings():
        for hid, village in households:
            if rng.random() < 0.04:
                raised = start + timedelta(days=rng.randint(0, 540))
                status = rng.choice(statuses)
                due = raised + timedelta(days=10)
                yield (
                    hid,
                    village,
                    2023,
                    status,
                    rng.choice(channels),
                    day(due),
                    moment(raised),
                    moment(raised),
                )

    n_warnings = insert_rows(
        Warning,
        ("household_id", "region_code", "year", "status", "channel", "due_date", "created_at", "updated_at"),
        warnings(),
    )

    plan = []  # (household, village, status)
    for hid, village in households:
        r = rng.random()
        if r < 0.05:
            plan.append(
                (hid, village, CaseStatus.MONITORED if rng.random() < 0.92 else CaseStatus.ELIMINATING)
            )
        elif r < 0.06:
            plan.append((hid, village, CaseStatus.IDENTIFYING))
        elif r < 0.085:
            plan.append((hid, village, CaseStatus.ELIMINATED))
        elif r < 0.09:
            plan.append((hid, village, CaseStatus.REJECTED))
    categories = [Category.EDGE] * 5 + [Category.UNSTABLE_EX_POOR] * 3 + [Category.SUDDEN] * 2

    def cases():
        for hid, village, status in plan:
            clue = start + timedelta(days=rng.randint(0, 520))
            identified = (
                clue + timedelta(days=rng.randint(8, 15))
                if status in (CaseStatus.MONITORED, CaseStatus.ELIMINATING, CaseStatus.ELIMINATED)
                else None
            )
            if status == CaseStatus.IDENTIFYING:
                clue = TODAY - timedelta(days=rng.randint(0, 25))
            eliminated = (
                min(TODAY, identified + timedelta(days=rng.randint(180, 400)))
                if (status == CaseStatus.ELIMINATED)
                else None
            )
            yield (
                hid,
                village,
                rng.choice(categories),
                clue and day(clue),
                status,
                identified and day(identified),
                eliminated and day(eliminated),
                rng.choice(("assistance", "natural")) if eliminated else "",
            )

    n_cases = insert_rows(
        Case,
        (
            "household_id",
            "region_code",
            "category",
            "first_clue_date",
            "status",
            "identified_on",
            "eliminated_on",
            "elimination_mode",
        ),
        cases(),
    )
    case_rows = list(Case.objects.order_by("id").values_list("id", "region_code", "status"))

    top = list(
        RiskType.objects.filter(parent__isnull=True).exclude(code="YZRZH").values_list("id", flat=True)
    )
    disaster = list(RiskType.objects.filter(parent__code="YZRZH").values_list("id", flat=True))
    weights = [6, 2, 3, 1, 1, 2, 1, 2]  # illness is the commonest risk

    def risks():
        for cid, _, _ in case_rows:
            chosen = set(
                rng.choices(
                    top,
                    weights=weights[: len(top)] + [1] * (len(top) - len(weights)),
                    k=rng.choice((1, 1, 2)),
                )
            )
            if rng.random() < 0.05:
                chosen.add(rng.choice(disaster))
            for rid in chosen:
                yield (cid, rid)

    n_risks = insert_rows(Case.risk_types.through, ("case_id", "risktype_id"), risks())

    running = [
        (cid, v, s) for cid, v, s in case_rows if s in (CaseStatus.IDENTIFYING, CaseStatus.ELIMINATING)
    ]
    insert_rows(
        Procedure,
        ("case_id", "region_code", "kind", "started_on", "due_date"),
        (
            (
                cid,
                v,
                "identification" if s == CaseStatus.IDENTIFYING else "elimination",
                day(TODAY - timedelta(days=10)),
                day(TODAY + timedelta(days=5)),
            )
            for cid, v, s in running
        ),
    )
    procedures = list(Procedure.objects.values_list("id", "region_code"))

    def steps():
        for pid, village in procedures:
            late = rng.random() < 0.2
            for order, (code, level) in enumerate(
                (
                    ("verify", "village"),
                    ("compare", "township"),
                    ("appraisal", "village"),
                    ("township", "township"),
                    ("county", "county"),
                )
            ):
                current = order == rng.randint(0, 4)
                status = "open" if current else ("done" if order < 2 else "waiting")
                due = TODAY + timedelta(days=-rng.randint(1, 6) if late else rng.randint(0, 5))
                yield (pid, village, code, level, order, status, day(due) if status == "open" else None)

    n_steps = insert_rows(
        Step, ("procedure_id", "region_code", "code", "level", "order", "status", "due_date"), steps()
    )

    measure_types = list(MeasureType.objects.values_list("id", flat=True))
    helped = [
        (cid, v)
        for cid, v, s in case_rows
        if s in (CaseStatus.MONITORED, CaseStatus.ELIMINATING, CaseStatus.ELIMINATED)
    ]

    def measures():
        for cid, village in helped:
            if rng.random() < 0.9:
                for _ in range(rng.choice((1, 1, 2, 3))):
                    yield (
                        cid,
                        village,
                        rng.choice(measure_types),
                        rng.choice(("active", "active", "active", "done", "planned", "stopped")),
                    )

    n_measures = insert_rows(Measure, ("case_id", "region_code", "measure_type_id", "status"), measures())

    def contacts():
        for cid, village in helped:
            if rng.random() < 0.93:
                yield (
                    cid,
                    village,
                    f"帮扶人{cid}",
                    "",
                    "",
                    day(TODAY - timedelta(days=200)),
                    None if rng.random() < 0.95 else day(TODAY - timedelta(days=3)),
                )

    n_contacts = insert_rows(
        AssistanceContact,
        ("case_id", "region_code", "name", "phone", "phone_masked", "starts_on", "ends_on"),
        contacts(),
    )
    return {
        "warnings": n_warnings,
        "cases": n_cases,
        "case risks": n_risks,
        "steps": n_steps,
        "measures": n_measures,
        "contacts": n_contacts,
    }


def time_pages(requests: int) -> tuple[list[float], list[float]]:
    """Server time of the county and a township page (test client: middleware to template)."""
    from django.conf import settings
    from django.test import Client

    from shouwang.accounts.models import User
    from shouwang.supervision.dashboards import views as views_dashboards
    from shouwang.testing.two_factor import mark_verified

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    views_dashboards.today = lambda: TODAY
    results = []
    for username, role, region in (
        ("bench-county", "county", "433122"),
        ("bench-township", "township", "433122102"),
    ):
        user, _ = User.objects.get_or_create(username=username, defaults={"role": role, "region_id": region})
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        mark_verified(client, user)  # a county officer logs in with two factors
        first = client.get("/supervision/dashboard/")
        assert first.status_code == 200, first.status_code
        times = []
        for _ in range(requests):
            t0 = time.perf_counter()
            response = client.get("/supervision/dashboard/")
            times.append(time.perf_counter() - t0)
            assert response.status_code == 200
        results.append(times)
    return results[0], results[1]


def time_live(runs: int) -> tuple[list[float], int]:
    """The same figures counted from the raw tables and summed to the county, as a page would."""
    from shouwang.supervision.dashboards.aggregates import compute

    times, monitored = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        counts = compute(None, TODAY)
        totals: dict[tuple[str, str], int] = {}
        for (_village, _month, metric, key), value in counts.values.items():
            totals[(metric, key)] = totals.get((metric, key), 0) + value
        times.append(time.perf_counter() - t0)
        monitored = sum(v for (m, _), v in totals.items() if m == "monitored_category")
    return times, monitored


def run_size(args: argparse.Namespace, households: int) -> list[tuple[str, str]]:
    from django.db import connection

    from shouwang.supervision.dashboards.services import refresh

    # PostgreSQL: the database is reused between sizes; SQLite starts from a new file
    villages = prepare_database(args.database, monitoring_models(), supervision_models())
    t0 = time.perf_counter()
    counts = screening_bench.generate(households, args.seed, villages)
    counts |= generate_supervision(args.seed)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    t_generate = time.perf_counter() - t0

    reset_peak_rss()
    rss_before = rss_mib()
    t0 = time.perf_counter()
    record = refresh(None, today=TODAY, trigger="bench")
    t_refresh = time.perf_counter() - t0
    peak = peak_rss_mib()
    t0 = time.perf_counter()
    refresh([villages[0]], today=TODAY, trigger="bench")
    t_one = time.perf_counter() - t0

    county, township = time_pages(args.requests)
    live, monitored = time_live(args.live_runs)
    data = ", ".join(
        f"{counts[k]:,} {k}"
        for k in ("households", "members", "warnings", "cases", "steps", "measures", "contacts")
    )
    return [
        ("data", data),
        ("generated in", f"{t_generate:8.1f} s"),
        (
            "refresh, every village",
            f"{t_refresh:8.2f} s  ({record.rows:,} figure rows; peak RSS {peak:,.0f} MiB, "
            f"{peak - rss_before:+,.0f} over the start)",
        ),
        ("refresh, one village (after a transition)", f"{t_one * 1000:8.1f} ms"),
        (f"county page from the aggregates ({args.requests} GETs)", ms(county)),
        (f"township page from the aggregates ({args.requests} GETs)", ms(township)),
        (f"same figures counted live ({args.live_runs} runs)", ms(live)),
        (
            "live p50 / page p50",
            f"{statistics.median(live) / statistics.median(county):8.0f} x"
            f"   (monitored households: {monitored:,})",
        ),
    ]


def main() -> None:
    args = parse_args()
    sizes = [int(s.replace("_", "")) for s in args.households.split(",") if s.strip()]
    report = []
    configured = False
    for households in sizes:
        workdir = Path(tempfile.mkdtemp(prefix="shouwang-bench-dash-"))
        if not configured:
            configure(args.database, workdir)
            configured = True
        elif args.database == "sqlite":
            from django.db import connection

            connection.close()
            connection.settings_dict["NAME"] = str(workdir / "bench.sqlite3")
        from django.db import connection

        load = os.getloadavg()[0]
        rows = run_size(args, households)
        rows.append(
            ("load average at start / end", f"{load:8.1f} / {os.getloadavg()[0]:.1f} (busy if > CPUs)")
        )
        report.append((households, connection.vendor, rows))
        finish(workdir, args.keep, blank_line=False)

    for households, vendor, rows in report:
        print_table(
            f"Dashboard benchmark: {households:,} households ({vendor}, Python {sys.version.split()[0]}, "
            f"{os.cpu_count()} CPUs)",
            rows,
            70,
        )


if __name__ == "__main__":
    main()
