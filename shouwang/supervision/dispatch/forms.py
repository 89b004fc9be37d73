"""Dispatch forms: a new task or notice and the regions it goes to."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.regions.filters import labelled_villages
from shouwang.regions.models import Region

from . import services as service
from .models import DispatchKind


class TaskForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=DispatchKind.choices, widget=forms.RadioSelect,
                             initial=DispatchKind.TASK)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    body = forms.CharField(label=gettext_lazy("What is asked"), required=False,
                           widget=forms.Textarea(attrs={"rows": 4}))
    deadline = forms.DateField(label=gettext_lazy("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    mode = forms.ChoiceField(label=gettext_lazy("Send to"), widget=forms.RadioSelect)
    targets = forms.MultipleChoiceField(label=gettext_lazy("Regions"), required=False,
                                        widget=forms.CheckboxSelectMultiple)
    township = forms.ChoiceField(label=gettext_lazy("Township"), required=False)
    attachment = forms.FileField(label=gettext_lazy("Attachment (PDF, Word, Excel, JPEG or PNG, up to 10 MB)"),
                                 required=False)

    def __init__(self, *args: Any, user, **kwargs: Any):
        super().__init__(*args, **kwargs)
        regions = service.target_regions(user)
        county = service.sends_from_county(user)
        townships = [r for r in regions if r.level == Region.Level.TOWNSHIP]
        below = townships if county else [r for r in regions if r.level == Region.Level.VILLAGE]
        modes = [("all", _("All townships") if county else _("All villages")),
                 ("chosen", _("Chosen townships") if county else _("Chosen villages"))]
        if county:
            modes.append(("villages_of", _("All villages of one township")))
        self.fields["mode"].choices = modes
        self.fields["mode"].initial = "all"
        self.fields["targets"].choices = (
            [(r.code, r.name) for r in below] if county else labelled_villages(below, townships)
        )
        self.fields["township"].choices = [("", "—")] + [(r.code, r.name) for r in townships]
        self.county = county

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("mode") == "chosen" and not data.get("targets"):
            self.add_error("targets", _("Choose at least one region to send to."))
        if data.get("mode") == "villages_of" and not data.get("township"):
            self.add_error("township", _("Choose the township."))
        return data
