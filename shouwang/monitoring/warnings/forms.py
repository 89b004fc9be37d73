"""Forms of the warning pages: acting on a warning (the queue's filter is :mod:`.filters`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from . import services as lifecycle


class ActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(code, a.label) for code, a in lifecycle.ACTIONS.items()])
    reason = forms.CharField(
        label=gettext_lazy("Reason or note"), required=False, max_length=lifecycle.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
