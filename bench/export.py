"""Export benchmark: the household list of a county, 100,000 rows, to xlsx (and CSV) through the
export framework's one code path.

    python bench/export.py [--households 100000] [--database sqlite|postgresql] [--no-tracemalloc] [--keep]

Steps, in one process:

1. a fresh database (SQLite: a temporary file; PostgreSQL: the SHOUWANG_DB_* variables, which
   must name a database this script may empty), ``migrate``, the Luxi regions, a county officer
   allowed to unmask;
2. a synthetic registry written in bulk: N households of about 2.7 members, every member with an
   encrypted ID number (and the head a phone), their masked copies and blind index, one year of
   income;
3. **xlsx, masked**: ``exports.start_export(user, "households", {}, fmt="xlsx", run_now=True)``,
   which is what the background job runs: the scoped, annotated query (head's name, masked
   numbers, member count, latest income as subqueries) iterated in chunks, each row through
   ``safe_cell``, XlsxWriter in constant-memory mode, the access-log entry; timed, with the
   growth of the peak resident set (Linux VmHWM, reset before each step);
4. **xlsx, unmasked** (a reason given: the head's ID and phone decrypted for every row);
5. **CSV, masked** (UTF-8 with BOM);
6. unless ``--no-tracemalloc``: the masked xlsx again under ``tracemalloc``, for the peak of
   memory allocated by Python during the export (slower: the time of this pass is not the figure).

The figures to quote: seconds and peak memory of step 3.
"""

from __future__ import annotations

import argparse
import random
import secrets
import time
import tracemalloc
from datetime import date
from decimal import Decimal

from common import (
    argument_parser,
    finish,
    household_plan,
    peak_rss_mib,
    prepare_database,
    registry_models,
    reset_peak_rss,
    rss_mib,
    start_bench,
)

YEAR = 2023


def parse_args() -> argparse.Namespace:
    parser = argument_parser(__doc__)
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the tracemalloc pass")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database and files)")
    return parser.parse_args()


def generate(households: int, seed: int, villages: list[str]) -> dict[str, int]:
    """Households, members with encrypted numbers, one income year: bulk-inserted."""
    from shouwang.core import crypto
    from shouwang.core.bulk import insert_rows
    from shouwang.core.idnumbers import mask_id_number
    from shouwang.registry.demo.synthetic import make_id_number
    from shouwang.registry.models import Household, HouseholdYear, Member

    rng = random.Random(seed)
    plan = household_plan(rng, households, villages, "E")
    insert_rows(Household, ("number", "village_id", "region_code", "household_type", "address"),
                ((n, v, v, t, f"{v[-3:]}组{n[-3:]}号") for n, v, _, t in plan))
    ids = dict(Household.objects.values_list("number", "id"))
    seq = iter(range(1, 10**9))

    def members():
        for number, village, size, _ in plan:
            for i in range(size):
                born = date(rng.randint(1940, 2015), rng.randint(1, 12), rng.randint(1, 28))
                id_number = make_id_number("433122", born, next(seq) % 1000)
                phone = f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}" if i == 0 else ""
                yield (
                    ids[number], village, f"成员{number[-4:]}-{i}", crypto.encrypt(id_number),
                    crypto.blind_index(id_number), mask_id_number(id_number), born.year,
                    "head" if i == 0 else "son", crypto.encrypt(phone) if phone else "", crypto.mask_phone(phone),
                )

    n_members = insert_rows(Member, (
        "household_id", "region_code", "name", "id_number", "id_index", "id_masked", "birth_year", "relation",
        "phone", "phone_masked",
    ), members())
    n_years = insert_rows(HouseholdYear, ("household_id", "region_code", "year", "member_count", "wage_income"), (
        (ids[n], v, YEAR, size, Decimal(f"{rng.uniform(5000, 90000):.2f}")) for n, v, size, _ in plan
    ))
    return {"households": len(plan), "members": n_members, "years": n_years}


def timed_export(user, fmt: str, reason: str = "") -> tuple[float, float, float, object]:
    """Seconds, peak resident set during the export, growth over the start, and the job."""
    import gc

    from shouwang.supervision.exports import services as exports

    gc.collect()
    reset_peak_rss()
    before = rss_mib()
    t0 = time.perf_counter()
    job = exports.start_export(user, "households", {}, fmt=fmt, reason=reason, run_now=True)
    seconds = time.perf_counter() - t0
    peak = peak_rss_mib()
    return seconds, peak, peak - before, job


def main() -> None:
    args = parse_args()
    workdir = start_bench(args.database, "shouwang-bench-export-")

    from django.contrib.auth.models import Permission
    from django.db import connection

    from shouwang.accounts.models import User
    from shouwang.core.models import AccessLog, Job
    from shouwang.supervision.exports import services as exports

    villages = prepare_database(args.database, (*registry_models(), Job))
    county = villages[0][:6]
    User.objects.filter(username="bench-county").delete()
    user = User.objects.create_user(username="bench-county", password=secrets.token_urlsafe(16), role="county",
                                    region_id=county)
    user.user_permissions.add(Permission.objects.get(codename="unmask_personal_data"))
    user = User.objects.get(pk=user.pk)

    t0 = time.perf_counter()
    counts = generate(args.households, args.seed, villages)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"generated {counts} in {time.perf_counter() - t0:.1f} s")

    results = []
    for label, fmt, reason in (("xlsx, masked", "xlsx", ""), ("xlsx, unmasked (decrypting)", "xlsx", "benchmark"),
                               ("CSV, masked", "csv", "")):
        seconds, peak, growth, job = timed_export(user, fmt, reason)
        size = exports.export_path(job).stat().st_size / 2**20
        rows = job.result["rows"]
        results.append((label, seconds, peak, growth, rows, size))

    traced = None
    if not args.no_tracemalloc:
        tracemalloc.start()
        t0 = time.perf_counter()
        exports.start_export(user, "households", {}, fmt="xlsx", run_now=True)
        traced = (time.perf_counter() - t0, tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()

    logged = AccessLog.objects.filter(action__in=("export", "export_unmasked")).count()
    print()
    print(f"{'export of the household list':34} {'rows':>9} {'seconds':>8} {'rows/s':>9} "
          f"{'peak RSS':>10} {'growth':>9} {'file':>9}")
    for label, seconds, peak, growth, rows, size in results:
        print(f"{label:34} {rows:9,} {seconds:8.2f} {rows / seconds:9,.0f} {peak:7.0f} MiB {growth:+6.0f} MiB "
              f"{size:6.1f} MiB")
    if traced:
        print(f"{'xlsx, masked, under tracemalloc':34} {'':9} {traced[0]:8.2f} {'':9} "
              f"Python heap peak {traced[1]:.1f} MiB")
    print(f"access-log entries written: {logged}")
    finish(workdir, args.keep, blank_line=False)


if __name__ == "__main__":
    main()
