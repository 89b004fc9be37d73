"""Registry-import benchmark: the real importer against one ``save()`` per row, same data, same run.

    python bench/registry_import.py [--households 100000] [--database sqlite|postgresql] [--keep]

Steps, in one process:

1. a fresh database (SQLite: a temporary file; PostgreSQL: the SHOUWANG_DB_* variables, which
   must name a database this script may empty), ``migrate``, the Luxi regions;
2. an xlsx of N households (about 2.7 members each, valid synthetic ID numbers written as text,
   one 收支情况 row per household), written with xlsxwriter in constant-memory mode;
3. **importer**: ``import_registry(..., commit=True)`` as the county-wide system user: read,
   check every row, commit in one transaction, change log for every object, timed end to end;
   memory is the growth of the process's peak resident set (``ru_maxrss``) over the import;
4. the registry tables are emptied, and the importer re-reads the same file without committing
   (untimed) to get the very same parsed values;
5. **baseline**: those values written with one ``Model.save()`` per household, member and year
   in autocommit (change-log signals suppressed, so the baseline does *less* work than the
   importer, which also writes ~N×4.7 change-log entries), timed.

The ratio baseline / importer is the figure to quote.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date
from pathlib import Path

from common import (
    argument_parser,
    cpu_seconds,
    empty_tables,
    finish,
    maxrss_mib,
    prepare_database,
    print_table,
    registry_models,
    start_bench,
)


def parse_args() -> argparse.Namespace:
    parser = argument_parser(__doc__)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (xlsx, SQLite file)")
    parser.add_argument("--skip-baseline", action="store_true", help="time the importer only")
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


def baseline(plan) -> tuple[float, int]:
    """One ``save()`` per object, autocommit, from the importer's parsed values."""
    from django.db import connection

    from shouwang.registry.households.audit import suppress_change_log
    from shouwang.registry.models import Household, HouseholdYear, Member

    assert connection.get_autocommit()
    writes = plan.writes
    start = time.perf_counter()
    count = 0
    households: dict[str, Household] = {}
    with suppress_change_log():
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
        member_fields = (
            "name",
            "sex",
            "id_type",
            "id_index",
            "id_masked",
            "birth_year",
            "relation",
            "ethnicity",
            "education",
            "schooling",
            "health",
            "labour",
            "work_location",
            "work_months",
            "phone",
            "phone_masked",
            "medical_insured",
            "pension_insured",
            "dibao",
            "tekun",
        )
        for number, member, values in writes.new_members:
            m = Member(
                household=households[number],
                id_number=member.id_number,
                **{k: values[k] for k in member_fields},
            )
            m.save()
            count += 1
        year_fields = (
            "year",
            "member_count",
            "wage_income",
            "business_income",
            "property_income",
            "transfer_income",
            "business_costs",
            "compliant_out_of_pocket",
            "insurance_payouts",
            "housing_grade",
            "water_secured",
            "dropout",
            "uninsured_member",
        )
        for number, values in writes.new_years:
            y = HouseholdYear(household=households[number], **{k: values[k] for k in year_fields})
            y.save()
            count += 1
    return time.perf_counter() - start, count


def main() -> None:
    args = parse_args()
    workdir = start_bench(args.database, "shouwang-bench-")

    from django.db import connection

    from shouwang.core.models import ChangeLog
    from shouwang.registry.imports.importer import RegistryImport
    from shouwang.registry.models import Household, HouseholdYear, Member

    villages = prepare_database(args.database, registry_models())

    xlsx = workdir / "registry.xlsx"
    t0 = time.perf_counter()
    member_rows, income_rows = generate(xlsx, args.households, args.seed, villages)
    t_gen = time.perf_counter() - t0
    print(
        f"generated {args.households:,} households, {member_rows:,} member rows, {income_rows:,} income rows "
        f"in {t_gen:.1f} s ({xlsx.stat().st_size / 1048576:.1f} MiB xlsx)"
    )

    phases: dict[str, float] = {}

    def progress(done: int, total: int, message: str) -> None:
        phases.setdefault(message, time.perf_counter())

    # measure (not change) the change-log share of the commit (the commit module writes the log)
    import shouwang.registry.imports.commit as commit_module

    log_seconds = [0.0]
    record_changes = commit_module.record_changes

    def timed_record_changes(changes):
        start = time.perf_counter()
        try:
            return record_changes(changes)
        finally:
            log_seconds[0] += time.perf_counter() - start

    commit_module.record_changes = timed_record_changes

    load_before = os.getloadavg()[0]
    rss_before = maxrss_mib()
    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    importer = RegistryImport(None, progress=progress)
    report = importer.run([(xlsx, xlsx.name)], commit=True)
    t_import = time.perf_counter() - t0
    cpu_import = cpu_seconds() - cpu0
    commit_module.record_changes = record_changes
    rss_after = maxrss_mib()
    assert report.committed and not report.errors, report.to_dict()["errors"][:5]
    write_start = phases.get("Writing to the registry", time.perf_counter())
    read_start = phases.get("Reading the file", t0)
    counts = (Household.objects.count(), Member.objects.count(), HouseholdYear.objects.count())
    change_log = ChangeLog.objects.count()
    print(
        f"importer: {report.created:,} households created; rows in the database: households {counts[0]:,}, "
        f"members {counts[1]:,}, years {counts[2]:,}; change-log entries {change_log:,}"
    )

    t_again0 = time.perf_counter()
    again = RegistryImport(None).run([(xlsx, xlsx.name)], commit=True)
    t_again = time.perf_counter() - t_again0
    assert again.created == 0 and again.updated == 0, again.to_dict()

    t_base = n_base = None
    if not args.skip_baseline:
        empty_tables(registry_models())
        plan = RegistryImport(None)
        plan.run([(xlsx, xlsx.name)], commit=False)
        cpu0 = cpu_seconds()
        t_base, n_base = baseline(plan)
        cpu_base = cpu_seconds() - cpu0
        assert Member.objects.count() == counts[1]

    rows = [
        ("file", f"{args.households:,} households / {member_rows:,} members / {income_rows:,} years"),
        ("importer: read + check", f"{write_start - read_start:8.1f} s"),
        ("importer: commit (bulk writes + change log)", f"{t0 + t_import - write_start:8.1f} s"),
        (f"  of which change log ({change_log:,} entries)", f"{log_seconds[0]:8.1f} s"),
        (
            "importer: total",
            f"{t_import:8.1f} s  ({sum(counts) / t_import:,.0f} objects/s, CPU {cpu_import:.1f} s)",
        ),
        (
            "importer: peak RSS growth (ru_maxrss)",
            f"{rss_after - rss_before:8.0f} MiB (process peak {rss_after:,.0f} MiB)",
        ),
        ("re-import of the same file", f"{t_again:8.1f} s  (0 created, 0 updated)"),
    ]
    if t_base is not None:
        rows += [
            (
                "baseline: save() per row, autocommit",
                f"{t_base:8.1f} s  ({n_base / t_base:,.0f} objects/s, CPU {cpu_base:.1f} s)",
            ),
            ("ratio baseline / importer", f"{t_base / t_import:8.1f} x"),
        ]
    rows.append(
        (
            "load average at start / end",
            f"{load_before:8.1f} / {os.getloadavg()[0]:.1f} (machine busy if > CPUs)",
        )
    )
    print_table(
        f"Registry import benchmark ({connection.vendor}, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs)",
        rows,
        50,
    )
    finish(workdir, args.keep)


if __name__ == "__main__":
    main()
