"""``manage.py run_scheduler``: start the periodic jobs when they are due (no cron needed).

    manage.py run_scheduler            # loop: look every 30 seconds, until stopped
    manage.py run_scheduler --once     # one pass (start what is due now), then exit

The jobs themselves run on the task worker (``db_worker``) like every other job; this process only
decides when. Several schedulers may run at once: each run is claimed by one of them
(``shouwang.core.scheduling``).
"""

from __future__ import annotations

import contextlib
import signal

from django.core.management.base import BaseCommand
from django.utils import timezone

from shouwang.core import scheduling


class Command(BaseCommand):
    help = "Start the periodic jobs (overdue checks, dashboards, data quality, scorecards) when they are due."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--poll", type=float, default=scheduling.POLL_SECONDS,
                            help="seconds between passes (default %(default)s)")

    def handle(self, *args, **opts) -> None:
        def stop(signum, frame) -> None:  # systemd's stop: end between passes or during the wait
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, stop)
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends the loop quietly
            scheduling.loop(once=opts["once"], poll=max(1.0, opts["poll"]))
        if opts["once"]:
            for line in scheduling.schedule_lines():
                when = timezone.localtime(line.row.next_run).strftime("%Y-%m-%d %H:%M") if line.row.next_run else "-"
                self.stdout.write(f"{line.spec.name:30} {when}")
