"""``manage.py make_national_export OUT.xlsx``: a synthetic export of the national system, for trials and demos."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shouwang.supervision.takeover.synthetic import NationalExportError, write_national_export


class Command(BaseCommand):
    help = (
        "Write a synthetic export of the national monitoring system (person sheet and work sheet) for the "
        "villages of a loaded county: same seed, same file."
    )

    def add_arguments(self, parser):
        parser.add_argument("out", help="The .xlsx file to write")
        parser.add_argument("--county", required=True, help="Six-digit county code whose villages are loaded")
        parser.add_argument("--households", type=int, default=1000, help="Number of households (default 1000)")
        parser.add_argument("--seed", type=int, default=20240601, help="Random seed: same seed, same file")
        parser.add_argument(
            "--year", type=int, default=date.today().year - 1, help="Year of the incomes (default: last year)"
        )
        parser.add_argument(
            "--clean", action="store_true", help="Canonical headers and labels only, no messy cells"
        )
        parser.add_argument(
            "--problems", action="store_true",
            help="Inject one of each problem the import must report (number-typed ID, unknown label, "
                 "placeholder ID, disability-certificate number)",
        )
        parser.add_argument("--no-work-sheet", action="store_true", help="Leave out the 已外出务工 sheet")

    def handle(self, *args, **opts):
        if not 2000 <= opts["year"] <= date.today().year:
            raise CommandError(_("The year must lie between 2000 and the current year."))
        out = Path(opts["out"])
        if out.suffix.lower() != ".xlsx":
            raise CommandError(_("The output file must end in .xlsx."))
        started = time.perf_counter()
        try:
            summary = write_national_export(
                out, county=opts["county"], households=opts["households"], seed=opts["seed"], year=opts["year"],
                messy=not opts["clean"], problems=opts["problems"], work_sheet=not opts["no_work_sheet"],
            )
        except NationalExportError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(_(
            "Wrote %(file)s in %(seconds).1f s: %(households)d households (%(ex_poor)d ex-poor), %(people)d "
            "people, %(spells)d work spells; %(monitored)d monitored: %(open)d open, %(eliminated)d eliminated."
        ) % {
            "file": out, "seconds": time.perf_counter() - started, "households": summary.households,
            "ex_poor": summary.ex_poor, "people": summary.people, "spells": summary.work_spells,
            "monitored": summary.monitored_total, "open": summary.open, "eliminated": summary.eliminated_total,
        }))
        for problem in summary.problems:
            self.stdout.write(_("Injected problem: row %(row)d, column %(header)s: %(code)s")
                              % {"row": problem.row, "header": problem.header, "code": problem.code})
