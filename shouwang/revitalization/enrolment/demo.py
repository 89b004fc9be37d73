"""The demo county's policy enrolments, made through the real services.

1. Enrolments from the assistance measures recorded on the demo's cases (``sync_from_measures``).
2. A department beneficiary list for each active policy of the county in force in ``year``, imported
   through the feed import like a department's file: most eligible subjects (about 85 %), a few
   subjects the rule does not select (so that 应退未退 has rows) and two rows naming a policy the
   catalogue does not know (reported, kept). Deterministic for a seed.

Run after the policy catalogue (``policies.demo.populate``) and the demo's cases.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date

from django.utils import timezone

from shouwang.core.audit import acting_as
from shouwang.monitoring.feeds.models import FeedBatch, FeedType
from shouwang.monitoring.feeds.services import import_feed
from shouwang.monitoring.rules.compiler import RuleError
from shouwang.registry.models import Member, Relation

from ..policies.eligibility import eligible
from ..policies.models import Policy
from . import services
from .models import Enrolment, EnrolmentSource

ENROLLED_SHARE = 0.85
WRONGLY_ENROLLED_SHARE = 0.02
HEADERS = ["身份证号", "姓名", "发放日期", "政策名称", "发放金额"]


def _id_numbers(member_ids: set[int], household_ids: set[int]) -> tuple[dict[int, tuple], dict[int, tuple]]:
    """(member id → (ID number, name), household id → its head's (ID number, name))."""
    by_member = {pk: (number, name) for pk, number, name in Member.objects.filter(pk__in=member_ids)
                 .exclude(id_index="").values_list("pk", "id_number", "name")}
    heads = {h: (number, name) for h, number, name in Member.objects.filter(
        household_id__in=household_ids, relation=Relation.HEAD).exclude(id_index="")
        .values_list("household_id", "id_number", "name")}
    return by_member, heads


def populate(county_code: str, year: int, seed: int) -> dict:
    rng = random.Random(seed)
    paid_on = min(date(year, 6, 30), timezone.localdate())
    with acting_as(None, "demo"):
        from_measures = services.sync_from_measures(year, region=county_code)["created"]
        wanted: list[tuple[str, int | None, int, str]] = []  # (policy name, member, household, amount)
        for policy in Policy.objects.filter(active=True, region_code=county_code).order_by("code"):
            if not policy.in_force(year):
                continue
            person = services.is_person_policy(policy)
            try:
                subjects = list(eligible(policy, year, county_code).values_list("household_id", "member_id"))
            except RuleError:
                continue
            amount = "" if policy.amount is None else str(policy.amount)
            for household_id, member_id in sorted(subjects):
                if rng.random() < ENROLLED_SHARE:
                    wanted.append((policy.name_zh, member_id, household_id, amount))
            # A few subjects the rule does not select, still paid: 应退未退.
            selected = eligible(policy, year, county_code).values("member_id" if person else "household_id")
            others = Member.objects.filter(region_code__startswith=county_code).exclude(
                **{f"{'pk' if person else 'household_id'}__in": selected}).order_by("pk").values_list(
                "household_id", "pk")[:2000]
            for household_id, member_id in others:
                if rng.random() < WRONGLY_ENROLLED_SHARE / (1 if person else 4):
                    wanted.append((policy.name_zh, member_id, household_id, amount))
        by_member, heads = _id_numbers({w[1] for w in wanted if w[1]}, {w[2] for w in wanted})
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        rows = 0
        for name, member_id, household_id, amount in wanted:
            who = by_member.get(member_id) if member_id else heads.get(household_id)
            if who is None:
                continue
            writer.writerow([who[0], who[1], paid_on.isoformat(), name, amount])
            rows += 1
        for number, named in list(by_member.values())[:2]:
            writer.writerow([number, named, paid_on.isoformat(), "村级光伏收益分红", "200"])  # not in the catalogue
        from_feeds = Enrolment.objects.filter(source=EnrolmentSource.FEED, region_code__startswith=county_code)
        before = from_feeds.count()
        imported = import_feed(FeedType.POLICY, out.getvalue().encode("utf-8"), f"享受政策名单{year}.csv",
                               commit=True, channel=FeedBatch.Channel.COMMAND)
        # The feed's commit makes them (its hook, after the commit); inside a transaction that has not
        # committed yet, this call does: counted either way.
        from_feed = services.sync_from_feeds(region=county_code)
    return {"enrolments_from_measures": from_measures, "feed_rows": imported.report.total,
            "enrolments_from_feed": from_feeds.count() - before, "unknown_policy_rows": from_feed["unknown"]}
