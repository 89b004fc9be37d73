"""Simulation benchmark: counting a draft (line +500 yuan; a rule parameter) against a screening run on the same data.

    python bench/simulation.py [--households 100000] [--database sqlite|postgresql] [--repeat N] [--keep]

Steps, in one process:

1. the database and the synthetic registry of ``bench/screening.py`` (N households of about 2.7
   members, two years of income, department feed signals), in the county of the Luxi regions;
2. **screening**: ``screen(year=Y)`` end to end (rules evaluated, signals and warnings written), timed;
3. **simulation**: ``simulate`` of two drafts, each timed (``--repeat N``: the median of N): the county's
   monitoring line of Y raised by 500 yuan (7,500 → 8,000), and INCOME_DROP's ``drop`` lowered from
   0.3 to 0.2. A simulation evaluates the rules twice (in force and draft) and compares the two
   sets in one statement; it writes nothing;
4. **agreement**: the households the simulation counts under the configuration in force must be those
   screening flagged; the line draft is then adopted (``services.adopt``: a new line through
   ``save_line``), the warnings removed and screening run again: the households it flags must be those
   the simulation counted under the draft.

The ratio simulation / screening is the figure to quote (the issue asks for ≤ 10 s at a million
households on PostgreSQL).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

from common import argument_parser, cpu_seconds, finish, monitoring_models, prepare_database, print_table, start_bench

YEAR = 2023


def parse_args() -> argparse.Namespace:
    parser = argument_parser(__doc__)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (SQLite file)")
    parser.add_argument("--repeat", type=int, default=3, help="time each simulation N times; the median is the figure")
    return parser.parse_args()


def timed(work, repeat: int):
    times, cpus, result = [], [], None
    for _ in range(max(1, repeat)):
        cpu0 = cpu_seconds()
        t0 = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - t0)
        cpus.append(cpu_seconds() - cpu0)
    return statistics.median(times), statistics.median(cpus), times, result


def flagged_households() -> int:
    from shouwang.monitoring.models import Signal

    return Signal.objects.filter(year=YEAR).values("household_id").distinct().count()


def main() -> None:
    args = parse_args()
    workdir = start_bench(args.database, "shouwang-bench-simulation-")

    from django.db import connection
    from screening import generate, remove_warnings, settle

    from shouwang.monitoring.models import Rule
    from shouwang.monitoring.screening.services import screen
    from shouwang.revitalization.simulation.engine import Draft, simulate

    villages = prepare_database(args.database, monitoring_models())
    county = villages[0][:6]
    t0 = time.perf_counter()
    counts = generate(args.households, args.seed, villages)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"generated {counts} in {time.perf_counter() - t0:.1f} s")
    settle()
    load_before = os.getloadavg()[0]

    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    screened = screen(year=YEAR)
    t_screen, cpu_screen = time.perf_counter() - t0, cpu_seconds() - cpu0
    flagged_before = flagged_households()
    print(f"screening: {t_screen:.2f} s, {flagged_before:,} households flagged", flush=True)

    line = {"lines": [{"region_code": county, "amount": "8000"}]}
    drop = Rule.objects.get(code="INCOME_DROP")
    rule = {"rules": [{"rule": drop.pk, "expression": drop.expression,
                       "parameters": {**drop.parameters, "drop": 0.2}}]}
    t_line, cpu_line, line_times, line_outcome = timed(
        lambda: simulate(Draft.from_changes(YEAR, county, line)), args.repeat)
    print(f"simulation, line +500: {', '.join(f'{t:.2f}' for t in line_times)} s", flush=True)
    t_rule, cpu_rule, rule_times, rule_outcome = timed(
        lambda: simulate(Draft.from_changes(YEAR, county, rule)), args.repeat)
    print(f"simulation, rule parameter: {', '.join(f'{t:.2f}' for t in rule_times)} s", flush=True)
    monitoring = line_outcome.sections[0]
    rule_monitoring = rule_outcome.sections[0]

    # Agreement with screening: before (the configuration in force), then after adopting the line.
    agree_before = monitoring.before.households == flagged_before == rule_monitoring.before.households
    from shouwang.accounts.models import User
    from shouwang.revitalization.simulation.services import adopt, save_scenario

    admin = User.objects.create_user(username="bench-admin", password="Bench-pass-123", role="admin",
                                     region_id=county)
    scenario = save_scenario(admin, name="+500", year=YEAR, changes=line)
    adopt(scenario, admin)
    remove_warnings()
    t0 = time.perf_counter()
    screen(year=YEAR)
    t_screen_after = time.perf_counter() - t0
    flagged_after = flagged_households()
    agree_after = monitoring.after.households == flagged_after

    rows = [
        ("data", f"{counts['households']:,} households / {counts['members']:,} members / "
                 f"{counts['years']:,} household-years / {counts['signals']:,} feed signals"),
        ("screening (rules evaluated, signals and warnings written)",
         f"{t_screen:8.2f} s  (CPU {cpu_screen:.1f} s; {screened.signals_added:,} signals, "
         f"{flagged_before:,} households)"),
        ("simulation: line 7,500 → 8,000",
         f"{t_line:8.2f} s  (CPU {cpu_line:.1f} s; median of {len(line_times)}: "
         f"{', '.join(f'{t:.2f}' for t in line_times)} s)"),
        ("  households / people entering", f"{monitoring.enter.households:8,} / {monitoring.enter.people:,}"),
        ("  ratio simulation / screening", f"{t_line / t_screen:8.2f} x"),
        ("simulation: INCOME_DROP drop 0.3 → 0.2",
         f"{t_rule:8.2f} s  (CPU {cpu_rule:.1f} s; median of {len(rule_times)}: "
         f"{', '.join(f'{t:.2f}' for t in rule_times)} s)"),
        ("  households / people entering", f"{rule_monitoring.enter.households:8,} / {rule_monitoring.enter.people:,}"),
        ("  ratio simulation / screening", f"{t_rule / t_screen:8.2f} x"),
        ("in force: simulation = screening", f"{'yes' if agree_before else 'NO'} "
                                              f"({monitoring.before.households:,} / {flagged_before:,} households)"),
        ("after adopting the line: simulation = screening",
         f"{'yes' if agree_after else 'NO'} ({monitoring.after.households:,} / {flagged_after:,} households; "
         f"screening {t_screen_after:.2f} s)"),
        ("load average at start / end", f"{load_before:8.1f} / {os.getloadavg()[0]:.1f} (machine busy if > CPUs)"),
    ]
    print_table(
        f"Simulation benchmark ({connection.vendor}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs)", rows, 60)
    finish(workdir, args.keep)
    if not (agree_before and agree_after):
        sys.exit(1)


if __name__ == "__main__":
    main()
