"""``manage.py seed_revitalization --county CODE --year Y [--seed S]``: the demo county's revitalization
registers, made through the features' own services on the demo registry and its played years.

Run after ``seed_demo`` (or the national takeover): policies need the registry, enrolments and projects
the cases, assets the projects, cadres the village profiles. Each step leaves what it already made, so
a second run adds nothing.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shouwang.regions.models import Region
from shouwang.revitalization.assets import demo as assets_demo
from shouwang.revitalization.cadres import demo as cadres_demo
from shouwang.revitalization.enrolment import demo as enrolment_demo
from shouwang.revitalization.policies import demo as policies_demo
from shouwang.revitalization.projects import demo as projects_demo
from shouwang.revitalization.villages import demo as villages_demo

# In this order: each step stands on what the steps before it made.
STEPS = (
    ("policies", policies_demo.populate),
    ("village profiles", villages_demo.populate),
    ("projects", projects_demo.populate),
    ("assets", assets_demo.populate),
    ("cadres and talent", cadres_demo.populate),
    ("enrolments", enrolment_demo.populate),
)


class Command(BaseCommand):
    help = "Fill the demo county's revitalization registers (policies, projects, assets, cadres, villages)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--county", required=True, help="the county's 6-digit code")
        parser.add_argument("--year", type=int, required=True, help="the demo's last year")
        parser.add_argument("--seed", type=int, default=20240601, help="random seed (same seed, same registers)")

    def handle(self, *args, county: str, year: int, seed: int, **options) -> None:
        if not Region.objects.filter(code=county, level=Region.Level.COUNTY).exists():
            raise CommandError(_("No county with the code %(code)s.") % {"code": county})
        for name, populate in STEPS:
            started = time.perf_counter()
            counts = populate(county, year, seed)
            self.stdout.write(
                _("  %(step)s in %(seconds).1f s: %(counts)s")
                % {"step": name, "seconds": time.perf_counter() - started,
                   "counts": ", ".join(f"{k} {v}" for k, v in counts.items())}
            )
