"""Forms of the warning pages: the queue's filter (the warnings export uses it too), acting on a warning."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.regions.models import Region

from ..rules.models import Rule
from . import services as lifecycle
from .models import WarningChannel


def _scope_villages(user) -> list[Region]:
    prefix = user.scope_prefix or ""
    if not prefix:
        return []
    return list(Region.objects.filter(code__startswith=prefix, level=Region.Level.VILLAGE).only("code", "name"))


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), required=False)
    rule = forms.ChoiceField(label=gettext_lazy("Rule"), required=False)
    village = forms.ChoiceField(label=gettext_lazy("Village"), required=False)

    def __init__(self, *args: Any, villages: list[Region], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = list(lifecycle.STATUS_FILTERS.items())
        self.fields["channel"].choices = [("", _("All channels"))] + list(WarningChannel.choices)
        self.fields["rule"].choices = [("", _("All rules"))] + [
            (r.code, f"{r.code} · {r.name}") for r in Rule.objects.order_by("code")
        ]
        self.fields["village"].choices = [("", _("All villages"))] + [(v.code, v.name) for v in villages]
        self.show_village = len(villages) > 1


class ActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(code, a.label) for code, a in lifecycle.ACTIONS.items()])
    reason = forms.CharField(
        label=gettext_lazy("Reason or note"), required=False, max_length=lifecycle.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
