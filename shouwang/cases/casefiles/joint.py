"""Joint identification (2026 No.1 Document §(八), 防止返贫致贫对象和农村社会救助对象同步认定).

A case can be identified at once as a monitored household and as a social-assistance object of a
civil-affairs layer (低保, 特困, 低保边缘, 刚性支出困难家庭). The county records the layer and the
date on the case (``Case.assistance_layer``, ``Case.assistance_identified_on``); clearing the layer
withdraws it. Each change is in the change log. The household's own layer periods (from civil
affairs' feeds) are shown beside it to check against.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shouwang.core.audit import Change, record_changes
from shouwang.core.permissions import require
from shouwang.registry.models import LayerKind

from .models import Case
from .permissions import RECORD_JOINT_IDENTIFICATION


class JointIdentificationForm(forms.Form):
    layer = forms.ChoiceField(label=_("Social-assistance layer"),
                              choices=[("", _("Not jointly identified")), *LayerKind.choices], required=False)
    identified_on = forms.DateField(label=_("Jointly identified on"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("layer") and not data.get("identified_on"):
            self.add_error("identified_on", _("Give the date of the joint identification."))
        return data


def record_joint_identification(user, case: Case, layer: str, on: date | None) -> Case:
    """Set (or with an empty ``layer`` withdraw) the case's joint identification; logged."""
    require(user, RECORD_JOINT_IDENTIFICATION.name, case)
    if layer and layer not in LayerKind.values:
        raise ValueError(layer)
    before = {"assistance_layer": case.assistance_layer,
              "assistance_identified_on": case.assistance_identified_on.isoformat()
              if case.assistance_identified_on else None}
    case.assistance_layer = layer or ""
    case.assistance_identified_on = on if layer else None
    with transaction.atomic():
        case.save(update_fields=["assistance_layer", "assistance_identified_on", "updated_at"])
        record_changes([Change(
            action="update", object_type="cases.case", object_id=case.pk, object_repr=str(case),
            region_code=case.region_code, before=before,
            after={"assistance_layer": case.assistance_layer,
                   "assistance_identified_on": on.isoformat() if layer and on else None},
        )])
    return case
