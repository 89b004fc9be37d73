"""A rule's condition in words, and the simple conditions the rule form builds.

People who verify warnings read a condition as a sentence with the facts' names
("家庭人均纯收入低于监测收入基准线"), not as the expression the compiler reads
(``per_capita_income < line``); the expression stays the rule's one definition and the words are
derived from it. Parameters are shown as their values.

The form's simple conditions (a fact, a comparison, a value) are composed into an expression of
the same language here, so the compiler validates them like any other.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .facts import FACTS, FLAG, NUMBER, TEXT

# The short name of each fact, as a condition names it; for a flag, the statement it stands for
# and that statement negated.
LABELS: dict[str, Promise] = {
    "per_capita_income": gettext_lazy("per-capita net income"),
    "net_income": gettext_lazy("household net income"),
    "line": gettext_lazy("the monitoring line"),
    "prev_per_capita_income": gettext_lazy("per-capita net income of the previous year"),
    "income_change": gettext_lazy("change of per-capita net income against the previous year"),
    "compliant_out_of_pocket": gettext_lazy("compliant out-of-pocket spending"),
    "adjusted_per_capita_income": gettext_lazy("per-capita income after compliant out-of-pocket spending"),
    "members": gettext_lazy("household members"),
    "labour_members": gettext_lazy("members with labour capacity"),
    "housing_grade": gettext_lazy("housing safety grade"),
    "water_secured": gettext_lazy("drinking water is secured"),
    "dropout": gettext_lazy("a child has dropped out of compulsory education"),
    "uninsured_member": gettext_lazy("a member has no basic medical insurance"),
    "ex_poor": gettext_lazy("the household is an ex-poor household"),
    "no_labour": gettext_lazy("the whole household has no labour capacity"),
    "safety_net": gettext_lazy("a member receives the minimum living allowance or extreme-poverty support"),
    "medical_out_of_pocket_12m": gettext_lazy("out-of-pocket medical spending in the last 12 months"),
    "new_dibao_tekun": gettext_lazy("civil affairs reported a new minimum living allowance or extreme-poverty support"),
    "new_severe_disability": gettext_lazy("a new severe disability was reported"),
    "disaster_loss": gettext_lazy("a disaster loss was reported"),
    "disaster_loss_amount": gettext_lazy("disaster losses reported in the last 12 months"),
    "unemployment": gettext_lazy("unemployment was reported"),
    "temporary_assistance": gettext_lazy("temporary assistance was reported"),
    "dropout_reported": gettext_lazy("the education bureau reported a school dropout"),
    "dangerous_housing_reported": gettext_lazy("the housing bureau appraised the house as grade C or D"),
    "water_problem_reported": gettext_lazy("the water bureau reported a drinking-water problem"),
}
NEGATED: dict[str, Promise] = {
    "water_secured": gettext_lazy("drinking water is not secured"),
    "ex_poor": gettext_lazy("the household is not an ex-poor household"),
    "no_labour": gettext_lazy("the household has labour capacity"),
    "safety_net": gettext_lazy("no member receives the minimum living allowance or extreme-poverty support"),
    "uninsured_member": gettext_lazy("every member has basic medical insurance"),
    "dropout": gettext_lazy("no child has dropped out of compulsory education"),
}
MONEY = {"per_capita_income", "net_income", "line", "prev_per_capita_income", "compliant_out_of_pocket",
         "adjusted_per_capita_income", "medical_out_of_pocket_12m", "disaster_loss_amount"}
FRACTION = {"income_change"}  # shown as a percentage

# The comparisons the simple form offers, with how a condition says them.
COMPARISONS: dict[str, Promise] = {
    "<": gettext_lazy("is below"),
    "<=": gettext_lazy("is at most"),
    ">": gettext_lazy("is above"),
    ">=": gettext_lazy("is at least"),
    "==": gettext_lazy("equals"),
    "!=": gettext_lazy("does not equal"),
    "in": gettext_lazy("is one of"),
    "not in": gettext_lazy("is none of"),
    "true": gettext_lazy("holds"),
    "false": gettext_lazy("does not hold"),
}
_OPS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.In: "in",
        ast.NotIn: "not in"}
_ARITHMETIC = {ast.Add: "+", ast.Sub: "−", ast.Mult: "×", ast.Div: "÷"}


def fact_label(name: str, facts: Mapping | None = None) -> str:
    """A fact's short name in the active language (the name itself for an unknown fact).

    ``facts``: a registry beyond screening's whose facts carry their own ``label``.
    """
    label = LABELS.get(name)
    if label is None and facts is not None and name in facts:
        label = facts[name].label
    return str(label) if label is not None else name


def _comparison(op: str, left: str, right: str) -> str:
    templates = {
        "<": _("%(left)s is below %(right)s"),
        "<=": _("%(left)s is at most %(right)s"),
        ">": _("%(left)s is above %(right)s"),
        ">=": _("%(left)s is at least %(right)s"),
        "==": _("%(left)s is %(right)s"),
        "!=": _("%(left)s is not %(right)s"),
        "in": _("%(left)s is one of %(right)s"),
        "not in": _("%(left)s is none of %(right)s"),
    }
    return templates[op] % {"left": left, "right": right}


def _number(value: Decimal, unit: str = "") -> str:
    """A constant as people write it: 7,500 元, 1.5, -30%."""
    if unit == "%":
        return f"{(value * 100).normalize():f}%"
    text = f"{value.normalize():,f}"
    return _("%(amount)s yuan") % {"amount": text} if unit == "yuan" else text


class _Words:
    """Walks the same syntax the compiler accepts; anything else makes the caller fall back."""

    def __init__(self, parameters: Mapping, facts: Mapping | None = None):
        self.facts = FACTS if facts is None else facts
        self.parameters = {}
        for name, value in (parameters or {}).items():
            try:
                self.parameters[name] = Decimal(str(value))
            except (InvalidOperation, ValueError):
                continue

    def condition(self, node: ast.AST, parent: type | None = None) -> str:
        if isinstance(node, ast.BoolOp):
            joiner = _(" and ") if isinstance(node.op, ast.And) else _(" or ")
            text = joiner.join(self.condition(v, type(node.op)) for v in node.values)
            return _("(%(condition)s)") % {"condition": text} if parent is not None and parent is not type(node.op) \
                else text
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            operand = node.operand
            if isinstance(operand, ast.Name) and operand.id in NEGATED:
                return str(NEGATED[operand.id])
            if isinstance(operand, ast.Name) and getattr(self.facts.get(operand.id), "negated", None):
                return str(self.facts[operand.id].negated)
            return _("not (%(condition)s)") % {"condition": self.condition(operand)}
        if isinstance(node, ast.Compare):
            parts = []
            left = node.left
            for op, right in zip(node.ops, node.comparators, strict=True):
                name = _OPS[type(op)]
                unit = self.unit(left) or self.unit(right)
                parts.append(_comparison(name, self.value(left, unit), self.value(right, unit)))
                left = right
            text = _(" and ").join(parts)
            return _("(%(condition)s)") % {"condition": text} if len(parts) > 1 and parent is ast.Or else text
        if isinstance(node, ast.Name):
            fact = self.facts.get(node.id)
            if fact is None or fact.type != FLAG:
                raise ValueError(node.id)
            return fact_label(node.id, self.facts)
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            return _("always") if node.value else _("never")
        raise ValueError(type(node).__name__)

    def unit(self, node: ast.AST) -> str:
        """yuan or % when the side names a money fact or a change, for the constants beside it."""
        for name in ast.walk(node):
            if isinstance(name, ast.Name):
                if name.id in FRACTION:
                    return "%"
                if name.id in MONEY:
                    return "yuan"
                if getattr(self.facts.get(name.id), "unit", ""):
                    return self.facts[name.id].unit
        return ""

    def constant(self, node: ast.AST) -> Decimal | None:
        """The number a constant side stands for (parameters replaced by their values), else None."""
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
            return Decimal(str(node.value))
        if isinstance(node, ast.Name) and node.id in self.parameters:
            return self.parameters[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            inner = self.constant(node.operand)
            return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
        return None

    def value(self, node: ast.AST, unit: str = "") -> str:
        number = self.constant(node)
        if number is not None:
            return _number(number, unit)
        if isinstance(node, ast.Name):
            if node.id not in self.facts:
                raise ValueError(node.id)
            return fact_label(node.id, self.facts)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value if node.value else _("(empty)")
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            return _(", ").join(self.value(e, unit) for e in node.elts)
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
            # A factor of a money fact is a plain number: "1.5 × the monitoring line".
            inner = "" if isinstance(node.op, ast.Mult | ast.Div) else unit
            left, right = self.value(node.left, inner), self.value(node.right, inner)
            text = f"{left} {_ARITHMETIC[type(node.op)]} {right}"
            return f"({text})" if isinstance(node.op, ast.Add | ast.Sub) else text
        raise ValueError(type(node).__name__)


def describe_condition(expression: str, parameters: Mapping | None = None, *, facts: Mapping | None = None) -> str:
    """The condition in words in the active language; the expression itself if it cannot be read.

    ``facts``: the registry the expression is written against (screening's ``FACTS`` by default).
    """
    try:
        tree = ast.parse((expression or "").strip(), mode="eval")
        return _Words(parameters or {}, facts).condition(tree.body)
    except (SyntaxError, ValueError, KeyError, RecursionError, InvalidOperation):
        return expression


# --- the simple conditions of the rule form ------------------------------------------------------


def simple_comparisons(fact_type: str) -> list[str]:
    """The comparisons the form offers for a fact of this type."""
    if fact_type == FLAG:
        return ["true", "false"]
    if fact_type == TEXT:
        return ["==", "!=", "in", "not in"]
    return ["<", "<=", ">", ">=", "==", "!="]


def compose_simple(fact: str, comparison: str, value: str = "", other: str = "") -> str:
    """The expression for "fact comparison value": ``per_capita_income < 1.5 * line``.

    ``value`` is a number (or text, comma-separated for in / not in); with ``other`` (a fact of
    the same type) it is the factor of that fact, 1 when empty. Raises ``ValueError`` with a
    message for the form; the compiler checks the result like any expression.
    """
    spec = FACTS.get(fact)
    if spec is None:
        raise ValueError(_("Choose a fact."))
    if comparison not in simple_comparisons(spec.type):
        raise ValueError(_("This comparison does not apply to this fact."))
    if spec.type == FLAG:
        return fact if comparison == "true" else f"not {fact}"
    value = (value or "").strip()
    if spec.type == TEXT:
        items = [v.strip().strip("\"'") for v in value.split(",")] if comparison in ("in", "not in") else [value]
        literals = [repr(v) if '"' in v else f'"{v}"' for v in items]
        if comparison in ("in", "not in"):
            return f"{fact} {comparison} ({', '.join(literals)}{',' if len(literals) == 1 else ''})"
        return f"{fact} {comparison} {literals[0]}"
    if other:
        other_spec = FACTS.get(other)
        if other_spec is None or other_spec.type != NUMBER:
            raise ValueError(_("A number can only be compared with another number."))
    number = None
    if value:
        try:
            number = Decimal(value.replace(",", "").replace("，", ""))
        except InvalidOperation:
            raise ValueError(_("“%(value)s” is not a number.") % {"value": value}) from None
        if not number.is_finite():
            raise ValueError(_("“%(value)s” is not a number.") % {"value": value})
    if other:
        right = other if number is None or number == 1 else f"{number:f} * {other}"
    elif number is None:
        raise ValueError(_("Give a value to compare with."))
    else:
        right = f"{number:f}"
    return f"{fact} {comparison} {right}"


def parse_simple(expression: str) -> dict[str, str] | None:
    """The form's fields for an expression ``compose_simple`` could have written, else None."""
    try:
        node = ast.parse((expression or "").strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return None
    if isinstance(node, ast.Name) and node.id in FACTS and FACTS[node.id].type == FLAG:
        return {"fact": node.id, "comparison": "true", "value": "", "other": ""}
    if (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and isinstance(node.operand, ast.Name)
            and node.operand.id in FACTS and FACTS[node.operand.id].type == FLAG):
        return {"fact": node.operand.id, "comparison": "false", "value": "", "other": ""}
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.left, ast.Name)
            and node.left.id in FACTS):
        return None
    fact, op, right = node.left.id, _OPS[type(node.ops[0])], node.comparators[0]
    if op not in simple_comparisons(FACTS[fact].type):
        return None
    fields = {"fact": fact, "comparison": op, "value": "", "other": ""}
    if isinstance(right, ast.Constant) and not isinstance(right.value, bool) \
            and isinstance(right.value, int | float | str):
        fields["value"] = str(right.value)
    elif isinstance(right, ast.UnaryOp) and isinstance(right.op, ast.USub) and isinstance(right.operand, ast.Constant) \
            and isinstance(right.operand.value, int | float) and not isinstance(right.operand.value, bool):
        fields["value"] = str(-right.operand.value)
    elif isinstance(right, ast.Name) and right.id in FACTS and FACTS[right.id].type == NUMBER:
        fields["other"] = right.id
    elif (isinstance(right, ast.BinOp) and isinstance(right.op, ast.Mult) and isinstance(right.left, ast.Constant)
          and isinstance(right.left.value, int | float) and isinstance(right.right, ast.Name)
          and right.right.id in FACTS and FACTS[right.right.id].type == NUMBER):
        fields["value"], fields["other"] = str(right.left.value), right.right.id
    elif isinstance(right, ast.Tuple | ast.List | ast.Set) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in right.elts):
        fields["value"] = ", ".join(e.value for e in right.elts)
    else:
        return None
    if compose_simple(**fields).replace(" ", "") != expression.strip().replace(" ", "").replace("'", '"'):
        return None  # something the form would write differently (kept as an expression)
    return fields
