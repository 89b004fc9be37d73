"""``manage.py seed_demo``: the synthetic registry, then the demo years played through the real services."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shouwang.registry.demo.services import DemoError, delete_demo, demo_households, parse_years, seed_demo
from shouwang.supervision.demo.services import delete_story, play_years, seed_lines


class Command(BaseCommand):
    help = (
        "Generate a synthetic demo registry on the loaded villages and play the demo years through the "
        "services: lines, feeds, screening, visits, self-reports, cases, eliminations, supervision."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--households", type=int, default=20000, help="Number of households (default 20000)"
        )
        parser.add_argument(
            "--seed", type=int, default=20240601, help="Random seed: same seed, same registry and same story"
        )
        parser.add_argument("--years", default="2021-2025", help="Years of income records, e.g. 2021-2025")
        parser.add_argument(
            "--county", help="Only villages under this region code (default: all loaded villages)"
        )
        parser.add_argument(
            "--replace", action="store_true", help="Delete the previous demo households first"
        )
        parser.add_argument(
            "--registry-only", action="store_true", help="Generate the registry without playing the years"
        )
        parser.add_argument(
            "--lines-only", action="store_true",
            help="Only the monitoring lines of the demo years (for a demo county taken over with import_national)",
        )

    def handle(self, *args, **opts):
        if opts["lines_only"]:
            try:
                years = parse_years(opts["years"])
            except DemoError as exc:
                raise CommandError(str(exc)) from exc
            counts = seed_lines(years, seed=opts["seed"], county=opts.get("county"))
            self.stdout.write(_("Monitoring lines set for %(first)d–%(last)d (%(carried)d carried forward).") % {
                "first": years[0], "last": years[1], "carried": counts.get("lines_carried_forward", 0)})
            return
        n = opts["households"]
        if n < 1:
            raise CommandError(_("--households must be at least 1."))
        try:
            years = parse_years(opts["years"])
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        existing = demo_households().count()
        if existing:
            if not opts["replace"]:
                self.stdout.write(
                    _(
                        "Demo registry already present (%(n)d households); nothing done. "
                        "Use --replace to generate it again."
                    )
                    % {"n": existing}
                )
                return
            delete_story()
            delete_demo()
            self.stdout.write(_("Deleted %(n)d demo households.") % {"n": existing})

        step = max(1, n // 10)
        last = [0]

        def progress(done: int, total: int) -> None:
            if done - last[0] >= step or done == total:
                last[0] = done
                self.stdout.write(
                    _("  %(done)d / %(total)d households (%(pct)d%%)")
                    % {"done": done, "total": total, "pct": 100 * done // total}
                )

        try:
            made = seed_demo(n, seed=opts["seed"], years=years, county=opts.get("county"), progress=progress)
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Seeded %(households)d households, %(members)d members, %(years)d household-years "
                    "in %(seconds).1f s."
                )
                % made
            )
        )
        if opts["registry_only"]:
            return
        started = time.perf_counter()
        played = play_years(years, seed=opts["seed"], county=opts.get("county"),
                            progress=lambda stage: self.stdout.write(_("  playing %(stage)s") % {"stage": stage}))
        counts = {k: v for k, v in played.items() if k != "seconds"}
        self.stdout.write(
            self.style.SUCCESS(
                _("Played the demo years in %(seconds).1f s: %(counts)s")
                % {"seconds": time.perf_counter() - started,
                   "counts": ", ".join(f"{k} {v}" for k, v in counts.items())}
            )
        )
