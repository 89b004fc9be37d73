"""The screening-rule expression language: parsed, checked against a whitelist, compiled to SQL.

A rule is one boolean expression in a small subset of Python syntax::

    per_capita_income < line
    income_change <= -drop and per_capita_income < ratio * line
    housing_grade in ("C", "D")
    (no_labour or labour_members == 0) and not safety_net

Allowed: ``and``, ``or``, ``not``; comparisons ``< <= > >= == !=`` (chains too) and ``in`` /
``not in`` against a list of constants; ``+ - * /`` and unary minus on numbers; number,
string and ``True``/``False`` constants; and names, each either a fact (``facts.FACTS``) or a
parameter of the rule. Nothing else: no calls, attributes, subscripts, lambdas or
comprehensions. The text is parsed with ``ast`` and walked node by node; it is never
executed, and no SQL is ever built from it: it becomes Django ORM lookups over the facts,
so values reach the database only as bound parameters.
"""

from __future__ import annotations

import ast
import difflib
import keyword
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce

from django.db import models
from django.db.models import F, Q, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, In, LessThan, LessThanOrEqual
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .facts import FACTS, FLAG, NUMBER, TEXT, divide, fact_alias, money_field

MAX_EXPRESSION_LENGTH = 2000

_TYPE_NAMES = {NUMBER: gettext_lazy("a number"), FLAG: gettext_lazy("true or false"), TEXT: gettext_lazy("text")}

_NOT_ALLOWED = {
    ast.Call: gettext_lazy("Function calls are not allowed."),
    ast.Attribute: gettext_lazy("Attribute access (a dot after a name) is not allowed."),
    ast.Subscript: gettext_lazy("Subscripts (square brackets after a name) are not allowed."),
    ast.Lambda: gettext_lazy("Lambda expressions are not allowed."),
    ast.ListComp: gettext_lazy("Comprehensions are not allowed."),
    ast.SetComp: gettext_lazy("Comprehensions are not allowed."),
    ast.DictComp: gettext_lazy("Comprehensions are not allowed."),
    ast.GeneratorExp: gettext_lazy("Comprehensions are not allowed."),
    ast.IfExp: gettext_lazy("Conditional expressions (x if c else y) are not allowed; use and / or."),
    ast.NamedExpr: gettext_lazy("Assignment expressions (:=) are not allowed."),
    ast.JoinedStr: gettext_lazy("f-strings are not allowed."),
    ast.Dict: gettext_lazy("Dictionaries are not allowed."),
    ast.Starred: gettext_lazy("Starred expressions are not allowed."),
}

_OPERATOR_SYMBOLS = {
    ast.Pow: "**", ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.Invert: "~", ast.Is: "is", ast.IsNot: "is not",
}
_ARITHMETIC = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_ORDER = {ast.Lt: LessThan, ast.LtE: LessThanOrEqual, ast.Gt: GreaterThan, ast.GtE: GreaterThanOrEqual}

_TOO_DEEP = gettext_lazy("The expression cannot be read (too deeply nested or contains a null character).")

ALWAYS = Q(pk__isnull=False)
NEVER = Q(pk__isnull=True)


class RuleError(ValueError):
    """An expression or parameter the language refuses, with where (0-based character offset)."""

    def __init__(self, message: str, offset: int | None = None, expression: str = ""):
        self.message = message
        self.offset = offset
        self.line, self.column = _line_column(expression, offset) if offset is not None else (None, None)
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.offset is None:
            return self.message
        if self.line and self.line > 1:
            return _("Line %(line)d, column %(column)d: %(message)s") % {
                "line": self.line, "column": self.column, "message": self.message,
            }
        return _("Column %(column)d: %(message)s") % {"column": self.column, "message": self.message}


def _line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


@dataclass(frozen=True)
class CompiledRule:
    """A checked expression as a Django condition over ``fact_<name>`` annotations."""

    condition: Q
    facts: tuple[str, ...]
    parameters: dict[str, Decimal] = field(default_factory=dict)

    @property
    def uses_line(self) -> bool:
        return "line" in self.facts


@dataclass(frozen=True)
class _Typed:
    type: str
    value: object  # an Expression (number, text) or a Q (flag)
    constant: object = None  # the Python value, for constants


def check_parameters(parameters: Mapping, facts: Mapping | None = None) -> dict[str, Decimal]:
    """Parameter names are identifiers that are not facts; values are finite numbers.

    ``facts`` is the registry the rule is written against (``FACTS``, screening's, by default).
    """
    facts = FACTS if facts is None else facts
    if not isinstance(parameters, Mapping):
        raise RuleError(_("Parameters must be a mapping of names to numbers."))
    checked: dict[str, Decimal] = {}
    for name, value in parameters.items():
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
            raise RuleError(_("“%(name)s” is not a valid parameter name (letters, digits and _).") % {"name": name})
        if name in facts:
            raise RuleError(_("The parameter “%(name)s” has the name of a fact; choose another name.") % {"name": name})
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
            raise RuleError(_("The parameter “%(name)s” must be a number.") % {"name": name})
        try:
            number = Decimal(str(value).strip())
        except ArithmeticError:
            raise RuleError(_("The parameter “%(name)s” must be a number.") % {"name": name}) from None
        if not number.is_finite():
            raise RuleError(_("The parameter “%(name)s” must be a finite number.") % {"name": name})
        checked[name] = number
    return checked


def parse(expression: str) -> tuple[ast.Expression, int]:
    """Parse without executing; returns the tree and how many leading characters were skipped."""
    if not isinstance(expression, str) or not expression.strip():
        raise RuleError(_("The expression is empty."))
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise RuleError(_("The expression is longer than %(n)d characters.") % {"n": MAX_EXPRESSION_LENGTH})
    stripped = expression.lstrip()
    skipped = len(expression) - len(stripped)
    try:
        return ast.parse(stripped, mode="eval"), skipped
    except SyntaxError as exc:
        if exc.lineno and exc.offset:
            offset = skipped + _offset_in(stripped, exc.lineno, exc.offset - 1, chars=True)
        else:  # the text ended too early
            offset = len(expression.rstrip())
        raise RuleError(_("Syntax error: %(error)s.") % {"error": exc.msg}, offset, expression) from None
    except (ValueError, RecursionError, MemoryError):
        raise RuleError(str(_TOO_DEEP)) from None


def _offset_in(text: str, lineno: int, col: int, chars: bool = False) -> int:
    """Character offset of (line, column); ``ast`` columns count UTF-8 bytes unless ``chars``."""
    lines = text.split("\n")
    line = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
    column = col if chars else len(line.encode()[:col].decode(errors="ignore"))
    return sum(len(x) + 1 for x in lines[: lineno - 1]) + column


class _Compiler:
    def __init__(self, expression: str, parameters: dict[str, Decimal], skipped: int, text: str,
                 registry: Mapping | None = None):
        self.registry = FACTS if registry is None else registry
        self.expression = expression
        self.parameters = parameters
        self.skipped = skipped
        self.text = text  # what ast saw (the expression without leading blanks)
        self.facts: list[str] = []

    def error(self, message, node: ast.AST) -> RuleError:
        offset = self.skipped + _offset_in(self.text, getattr(node, "lineno", 1), getattr(node, "col_offset", 0))
        return RuleError(str(message), offset, self.expression)

    def type_error(self, node: ast.AST, expected: str, got: _Typed) -> RuleError:
        return self.error(
            _("Expected %(expected)s here, found %(found)s.") % {
                "expected": _TYPE_NAMES[expected], "found": _TYPE_NAMES[got.type],
            },
            node,
        )

    # The walk: every node type handled explicitly; anything else is refused.
    def visit(self, node: ast.AST) -> _Typed:
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            message = _NOT_ALLOWED.get(type(node)) or _("“%(what)s” is not allowed in a rule.") % {
                "what": type(node).__name__,
            }
            raise self.error(message, node)
        return method(node)

    def expect(self, node: ast.AST, expected: str) -> _Typed:
        typed = self.visit(node)
        if typed.type != expected:
            raise self.type_error(node, expected, typed)
        return typed

    def visit_BoolOp(self, node: ast.BoolOp) -> _Typed:
        parts = [self.expect(v, FLAG).value for v in node.values]
        combine = (lambda a, b: a & b) if isinstance(node.op, ast.And) else (lambda a, b: a | b)
        return _Typed(FLAG, reduce(combine, parts))

    def visit_UnaryOp(self, node: ast.UnaryOp) -> _Typed:
        if isinstance(node.op, ast.Not):
            return _Typed(FLAG, ~self.expect(node.operand, FLAG).value)
        if isinstance(node.op, ast.USub | ast.UAdd):
            operand = self.expect(node.operand, NUMBER)
            if isinstance(node.op, ast.UAdd):
                return operand
            if operand.constant is not None:
                return self.number_constant(-operand.constant)
            return _Typed(NUMBER, CombinedExpression(Value(Decimal(0)), "-", operand.value, output_field=money_field()))
        raise self.error(_("The operator “%(op)s” is not allowed.") % {"op": _OPERATOR_SYMBOLS[type(node.op)]}, node)

    def visit_BinOp(self, node: ast.BinOp) -> _Typed:
        symbol = _ARITHMETIC.get(type(node.op))
        if symbol is None:
            raise self.error(
                _("The operator “%(op)s” is not allowed.") % {"op": _OPERATOR_SYMBOLS.get(type(node.op), "?")}, node,
            )
        left, right = self.visit(node.left), self.visit(node.right)
        for side, typed in ((node.left, left), (node.right, right)):
            if typed.type != NUMBER:
                raise self.error(
                    _("“%(op)s” works on numbers only; this is %(found)s.") % {
                        "op": symbol, "found": _TYPE_NAMES[typed.type],
                    },
                    side,
                )
        if symbol == "/":
            return _Typed(NUMBER, divide(left.value, right.value))
        return _Typed(NUMBER, CombinedExpression(left.value, symbol, right.value, output_field=money_field()))

    def visit_Compare(self, node: ast.Compare) -> _Typed:
        conditions: list[Q] = []
        left_node, left = node.left, self.visit(node.left)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                condition = self.membership(left_node, left, right_node)
                conditions.append(~condition if isinstance(op, ast.NotIn) else condition)
                left_node, left = right_node, None  # a list cannot be compared further
                continue
            if left is None:
                raise self.error(_("A list can only follow in / not in."), left_node)
            right = self.visit(right_node)
            conditions.append(self.compare(op, left_node, left, right_node, right))
            left_node, left = right_node, right
        return _Typed(FLAG, reduce(lambda a, b: a & b, conditions))

    def compare(self, op: ast.cmpop, left_node, left: _Typed, right_node, right: _Typed) -> Q:
        if type(op) in _ORDER:
            for side, typed in ((left_node, left), (right_node, right)):
                if typed.type != NUMBER:
                    raise self.type_error(side, NUMBER, typed)
            return Q(_ORDER[type(op)](left.value, right.value))
        if not isinstance(op, ast.Eq | ast.NotEq):
            symbol = _OPERATOR_SYMBOLS.get(type(op), type(op).__name__)
            raise self.error(_("The operator “%(op)s” is not allowed; use == or !=.") % {"op": symbol}, right_node)
        if left.type != right.type:
            raise self.type_error(right_node, left.type, right)
        if left.type == FLAG:
            a, b = left.value, right.value
            equal = (a & b) | (~a & ~b)
        else:
            equal = Q(Exact(left.value, right.value))
        return equal if isinstance(op, ast.Eq) else ~equal

    def membership(self, left_node, left: _Typed, right_node: ast.AST) -> Q:
        if not isinstance(right_node, ast.Tuple | ast.List | ast.Set):
            raise self.error(_("in / not in must be followed by a list of constants, e.g. (\"C\", \"D\")."), right_node)
        if left.type == FLAG:
            raise self.error(_("in / not in works on numbers and text, not on true or false."), left_node)
        if not right_node.elts:
            raise self.error(_("The list after in / not in is empty."), right_node)
        values = []
        for element in right_node.elts:
            if not isinstance(element, ast.Constant | ast.UnaryOp):
                raise self.error(_("A list after in / not in may hold constants only."), element)
            typed = self.visit(element)
            if typed.constant is None:
                raise self.error(_("A list after in / not in may hold constants only."), element)
            if typed.type != left.type:
                raise self.type_error(element, left.type, typed)
            values.append(typed.constant)
        return Q(In(left.value, values))

    def visit_Name(self, node: ast.Name) -> _Typed:
        name = node.id
        if name in self.registry:
            if name not in self.facts:
                self.facts.append(name)
            fact = self.registry[name]
            reference = F(fact_alias(name))
            if fact.type == FLAG:
                return _Typed(FLAG, Q(Exact(reference, True)))
            return _Typed(fact.type, reference)
        if name in self.parameters:
            return self.number_constant(self.parameters[name])
        known = list(self.registry) + list(self.parameters)
        close = difflib.get_close_matches(name, known, n=1)
        if close:
            message = _("Unknown name “%(name)s”; did you mean “%(close)s”?") % {"name": name, "close": close[0]}
        else:
            message = _("Unknown name “%(name)s”: not a fact and not a parameter of this rule.") % {"name": name}
        raise self.error(message, node)

    def visit_Constant(self, node: ast.Constant) -> _Typed:
        value = node.value
        if isinstance(value, bool):
            return _Typed(FLAG, ALWAYS if value else NEVER, constant=value)
        if isinstance(value, int | float):
            if isinstance(value, float) and not math.isfinite(value):
                raise self.error(_("The number is too large."), node)
            return self.number_constant(Decimal(str(value)))
        if isinstance(value, str):
            return _Typed(TEXT, Value(value, output_field=models.CharField()), constant=value)
        if value is None:
            raise self.error(_("None is not allowed; a missing value never fires a rule."), node)
        raise self.error(_("This kind of constant is not allowed."), node)

    @staticmethod
    def number_constant(number: Decimal) -> _Typed:
        return _Typed(NUMBER, Value(number, output_field=models.DecimalField(max_digits=20, decimal_places=6)),
                      constant=number)

    def visit_Tuple(self, node: ast.AST) -> _Typed:
        raise self.error(_("A list can only follow in / not in."), node)

    visit_List = visit_Set = visit_Tuple


def compile_expression(expression: str, parameters: Mapping | None = None, *,
                       facts: Mapping | None = None) -> CompiledRule:
    """Check an expression and turn it into a Django condition; raises ``RuleError`` with a position.

    ``facts`` is the registry of names the expression may use: screening's ``FACTS`` unless another
    part (a policy's eligibility) brings a larger one of the same ``Fact`` kind.
    """
    checked = check_parameters(parameters or {}, facts)
    tree, skipped = parse(expression)
    compiler = _Compiler(expression, checked, skipped, expression[skipped:], facts)
    try:
        result = compiler.visit(tree.body)
    except RecursionError:
        raise RuleError(str(_TOO_DEEP)) from None
    if result.type != FLAG:
        raise compiler.error(
            _("A rule must be a condition (true or false), not %(found)s; compare it, e.g. x < line.")
            % {"found": _TYPE_NAMES[result.type]},
            tree.body,
        )
    return CompiledRule(condition=result.value, facts=tuple(compiler.facts), parameters=checked)


def check_expression(expression: str, parameters: Mapping | None = None) -> list[str]:
    """Validate only (the rule page calls this as the user types); returns the facts it uses."""
    return list(compile_expression(expression, parameters).facts)
