"""Screening benchmark: the rule set compiled to one SQL query against a Python loop over ORM objects.

    python bench/screening.py [--households 100000] [--database sqlite|postgresql] [--skip-baseline]
                              [--repeat N] [--keep]

Steps, in one process:

1. a fresh database (SQLite: a temporary file; PostgreSQL: the SHOUWANG_DB_* variables, which
   must name a database this script may empty), ``migrate`` (which ships the default rules and
   the lines), the Luxi regions;
2. a synthetic registry written in bulk: N households of about 2.7 members, two years of income
   (the screened year Y = 2023 and Y − 1), and department feed signals (out-of-pocket medical
   bills for about 6 % of households, new 低保/特困, new severe disability, disaster loss and
   unemployment for a few per mille, some dated outside the 12-month window);
3. **screening**: ``screen(year=Y)`` end to end (all active rules evaluated in one query, the
   warnings written, the run logged), timed, with the growth of the process's peak resident set
   (``ru_maxrss``); with ``--repeat N``, N times, the warnings removed in between, and the
   median is the figure (one run on a shared machine is at the mercy of its neighbours); then
   the same again, which must create nothing;
4. the warnings are deleted; **baseline**: the same default rules written in Python over
   ``HouseholdYear`` objects (households joined, members, previous years and the window's feed
   signals prefetched per chunk), one ``Signal.save()`` per fired rule, timed;
5. both runs must have raised the same (household, rule) pairs; the differences are printed.

The ratio baseline / screening is the figure to quote.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import time
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from common import (
    argument_parser,
    cpu_seconds,
    finish,
    household_plan,
    monitoring_models,
    peak_rss_mib,
    prepare_database,
    print_table,
    reset_peak_rss,
    rss_mib,
    start_bench,
)

YEAR = 2023


def parse_args() -> argparse.Namespace:
    parser = argument_parser(__doc__)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (SQLite file)")
    parser.add_argument("--skip-baseline", action="store_true", help="time the screening only")
    parser.add_argument("--repeat", type=int, default=1,
                        help="screen N times on the same data, the warnings removed in between; "
                             "each time is printed and the median is the figure (default 1)")
    return parser.parse_args()


def money(value: float) -> Decimal:
    return Decimal(f"{max(value, 0):.2f}")


def generate(households: int, seed: int, villages: list[str]) -> dict[str, int]:
    """Write the synthetic registry with ``core.bulk.insert_rows``; returns row counts."""
    from shouwang.core.bulk import insert_rows
    from shouwang.monitoring.models import FeedSignal
    from shouwang.registry.models import Household, HouseholdYear, Member

    rng = random.Random(seed)
    plan = household_plan(rng, households, villages, "S")
    insert_rows(Household, ("number", "village_id", "region_code", "household_type", "no_labour"),
                ((n, v, v, t, rng.random() < 0.004) for n, v, _, t in plan))
    ids = dict(Household.objects.values_list("number", "id"))

    def members():
        for number, village, size, _ in plan:
            dibao = rng.random() < 0.06
            for i in range(size):
                labour = "none" if rng.random() < 0.08 else rng.choice(("ordinary", "ordinary", "skilled", "weak"))
                yield (ids[number], village, f"成员{i}", labour, dibao and i == 0, rng.random() < 0.004)

    n_members = insert_rows(Member, ("household_id", "region_code", "name", "labour", "dibao", "tekun"), members())

    def years():
        for number, village, size, _ in plan:
            per_capita = math.exp(rng.gauss(math.log(18000), 0.42))  # about 2 % below Hunan's 7,500
            growth = rng.gauss(0.06, 0.12)
            coop = money(rng.uniform(500, 12000)) if rng.random() < 0.05 else Decimal("0")
            previous = per_capita / (1 + growth) if growth > -0.9 else per_capita
            for year, pc in ((YEAR - 1, previous), (YEAR, per_capita)):
                yield (
                    ids[number], village, year, size, money(pc * size * 0.8), money(pc * size * 0.25),
                    money(pc * size * 0.05), coop if year == YEAR else Decimal("0"),
                    rng.choice("AAAAAAAAAAAAAAAAABBB") if rng.random() > 0.012 else rng.choice("CD"),
                    rng.random() > 0.008, rng.random() < 0.0015, rng.random() < 0.006,
                )

    n_years = insert_rows(HouseholdYear, (
        "household_id", "region_code", "year", "member_count", "wage_income", "business_income", "business_costs",
        "compliant_out_of_pocket", "housing_grade", "water_secured", "dropout", "uninsured_member",
    ), years())

    def signals():
        for row, (number, village, _, _) in enumerate(plan, start=1):
            hid = ids[number]
            if rng.random() < 0.06:
                for _ in range(rng.randint(1, 3)):
                    on = date(YEAR, rng.randint(1, 12), rng.randint(1, 28))
                    yield (hid, village, "medical_out_of_pocket", on, money(math.exp(rng.gauss(math.log(3000), 1.0))),
                           "medical", "bench.xlsx", row)
            for kind, p in (("new_dibao", 0.002), ("new_tekun", 0.001), ("new_severe_disability", 0.002),
                            ("disaster_loss", 0.003), ("unemployment", 0.005)):
                if rng.random() < p:
                    year = YEAR if rng.random() < 0.8 else YEAR - 1
                    yield (hid, village, kind, date(year, rng.randint(1, 12), 1), None, "bench", "bench.xlsx", row)

    n_signals = insert_rows(FeedSignal, (
        "household_id", "region_code", "kind", "date", "amount", "source", "file_name", "row_number",
    ), signals())
    return {"households": len(plan), "members": n_members, "years": n_years, "signals": n_signals}


ABLE = ("skilled", "ordinary", "weak")


def python_rules(hy, prev, line, signals, members, params) -> list[str]:
    """The default rule set written by hand over ORM objects: what the baseline evaluates."""
    pc, net, coop, size = hy.per_capita_net_income, hy.net_income, hy.compliant_out_of_pocket, hy.member_count
    ex_poor = hy.household.household_type == "ex_poor"
    medical = sum((s.amount or 0 for s in signals if s.kind == "medical_out_of_pocket"), Decimal(0))
    kinds = {s.kind for s in signals}
    labour_members = sum(1 for m in members if m.labour in ABLE)
    safety_net = any(m.dibao or m.tekun for m in members)
    fired = []
    if line is not None and pc is not None and pc < line:
        fired.append("INCOME_BELOW_LINE")
    if prev and line is not None and pc is not None:
        change = ((pc - prev) / prev).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
        p = params["INCOME_DROP"]
        if change <= -Decimal(str(p["drop"])) and pc < Decimal(str(p["line_multiple"])) * line:
            fired.append("INCOME_DROP")
    if line is not None and size and ((net - coop) / size).quantize(Decimal("0.01"), ROUND_HALF_UP) < line:
        fired.append("ADJUSTED_INCOME_BELOW_LINE")
    p = params["MEDICAL_SPENDING"]
    if ((ex_poor and medical >= p["ex_poor_amount"]) or (not ex_poor and medical >= p["other_amount"])
            or (medical > 0 and medical > Decimal(str(p["income_share"])) * net)):
        fired.append("MEDICAL_SPENDING")
    if hy.dropout:
        fired.append("DROPOUT")
    if hy.housing_grade in ("C", "D"):
        fired.append("HOUSING_UNSAFE")
    if not hy.water_secured:
        fired.append("WATER_UNSAFE")
    if hy.uninsured_member:
        fired.append("UNINSURED_MEMBER")
    if kinds & {"new_dibao", "new_tekun"}:
        fired.append("NEW_DIBAO_TEKUN")
    if "new_severe_disability" in kinds:
        fired.append("NEW_SEVERE_DISABILITY")
    if "disaster_loss" in kinds:
        fired.append("DISASTER_LOSS")
    if (hy.household.no_labour or labour_members == 0) and not safety_net:
        fired.append("NO_LABOUR_NO_SAFETY_NET")
    return fired


def baseline() -> tuple[float, int]:
    """Loop over ORM objects, evaluate in Python, one ``save()`` per signal (autocommit)."""
    from django.db.models import Prefetch
    from django.utils import timezone

    from shouwang.monitoring.models import FeedSignal, MonitoringLine, Rule, Signal
    from shouwang.monitoring.rules.facts import window_start
    from shouwang.registry.models import HouseholdYear

    start = time.perf_counter()
    end = date(YEAR, 12, 31)
    rules = {r.code: r for r in Rule.objects.filter(active=True)}
    params = {code: r.parameters for code, r in rules.items()}
    lines: dict[str, Decimal | None] = {}
    open_pairs = set(Signal.objects.filter(open=True).values_list("household_id", "rule_id"))
    today = timezone.localdate()
    queryset = (
        HouseholdYear.objects.filter(year=YEAR).select_related("household").order_by("id")
        .prefetch_related(
            Prefetch("household__members"),
            Prefetch("household__years", queryset=HouseholdYear.objects.filter(year=YEAR - 1), to_attr="previous"),
            Prefetch("household__feed_signals", to_attr="window_signals",
                     queryset=FeedSignal.objects.filter(date__gte=window_start(end), date__lte=end)),
        )
    )
    written = 0
    for hy in queryset.iterator(chunk_size=2000):
        h = hy.household
        if hy.region_code not in lines:
            found = MonitoringLine.objects.for_region(YEAR, hy.region_code)
            lines[hy.region_code] = found.amount if found else None
        prev = h.previous[0].per_capita_net_income if h.previous else None
        for code in python_rules(hy, prev, lines[hy.region_code], h.window_signals, h.members.all(), params):
            rule = rules[code]
            if (h.pk, rule.pk) in open_pairs:
                continue
            Signal(household=h, rule=rule, rule_version=rule.version, year=YEAR, raised_on=today,
                   evidence={"rule": code, "rule_version": rule.version}).save()
            written += 1
    return time.perf_counter() - start, written


def settle() -> None:
    """PostgreSQL: write out what loading left in memory (CHECKPOINT), as a county database has
    long since done before a night's screening.

    Loading a million households writes gigabytes; the checkpoint that follows is spread over
    minutes and would run beside the timed screening (the first runs were a fifth slower).
    Needs the ``pg_checkpoint`` role (scripts/pg-test.sh grants it); without it, says so.
    """
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError as error:
        print(f"(no CHECKPOINT after loading: {str(error).strip()}; the first runs may be slower)")
    # The test server runs with fsync off: its checkpoint leaves the pages to the kernel to write
    # back, beside the timing. A production server's checkpoint has written them (fsync).
    os.sync()


def remove_warnings() -> None:
    """Empty the signals and warnings tables for the next timed run, leaving them as a first run found them."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Nothing else refers to them here.
            cursor.execute("TRUNCATE monitoring_signal, monitoring_warning CASCADE")
            cursor.execute("VACUUM ANALYZE monitoring_signal")
            cursor.execute("VACUUM ANALYZE monitoring_warning")
        else:
            cursor.execute("DELETE FROM monitoring_signal")
            cursor.execute("DELETE FROM monitoring_warning")


def main() -> None:
    args = parse_args()
    workdir = start_bench(args.database, "shouwang-bench-")

    from django.db import connection

    from shouwang.monitoring.models import Signal
    from shouwang.monitoring.screening.services import screen

    villages = prepare_database(args.database, monitoring_models())

    t0 = time.perf_counter()
    counts = generate(args.households, args.seed, villages)
    with connection.cursor() as cursor:
        # Fresh statistics, as a county database would have. On PostgreSQL also VACUUM, as
        # autovacuum long since has on a county's tables: otherwise the first run pays for
        # marking two million fresh rows visible, and autovacuum starts beside the timing.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"generated {counts} in {time.perf_counter() - t0:.1f} s")
    settle()

    load_before = os.getloadavg()[0]
    reset_peak_rss()
    rss_before = rss_mib()
    times, cpus = [], []
    for attempt in range(max(1, args.repeat)):
        if attempt:
            remove_warnings()
        cpu0 = cpu_seconds()
        t0 = time.perf_counter()
        result = screen(year=YEAR)
        times.append(time.perf_counter() - t0)
        cpus.append(cpu_seconds() - cpu0)
        print(f"screening {attempt + 1}: {times[-1]:.2f} s, {result.signals_added:,} signals, "
              f"{result.warnings_created:,} warnings", flush=True)
    t_screen, cpu_screen = statistics.median(times), statistics.median(cpus)
    from shouwang.monitoring.screening.engine import _parallel_workers, base_queryset

    connections_used = _parallel_workers(base_queryset(YEAR), result.households)
    rss_after = peak_rss_mib()
    pairs = set(Signal.objects.values_list("household_id", "rule__code"))
    t0 = time.perf_counter()
    again = screen(year=YEAR)
    t_again = time.perf_counter() - t0
    assert again.signals_added == 0 and again.signals_unchanged == result.signals_added, again.summary()

    t_base = n_base = None
    differences = None
    if not args.skip_baseline:
        remove_warnings()
        cpu0 = cpu_seconds()
        t_base, n_base = baseline()
        cpu_base = cpu_seconds() - cpu0
        base_pairs = set(Signal.objects.values_list("household_id", "rule__code"))
        differences = sorted(pairs ^ base_pairs)

    per_rule = ", ".join(f"{code} {n:,}" for code, n in result.per_rule.items() if n)
    rows = [
        ("data", f"{counts['households']:,} households / {counts['members']:,} members / "
                 f"{counts['years']:,} household-years / {counts['signals']:,} feed signals"),
        ("connections evaluating the rules", f"{connections_used}"),
        ("screening: rules evaluated + signals and warnings written",
         f"{t_screen:8.2f} s  ({result.households / t_screen:,.0f} households/s, CPU {cpu_screen:.1f} s)"
         + (f"; median of {len(times)}: {', '.join(f'{t:.2f}' for t in times)} s" if len(times) > 1 else "")),
        ("  signals added", f"{result.signals_added:8,}  ({per_rule})"),
        ("  households warned", f"{result.warnings_created:8,}"),
        ("  peak memory (resident set)", f"{rss_after:8.0f} MiB ({rss_after - rss_before:+,.0f} MiB over the start)"),
        ("screening again (creates nothing)", f"{t_again:8.2f} s  ({again.signals_unchanged:,} unchanged)"),
    ]
    if t_base is not None:
        rows += [
            ("baseline: ORM objects + Python rules + save()",
             f"{t_base:8.2f} s  ({n_base:,} signals, CPU {cpu_base:.1f} s)"),
            ("ratio baseline / screening", f"{t_base / t_screen:8.1f} x"),
            ("same (household, rule) pairs", "yes" if not differences else f"NO: {len(differences)} differ, "
                                                                           f"e.g. {differences[:5]}"),
        ]
    rows.append(("load average at start / end", f"{load_before:8.1f} / {os.getloadavg()[0]:.1f} "
                                                 "(machine busy if > CPUs)"))
    print_table(
        f"Screening benchmark ({connection.vendor}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs)",
        rows,
        60,
    )
    finish(workdir, args.keep)


if __name__ == "__main__":
    main()
