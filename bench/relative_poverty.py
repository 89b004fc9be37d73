"""Relative-poverty benchmark: the figures computed in the database against the same figures in Python.

    python bench/relative_poverty.py [--households 100000] [--database sqlite|postgresql] [--keep]

Steps, in one process:

1. a fresh database (SQLite: a temporary file; PostgreSQL: the SHOUWANG_DB_* variables, which must
   name a database this script may empty), ``migrate`` (which ships the lines), the Luxi regions;
2. a synthetic registry written in bulk: N households of about 2.7 members, three years of income
   (log-normal per-capita income, 1 % of households with nothing, 0.5 % with a loss);
3. **database**: ``figures(Y, county)`` (the county and its townships, the median by window
   function, the grouped FGT sums for the monitoring line and the relative lines), the same for one
   township (its villages), and ``trend(county)`` (the three years), each timed;
4. **baseline**: the same county figures in Python from every household-year read back (sorted by
   income for the medians, summed per township per line);
5. both must agree: the medians exactly, P0, P1 and P2 to 1e-9; the ratio baseline / database of the
   county figures is printed.
"""

from __future__ import annotations

import math
import random
import sys
import time
from decimal import Decimal

from common import argument_parser, finish, household_plan, prepare_database, print_table, registry_models, start_bench

YEAR = 2023


def generate(households: int, seed: int, villages: list[str]) -> dict[str, int]:
    from shouwang.core.bulk import insert_rows
    from shouwang.registry.models import Household, HouseholdYear

    rng = random.Random(seed)
    plan = household_plan(rng, households, villages, "R")
    insert_rows(Household, ("number", "village_id", "region_code", "household_type"),
                ((n, v, v, t) for n, v, _, t in plan))
    ids = dict(Household.objects.values_list("number", "id"))

    def years():
        for number, village, size, _ in plan:
            per_capita = math.exp(rng.gauss(math.log(16000), 0.55))
            for year in (YEAR - 2, YEAR - 1, YEAR):
                pc = per_capita * (1.06 ** (year - YEAR))
                draw = rng.random()
                wage, costs = (0.0, 0.0) if draw < 0.01 else ((0.0, pc * size * 0.3) if draw < 0.015 else
                                                                (pc * size, 0.0))
                yield (ids[number], village, year, size, Decimal(f"{wage:.2f}"), Decimal(f"{costs:.2f}"))

    n_years = insert_rows(HouseholdYear, ("household_id", "region_code", "year", "member_count", "wage_income",
                                          "business_costs"), years())
    return {"households": len(plan), "years": n_years}


def python_figures(county: str, lines: dict[str, Decimal]) -> tuple[Decimal, dict[str, dict[str, list[float]]]]:
    """The county's median and, per township and line, [people, poor, Σg, Σg²], in Python."""
    from shouwang.registry.models import HouseholdYear

    rows = list(HouseholdYear.objects.filter(year=YEAR, region_code__startswith=county, member_count__gt=0)
                .values_list("region_code", "member_count", "per_capita_net_income"))
    ordered = sorted((income, members) for _code, members, income in rows)
    total = sum(members for _income, members in ordered)
    wanted = sorted({(total + 1) // 2, total // 2 + 1})
    found, seen = [], 0
    for income, members in ordered:
        for position in wanted:
            if seen < position <= seen + members:
                found.append(income)
        seen += members
    median = sum(found, Decimal(0)) / len(found)
    sums: dict[str, dict[str, list[float]]] = {}
    for code, members, income in rows:
        area = sums.setdefault(code[:9], {})
        for key, z in lines.items():
            cell = area.setdefault(key, [0, 0, 0.0, 0.0])
            cell[0] += members
            if income < z:
                gap = (float(z) - max(float(income), 0.0)) / float(z)
                cell[1] += members
                cell[2] += members * gap
                cell[3] += members * gap * gap
    return median, sums


def main() -> None:
    args = argument_parser(__doc__)
    args.add_argument("--keep", action="store_true", help="keep the temporary folder (SQLite file)")
    args = args.parse_args()
    workdir = start_bench(args.database, "shouwang-bench-relative-")
    from django.db import connection

    from shouwang.revitalization.relative import services

    villages = prepare_database(args.database, registry_models())
    county = villages[0][:6]
    township = villages[0][:9]
    t0 = time.perf_counter()
    counts = generate(args.households, args.seed, villages)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"generated {counts} in {time.perf_counter() - t0:.1f} s", flush=True)

    timings = []
    t0 = time.perf_counter()
    result = services.figures(YEAR, county)
    t_county = time.perf_counter() - t0
    timings.append(("figures(county): county + townships (first run)", f"{t_county:.2f} s"))
    t0 = time.perf_counter()
    result = services.figures(YEAR, county)
    t_county = time.perf_counter() - t0
    timings.append(("figures(county): county + townships", f"{t_county:.2f} s"))
    t0 = time.perf_counter()
    services.figures(YEAR, township)
    timings.append(("figures(township): township + villages", f"{time.perf_counter() - t0:.2f} s"))
    t0 = time.perf_counter()
    services.trend(county)
    timings.append(("trend(county): three years", f"{time.perf_counter() - t0:.2f} s"))

    rows = services._rows(YEAR, county)
    for label, work in (("  of which: the county median", lambda: services.median_of(YEAR, county)),
                        ("  of which: the townships' medians", lambda: services.weighted_medians(rows, 9)),
                        ("  of which: the FGT sums by township", lambda: services.poverty_sums(rows, 9, result.lines))):
        t0 = time.perf_counter()
        work()
        timings.append((label, f"{time.perf_counter() - t0:.2f} s"))
    if connection.vendor == "postgresql":
        sql, params = services.median_sql(rows, 6, one_area=True)
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            print("\nthe county median's plan:\n" + "\n".join(line for (line,) in cursor.fetchall()))
    lines = {line.key: line.amount for line in result.lines}
    t0 = time.perf_counter()
    median, sums = python_figures(county, lines)
    t_python = time.perf_counter() - t0
    timings.append(("baseline in Python: county + townships", f"{t_python:.2f} s"))
    timings.append(("ratio baseline / database", f"{t_python / t_county:.1f}"))

    problems = []
    if median != result.county_median:
        problems.append(f"median {median} != {result.county_median}")
    for part in result.parts:
        for key in lines:
            people, poor, gap, severity = sums.get(part.code, {}).get(key, [0, 0, 0.0, 0.0])
            p = part.poverty[key]
            if (p.people, p.poor_people) != (people, poor) or (people and (
                    abs(p.p1 - gap / people) > 1e-9 or abs(p.p2 - severity / people) > 1e-9)):
                problems.append(f"{part.code} {key}: {p} != {(people, poor, gap, severity)}")
    timings.append(("people; county median", f"{result.region.people:,}; {result.county_median}"))
    timings.append(("lines", ", ".join(f"{line.label} {line.amount}" for line in result.lines)))
    timings.append(("P0 against each line", ", ".join(f"{result.region.poverty[k].p0:.4f}" for k in lines)))
    timings.append(("database and Python agree", "yes" if not problems else f"NO: {problems[:3]}"))
    print_table(f"relative poverty, {args.households:,} households, {connection.vendor}", timings, 4)
    finish(workdir, args.keep)
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
