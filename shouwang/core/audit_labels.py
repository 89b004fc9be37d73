"""What the audit logs hold, in the page's language: the model an entry is about, its fields,
their values (a choice's label), and where the entry came from.

An entry names its object as "app.model" (or a model's name, or a type registered with
``audit.register_object_type``) and keeps before/after as field → value: the auditor's pages, and
any page that shows a record's history, show them with the models' verbose names instead.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext, gettext_noop

from .audit import registered_object_type, registered_values
from .models import AccessLog, ChangeLog


@cache  # the model registry is fixed once Django has started
def _model(object_type: str):
    """The model an entry's ``object_type`` names ("app.model", or a model's name such as
    "self_report" for selfreport), or None."""
    if "." in object_type:
        try:
            return apps.get_model(object_type)
        except (LookupError, ValueError):
            return None
    name = object_type.replace("_", "").lower()
    if not name:
        return None
    models = apps.get_models()
    exact = [m for m in models if m._meta.model_name == name]
    ending = [m for m in models if (m._meta.model_name or "").endswith(name)]  # quality_finding: dataqualityfinding
    return exact[0] if exact else (ending[0] if len(ending) == 1 else None)


def object_label(object_type: str) -> str:
    """What an entry is about in the page's language (监测预警 rather than monitoring.warning)."""
    registered = registered_object_type(object_type)
    if registered is not None and registered[0] is not None:
        return str(registered[0])
    model = _model(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


def _field(model, name: str):
    if model is None:
        return None
    for candidate in (name, name.removesuffix("_id")):
        try:
            return model._meta.get_field(candidate)
        except FieldDoesNotExist:
            continue
    return None


def field_label(model, name: str, object_type: str = "") -> str:
    registered = registered_object_type(object_type) if object_type else None
    if registered is not None and name in registered[1]:
        return str(registered[1][name])
    field = _field(model, name) or _any_field(name)
    label = getattr(field, "verbose_name", None)
    if label is None and getattr(field, "related_model", None) is not None:  # a reverse relation: its rows
        label = field.related_model._meta.verbose_name_plural
    # A key that is not a field (a service's summary) may still be a msgid of the catalogue.
    return str(label) if label else gettext(name.replace("_", " "))


@cache
def _any_field(name: str):
    """A field of that name on any of the project's models (an access entry about a household
    names its members' fields)."""
    for model in apps.get_models():
        if model._meta.app_label in PROJECT_APPS:
            try:
                return model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
    return None


PROJECT_APPS = ("registry", "monitoring", "cases", "supervision", "accounts", "regions", "core")


def value_label(model, name: str, value: Any, object_type: str = "") -> Any:
    """A stored value as the page shows it: a choice's label, yes or no, the value itself otherwise."""
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    words = registered_values(object_type, name) if object_type else {}
    if isinstance(value, str | int) and value in words:
        return str(words[value])
    field = _field(model, name) or _any_field(name)
    choices = dict(getattr(field, "flatchoices", None) or ())
    if isinstance(value, str | int) and value in choices:
        return str(choices[value])
    if isinstance(value, list) and field is not None and choices:
        return gettext(", ").join(str(choices.get(v, v)) for v in value)
    return value


# What features pass as the source of their changes when no request, job or command says who acts
# (``audit.acting_unless_known``): app labels name themselves; the others are words of the catalogue.
SOURCE_WORDS = (gettext_noop("dispatch"), gettext_noop("spot check"))


def source_label(source: str) -> tuple[str, str]:
    """Where an entry came from, in words, and the command or job it names (a code, shown as one):
    the system, a part, a background job, a command; a request as it is."""
    if source == "system":
        return gettext("system"), ""
    if source in SOURCE_WORDS:
        return gettext(source), ""
    kind, _space, rest = source.partition(" ")
    if kind == "job" and rest:
        return gettext("background job"), rest[:8]
    if kind in ("command", "manage.py") and rest:
        return gettext("command"), rest
    if source.isidentifier():
        try:
            return str(apps.get_app_config(source).verbose_name), ""
        except LookupError:
            return source, ""
    return source, ""


def changed_fields(entry: ChangeLog) -> list[tuple[str, Any, Any, bool]]:
    """(field, before, after, technical) of what an entry changed, in words; all fields for a create
    or delete. ``technical``: a structure (parameters, a list of codes) shown as data, not prose."""
    before, after = entry.before or {}, entry.after or {}
    keys = list(dict.fromkeys([*before, *after]))
    if entry.action == ChangeLog.Action.UPDATE:
        keys = [k for k in keys if before.get(k) != after.get(k)]
    model = _model(entry.object_type)
    rows = []
    for k in keys:
        old = value_label(model, k, before.get(k), entry.object_type)
        new = value_label(model, k, after.get(k), entry.object_type)
        rows.append((field_label(model, k, entry.object_type), old, new, isinstance(old, dict | list)
                     or isinstance(new, dict | list)))
    return rows


def access_field_labels(entry: AccessLog) -> str:
    """An access entry's comma-separated field names, in words."""
    model = _model(entry.object_type)
    names = [name.strip() for name in (entry.fields or "").split(",") if name.strip()]
    return gettext(", ").join(field_label(model, name) for name in names)
