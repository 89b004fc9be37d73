"""Audit tamper trials at full size: random tampering of every kind, each detected or not.

    python bench/audit_tamper.py [--trials 10000] [--entries 500] [--database sqlite|postgresql] [--seed N]

Builds a change log and an access log of ``--entries`` entries each (as requests of four users
from several addresses), anchors them outside the database, then runs ``--trials`` random
tamperings (``shouwang/core/tests/tamper.py``: edit any column of any row, user id, client
address, result and before/after JSON included; delete a row; insert a forged row, with or
without a forged head; cut the tail and forge or replay the head; recompute the chain from a row
or from the start with a guessed key; rewrite every entry unkeyed (downgrade); swap two rows;
edit an anchor), each undone by a savepoint after the verifier was asked. It prints the trials
and detections by kind; the goal (security.md G16) is 100 %.
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter

from common import argument_parser, finish, print_table, start_bench


def main() -> int:
    parser = argument_parser(__doc__)
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=500)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    workdir = start_bench(args.database, "shouwang-tamper-")

    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction

    from shouwang.accounts.models import User
    from shouwang.core.models import AccessLog, ChainHead, ChangeLog
    from shouwang.core.tests.tamper import prepare, run_trials

    call_command("migrate", verbosity=0)
    if args.database == "postgresql":
        for model in (ChangeLog, AccessLog, ChainHead):
            model._default_manager.all().delete()
    settings.SHOUWANG_AUDIT_ANCHOR_DIR = workdir / "anchors"
    rng = random.Random(args.seed)
    with transaction.atomic():
        users = [User.objects.create(username=f"tamper-{i}") for i in range(4)]
        started = time.perf_counter()
        world = prepare(users, args.entries, settings.SHOUWANG_AUDIT_ANCHOR_DIR, rng)
        built = time.perf_counter() - started
        started = time.perf_counter()
        tally = run_trials(args.trials, world, rng)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)

    kinds: Counter = Counter()
    found: Counter = Counter()
    for (kind, what, detected), n in tally.by_kind.items():
        label = kind if kind != "edit" else what
        kinds[label] += n
        found[label] += n if detected else 0
    rows = [(label, f"{found[label]:6,} / {kinds[label]:6,} detected") for label in sorted(kinds)]
    rows += [
        ("all trials", f"{tally.detected:6,} / {tally.trials:6,} detected "
                       f"({100 * tally.detected / tally.trials:.1f} %)"),
        ("chains", f"{args.entries:,} change-log and {args.entries:,} access-log entries, built in {built:.1f} s"),
        ("time", f"{seconds:.1f} s ({1000 * seconds / max(1, tally.trials):.1f} ms per trial)"),
        ("goal (G16)", "100 % detected: " + ("met" if tally.detected == tally.trials else "NOT met")),
    ]
    print_table("Audit tamper trials", rows, 30)
    for miss in tally.missed[:20]:
        print(f"missed: {miss}")
    finish(workdir, args.keep)
    return 0 if tally.detected == tally.trials else 1


if __name__ == "__main__":
    sys.exit(main())
