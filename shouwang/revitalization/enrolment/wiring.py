"""Plugs enrolments in when Django starts: department feeds and assistance measures feed them.

* A beneficiary-list feed names policies; the import reports, row by row, the names the catalogue
  does not know (``monitoring.feeds.catalogue.register_category_check``).
* Once a feed commit has committed (``core.signals.households_changed`` sent by ``FeedSignal``),
  the enrolments of the households it wrote are derived again.
* Once a measure is saved and committed, the enrolments it stands for are derived again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def on_households_changed(sender: Any = None, household_ids: Iterable[int] = (), **kwargs: Any) -> None:
    from shouwang.monitoring.feeds.models import FeedSignal

    from .services import sync_from_feeds

    if sender is FeedSignal:
        sync_from_feeds(list(household_ids))


def on_measure_saved(sender: Any = None, instance: Any = None, **kwargs: Any) -> None:
    from shouwang.core.signals import data_changed_is_muted

    from .services import measure_years, sync_from_measures

    if instance is None or instance.pk is None or data_changed_is_muted():
        return  # the demo's seeding derives them once at the end (enrolment.demo)
    pk, years = instance.pk, measure_years(instance)

    def refresh() -> None:
        for year in years:
            sync_from_measures(year, measure_ids=[pk])

    transaction.on_commit(refresh)


def connect() -> None:
    from shouwang.cases.assistance.models import Measure
    from shouwang.core.signals import households_changed
    from shouwang.monitoring.feeds.catalogue import register_category_check
    from shouwang.monitoring.feeds.models import FeedType

    from .services import unknown_policy_names

    register_category_check(FeedType.POLICY, unknown_policy_names, _("not in the policy catalogue"))
    households_changed.connect(on_households_changed, dispatch_uid="revitalization.enrolment.feeds")
    post_save.connect(on_measure_saved, sender=Measure, dispatch_uid="revitalization.enrolment.measures")
