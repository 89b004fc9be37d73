"""Forms of the department-feed pages: the upload, and a county's own column name."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from shouwang.core.import_pages import UPLOAD_MODES, check_upload

from .catalogue import FEED_SPECS
from .models import FeedType
from .tasks import ALLOWED_SUFFIXES


class FeedUploadForm(forms.Form):
    feed_type = forms.ChoiceField(label=gettext_lazy("Feed"), choices=FeedType.choices)
    file = forms.FileField(label=gettext_lazy("Feed file (.xlsx, .xls or .csv)"))
    mode = forms.ChoiceField(label=gettext_lazy("What to do"), choices=UPLOAD_MODES, initial="validate",
                             widget=forms.RadioSelect)
    complete = forms.BooleanField(
        label=gettext_lazy("This list is complete (低收入人口 layers only): end the layers it no longer names"),
        required=False,
    )

    def clean_file(self):
        return check_upload(self.cleaned_data.get("file"), ALLOWED_SUFFIXES)


class AliasForm(forms.Form):
    feed_type = forms.ChoiceField(label=gettext_lazy("Feed"), choices=FeedType.choices)
    column = forms.CharField(label=gettext_lazy("Column"), max_length=40)
    header = forms.CharField(label=gettext_lazy("Header in the department's file"), max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        keys_by_label: dict[str, set[str]] = {}
        for spec in FEED_SPECS.values():
            for c in spec.columns:
                keys_by_label.setdefault(str(c.label), set()).add(c.key)
        # The column's name in the file; its key only where two columns share that name.
        choices = [(key, label if len(keys) == 1 else f"{label} ({key})")
                   for label, keys in keys_by_label.items() for key in keys]
        self.fields["column"] = forms.ChoiceField(label=gettext_lazy("Column"),
                                                  choices=sorted(set(choices), key=lambda c: c[1]))
