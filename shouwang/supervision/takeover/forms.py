"""The takeover pages' forms: the upload, a synonym to add, the note that resolves a reconciliation item."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwang.core.import_pages import UPLOAD_MODES, check_upload

from . import services
from .tasks import ALLOWED_SUFFIXES, MAX_FILES

# The tables of the synonym table, in words (the header row, then the national code tables).
TABLE_LABELS: dict[str, Any] = {
    services.HEADER: _("Column headers (表头)"),
    "category": _("Monitoring category (监测对象类别)"),
    "household_type": _("Household type (户类型)"),
    "risk": _("Risk type (致贫/返贫风险)"),
    "disaster_kind": _("Kind of natural disaster (因自然灾害子项)"),
    "elimination_mode": _("Way the risk was eliminated (风险消除方式)"),
    "sex": _("Sex (性别)"),
    "id_type": _("ID document type (证件类型)"),
    "relation": _("Relation to head (与户主关系)"),
    "education": _("Education (文化程度)"),
    "schooling": _("Schooling (在校生状况)"),
    "health": _("Health (健康状况)"),
    "labour": _("Labour capacity (劳动技能)"),
    "dibao": _("Minimum living allowance (享受低保政策情况)"),
    "tekun": _("Extreme-poverty support (享受特困供养政策情况)"),
    "yesno": _("Yes / no (是/否)"),
}


def table_label(table: str) -> Any:
    return TABLE_LABELS.get(table, table)


def table_choices() -> list[tuple[str, Any]]:
    return [(table, table_label(table)) for table in services.synonym_tables()]


def value_choices(table: str) -> list[tuple[str, str]]:
    """A table's values as a select offers them: a column by its canonical header, a code by its labels."""
    # The canonical header, or the labels that already mean the value: what the county reads in its files
    # (the stored keys and values are the program's, in English).
    return list(services.synonym_values(table).items())


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or more files from one input; each is checked like a single upload."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        files = data if isinstance(data, (list, tuple)) else [data]
        return [single(f, initial) for f in files if f] or [single(None, initial)]


class TakeoverForm(forms.Form):
    files = MultipleFileField(
        label=_("National export files (.xlsx, .xls or .csv)"),
        help_text=_("The person sheet 监测对象信息, and optionally the work sheet 已外出务工: one workbook "
                    "with both sheets, or one file each."),
    )
    year = forms.IntegerField(
        label=_("Income year"), min_value=2014,
        help_text=_("The year the incomes and guarantees of the export belong to."),
    )
    mode = forms.ChoiceField(label=_("What to do"), choices=UPLOAD_MODES, initial="validate",
                             widget=forms.RadioSelect)
    allow_partial = forms.BooleanField(
        label=_("Import the correct households even if other rows have errors"), required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year:
            raise forms.ValidationError(_("The income year cannot lie in the future."))
        return year

    def clean_files(self) -> list[Any]:
        files = [f for f in self.cleaned_data.get("files") or [] if f]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("Upload at most %(n)d files.") % {"n": MAX_FILES})
        return [check_upload(f, ALLOWED_SUFFIXES) for f in files]


class SynonymForm(forms.Form):
    """A synonym of one table: its text in the file and what it means (the values offered are the table's)."""

    table = forms.ChoiceField(label=_("Table"), choices=table_choices)
    text = forms.CharField(label=_("Text in the national file"), max_length=100)
    value = forms.ChoiceField(label=_("Means"))

    def __init__(self, *args: Any, table: str = services.HEADER, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chosen = self.data.get("table", table) if self.is_bound else table
        if chosen not in services.synonym_tables():
            chosen = services.HEADER
        self.table = chosen
        self.fields["table"].initial = chosen
        self.fields["table"].widget = forms.HiddenInput()
        self.fields["value"].choices = [("", "—"), *value_choices(chosen)]


class ResolveForm(forms.Form):
    note = forms.CharField(label=_("What was done"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
