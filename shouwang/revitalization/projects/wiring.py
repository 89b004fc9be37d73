"""What the project library plugs in when Django starts: its nightly roll-over, its audit names."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def connect() -> None:
    from shouwang.core.audit import register_object_type
    from shouwang.core.scheduling import register_periodic

    from .tasks import JOB_KIND, run_roll_over_job

    register_periodic(JOB_KIND, run_roll_over_job, label=_("Roll unfunded projects over to the next year"),
                      default_time="01:30")
    register_object_type("revitalization.disbursement", _("project disbursement"),
                         {"paid_on": _("date"), "amount": _("amount (yuan)"), "note": _("note")})
    register_object_type("revitalization.beneficiary", _("household reached by a project"),
                         {"household": _("household"), "kind": _("how it benefits"),
                          "amount": _("amount per household (yuan)")})
    register_object_type("revitalization.project", None,
                         {"funds": _("funds"), "villages": _("villages"), "step": _("step"), "reason": _("reason"),
                          "rolled_to": _("rolled over to"), "source": _("source")})
