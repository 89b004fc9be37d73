"""Who may do what, and where: one table of declared actions, ``can`` and ``restrict``.

Each feature declares its actions in its own ``permissions.py`` with :func:`declare`: the action's
name (``"cases.complete_step"``), the roles allowed, the region levels those users must work at,
how an object's region must relate to the user's, and, where the rule needs more than that, a
condition over the user and the object. Nothing else in the code decides access:

* :func:`can` answers every question ("may this user do this, to this object?");
* :func:`restrict` is the only region filter on querysets: a user sees the rows whose region code
  starts with their region's code, for the actions their role allows; anything else is an empty
  queryset (so lists, counts and exports agree, and a detail lookup answers 404).

Core knows users only by what every user has (``is_active``, ``role``, ``scope_prefix``), so it
imports no other part; the roles themselves are declared by ``accounts``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import QuerySet
from rest_framework.permissions import BasePermission

from .regioncodes import level_of

Condition = Callable[[Any, Any], bool]
_Q = TypeVar("_Q", bound=QuerySet)


class Scope(StrEnum):
    """How the region of the object acted on must relate to the user's region."""

    WITHIN = "within"  # the object lies in the user's region (the usual case)
    ON_PATH = "on_path"  # inside the user's region or above it (a county's line seen from a township)
    OWN = "own"  # the user's own region itself (a township answering a task sent to it)


@dataclass(frozen=True)
class Permission:
    """One declared action: who may do it, at which levels, on which objects."""

    name: str
    label: Any  # a lazily translated description, shown in the permission table
    roles: frozenset[str]
    levels: frozenset[str] = field(default_factory=frozenset)  # empty: any level
    scope: Scope = Scope.WITHIN
    condition: Condition | None = None
    # With ``condition``, the sentence that says what it adds (for the table in the README).
    condition_label: Any = ""

    @property
    def app(self) -> str:
        return self.name.split(".", 1)[0]


_TABLE: dict[str, Permission] = {}


def declare(
    name: str, *, label: Any, roles: Iterable[str], levels: Iterable[str] = (), scope: Scope = Scope.WITHIN,
    condition: Condition | None = None, condition_label: Any = "",
) -> Permission:
    """Declare an action once; a second declaration of the same name is a programming error."""
    if name in _TABLE:
        raise ImproperlyConfigured(f"The action {name!r} is declared twice.")
    permission = Permission(
        name=name, label=label, roles=frozenset(str(r) for r in roles), levels=frozenset(str(lv) for lv in levels),
        scope=scope, condition=condition, condition_label=condition_label,
    )
    _TABLE[name] = permission
    return permission


def permission(name: str) -> Permission:
    """The declaration of ``name``; asking about an undeclared action is a programming error."""
    try:
        return _TABLE[name]
    except KeyError:
        raise ImproperlyConfigured(f"The action {name!r} is not declared in any permissions.py.") from None


def autodiscover() -> None:
    """Import every ``permissions`` module of the project's apps and their feature packages.

    Called once from ``CoreConfig.ready``; the import is by name, so core depends on no part.
    """
    import importlib.util
    import pkgutil

    from django.apps import apps

    for config in apps.get_app_configs():
        if not config.name.startswith("shouwang."):
            continue
        names = [f"{config.name}.permissions"]
        names += [
            f"{config.name}.{info.name}.permissions"
            for info in pkgutil.iter_modules([config.path]) if info.ispkg
        ]
        for name in names:
            if importlib.util.find_spec(name) is not None:
                importlib.import_module(name)


def table() -> list[Permission]:
    """Every declared action, ordered by name (the README's role × action table)."""
    return [_TABLE[name] for name in sorted(_TABLE)]


def region_of(obj: Any) -> str | None:
    """The region code an object is keyed by: a code itself, a region, or a region-keyed row."""
    if obj is None:
        return None
    if isinstance(obj, str):
        return obj
    field_name = getattr(type(obj), "region_field", None)
    if field_name and "__" not in field_name:
        return getattr(obj, field_name, None)
    for attribute in ("region_code", "code"):
        value = getattr(obj, attribute, None)
        if isinstance(value, str):
            return value
    return None


def _active(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False)) and bool(
        getattr(user, "is_active", False))


def _in_region(prefix: str, code: str | None, scope: Scope) -> bool:
    if not code:
        return False
    if scope == Scope.OWN:
        return code == prefix
    if scope == Scope.ON_PATH:
        return code.startswith(prefix) or prefix.startswith(code)
    return code.startswith(prefix)


def home_region(user: Any) -> str | None:
    """The code of the region a user works in (the root of everything they may see), or None.

    Pages use it for defaults (the dashboard of one's own region, the villages a picker offers);
    whether the user may do anything there is still asked of :func:`can`.
    """
    return getattr(user, "scope_prefix", None) or None if _active(user) else None


def can(user: Any, action: str, obj: Any = None) -> bool:
    """Whether ``user`` may do ``action`` (to ``obj``: a region-keyed row, a region or a code)."""
    rule = permission(action)
    if not _active(user) or str(getattr(user, "role", "")) not in rule.roles:
        return False
    prefix = getattr(user, "scope_prefix", None)
    if not prefix:
        return False
    if rule.levels and level_of(prefix) not in rule.levels:
        return False
    if obj is not None and not _in_region(prefix, region_of(obj), rule.scope):
        return False
    return rule.condition is None or bool(rule.condition(user, obj))


def require(user: Any, action: str, obj: Any = None, message: Any = None) -> None:
    """Raise ``PermissionDenied`` (with ``message``, if given) unless :func:`can` says yes."""
    if not can(user, action, obj):
        raise PermissionDenied(message) if message is not None else PermissionDenied


def restrict(user: Any, queryset: _Q, action: str = "view") -> _Q:
    """The rows of ``queryset`` inside the user's region, if the user may ``action`` at all."""
    if not can(user, action):
        return queryset.none()
    field_name = getattr(queryset.model, "region_field", "region_code")
    return queryset.filter(**{f"{field_name}__startswith": user.scope_prefix})


def requires(action: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a page view with the action it needs and refuse users who may not do it at all.

    The object-level question (is this case in the user's region?) is answered by the view's
    queryset, which comes from :func:`restrict`; the mark lets the URL × role test find the
    action each page declares.
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        from functools import wraps

        @wraps(view)
        def wrapped(request, *args: Any, **kwargs: Any):
            require(request.user, action)
            return view(request, *args, **kwargs)

        wrapped.required_action = action  # type: ignore[attr-defined]
        return wrapped

    return decorate


def required_action(view: Any) -> str | None:
    """The action an API view declares for the request's method: ``required_actions[view.action]``
    (viewsets), else ``required_action``."""
    actions = getattr(view, "required_actions", None) or {}
    return actions.get(getattr(view, "action", None)) or getattr(view, "required_action", None)


class DeclaredAction(BasePermission):
    """DRF permission: the user must be allowed the action the view declares; a view that
    declares none is refused (nothing is open by forgetting)."""

    def has_permission(self, request, view) -> bool:
        action = required_action(view)
        return action is not None and can(request.user, action)

    def has_object_permission(self, request, view, obj) -> bool:
        action = required_action(view)
        return action is not None and can(request.user, action, obj)
