"""Django's blank choice of a select is a msgid of the site's catalogue, so Chinese pages say 请选择
rather than Django's "- Select an option -", which its own catalogue does not translate."""

from __future__ import annotations

from django.db.models.utils import get_blank_choice_label
from django.utils import translation

from shouwang.monitoring.models import Rule


def test_the_blank_choice_is_translated():
    assert str(get_blank_choice_label()) == "(choose)"
    with translation.override("zh-hans"):
        assert str(get_blank_choice_label()) == "请选择"
        blank = Rule._meta.get_field("risk_type").formfield().choices[0]
        assert str(blank[1]) == "请选择"
