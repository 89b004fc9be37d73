"""The scorecard on a village's profile page (revitalization.villages), which cannot import supervision:
registered from ``SupervisionConfig.ready()`` through ``villages.services.register_panel``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from shouwang.core.permissions import can

from .models import ScorecardLevel, ScorecardRow
from .permissions import VIEW_SCORECARD


def village_scorecard(user, village: str, year: int) -> dict[str, Any] | None:
    """The village's score and rank among its township's villages in the latest scorecard whose
    period ends in ``year``, with the previous period's beside them; None when there is none or the
    user may not read it."""
    if not can(user, VIEW_SCORECARD.name, village):
        return None
    row = (
        ScorecardRow.objects.filter(region_code=village, level=ScorecardLevel.VILLAGE,
                                    snapshot__period_end__year=year)
        .select_related("snapshot").order_by("-snapshot__period_end", "-snapshot__computed_at").first()
    )
    if row is None:
        return None
    snapshot = row.snapshot
    rows: list[tuple[str, Any]] = [
        (_("Period"), f"{snapshot.period_start:%Y-%m-%d} – {snapshot.period_end:%Y-%m-%d}"),
        (_("Score"), "—" if row.score is None else f"{row.score:.1f}"),
        (_("Rank among the township's villages"), "—" if row.rank is None else f"{row.rank} / {row.rank_of}"),
    ]
    if row.previous_score is not None:
        rows.append((_("Previous period's score"), f"{row.previous_score:.1f}"))
    return {"title": _("Scorecard"), "rows": rows}
