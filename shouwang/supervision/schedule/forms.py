"""The forms of the schedule page (a job's time) and of the working-day calendar (an override)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shouwang.core.scheduling import MAX_EVERY_MINUTES


class ScheduleForm(forms.Form):
    name = forms.CharField(max_length=50, widget=forms.HiddenInput)
    time_of_day = forms.TimeField(label=_("Time of day"), required=False,
                                  widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    every_minutes = forms.IntegerField(label=_("Every (minutes)"), required=False, min_value=1,
                                       max_value=MAX_EVERY_MINUTES)
    enabled = forms.BooleanField(label=_("Runs by itself"), required=False)


class OverrideForm(forms.Form):
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    is_working_day = forms.TypedChoiceField(
        label=_("The day is"), coerce=lambda value: value == "1",
        choices=[("0", _("a day off")), ("1", _("a working day"))],
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
