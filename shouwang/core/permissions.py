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
from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Q, QuerySet
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .regioncodes import level_of

Condition = Callable[[Any, Any], bool]


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
    # What a refused user is told (a lazily translated sentence); "" for the generic refusal.
    refusal: Any = ""

    @property
    def app(self) -> str:
        return self.name.split(".", 1)[0]


_TABLE: dict[str, Permission] = {}


def declare(
    name: str, *, label: Any, roles: Iterable[str], levels: Iterable[str] = (), scope: Scope = Scope.WITHIN,
    condition: Condition | None = None, condition_label: Any = "", refusal: Any = "",
) -> Permission:
    """Declare an action once; a second declaration of the same name is a programming error."""
    if name in _TABLE:
        raise ImproperlyConfigured(f"The action {name!r} is declared twice.")
    permission = Permission(
        name=name, label=label, roles=frozenset(str(r) for r in roles), levels=frozenset(str(lv) for lv in levels),
        scope=scope, condition=condition, condition_label=condition_label, refusal=refusal,
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
    if code is None:
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
    """Raise ``PermissionDenied`` unless :func:`can` says yes, with ``message`` or else the
    action's declared ``refusal``."""
    if not can(user, action, obj):
        message = message if message is not None else (permission(action).refusal or None)
        raise PermissionDenied(message) if message is not None else PermissionDenied


def restrict[QS: QuerySet](user: Any, queryset: QS, action: str = "view") -> QS:
    """The rows of ``queryset`` the user may ``action``, by the action's scope: inside the user's
    region (``WITHIN``), also above it (``ON_PATH``), or the user's region itself (``OWN``)."""
    if not can(user, action):
        return queryset.none()
    field_name = getattr(queryset.model, "region_field", "region_code")
    prefix = user.scope_prefix
    scope = permission(action).scope
    if scope == Scope.OWN:
        return queryset.filter(**{field_name: prefix})
    inside = Q(**{f"{field_name}__startswith": prefix})
    if scope == Scope.ON_PATH:
        # The regions above the user's too: every shorter prefix, "" (everywhere) included.
        return queryset.filter(inside | Q(**{f"{field_name}__in": [prefix[:n] for n in range(len(prefix))]}))
    return queryset.filter(inside)


def requires(
    action: str, *, answers_by_scope: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a page view with the action it needs and refuse users who may not do it at all.

    The object-level question (is this case in the user's region?) is answered by the view's
    queryset, which comes from :func:`restrict`; the mark lets the URL × role test find the
    action each page declares.

    ``answers_by_scope=True`` refuses nobody up front: the page's rows all come from
    ``restrict(user, queryset, action)``, so a user who may not do the action sees what a user
    of a region without rows sees, an empty list or a 404 (the household list of a department
    officer). The mark (``view.answers_by_scope``) tells the URL × role test to expect that.
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        from functools import wraps

        @wraps(view)
        def wrapped(request, *args: Any, **kwargs: Any):
            if not answers_by_scope:
                require(request.user, action)
            return view(request, *args, **kwargs)

        wrapped.required_action = action  # type: ignore[attr-defined]
        wrapped.answers_by_scope = answers_by_scope  # type: ignore[attr-defined]
        return wrapped

    return decorate


def required_action(view: Any) -> str | None:
    """The action an API view declares for the request's method: ``required_actions[view.action]``
    (viewsets), else ``required_action``."""
    actions = getattr(view, "required_actions", None) or {}
    return actions.get(getattr(view, "action", None)) or getattr(view, "required_action", None)


class DeclaredAction(BasePermission):
    """DRF permission: the user must be allowed the action the view declares; a view that
    declares none is refused (nothing is open by forgetting). A refusal carries the action's
    declared ``refusal`` sentence, where it has one.

    A view with ``answers_by_scope = True`` answers reads and lookups the way :func:`restrict`
    does instead of with 403: a user who may not do the action reads an empty list, and a GET
    or POST on one object finds it (or answers 404) before the action is asked of that object.
    Only a write to the collection (a create) is refused up front.
    """

    def _refuse(self, action: str | None) -> bool:
        refusal = permission(action).refusal if action is not None else ""
        if refusal:
            self.message = str(refusal)
        return False

    def has_permission(self, request, view) -> bool:
        action = required_action(view)
        if action is None:
            return False
        if can(request.user, action):
            return True
        if getattr(view, "answers_by_scope", False) and (
            request.method in SAFE_METHODS or bool(getattr(view, "detail", False))
        ):
            return True
        return self._refuse(action)

    def has_object_permission(self, request, view, obj) -> bool:
        action = required_action(view)
        if action is not None and can(request.user, action, obj):
            return True
        return self._refuse(action)
