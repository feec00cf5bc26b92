"""A small, safe evaluator for rmap header expressions.

``rmap_relevance``, ``rmap_omit`` and ``parkey_relevance`` are Python-like
predicates over dataset parameters.  crds ``eval``s them after an AST screen;
we never do: the expression is parsed with :mod:`ast`, screened with the same
node rules (names, constants, tuples/lists/dicts, comparisons, and/or/not,
unary minus, conditional expressions; no calls, attributes, subscripts or
lambdas), and then interpreted node by node.

Names resolve as Python's ``eval(code, {}, header)`` would: the header first,
then Python's builtins (as inert values: nothing can call them), else
``NameError`` with Python's own message.

A :class:`Dialect` widens the screen for other expression languages (the
``.tpn`` constraint expressions crds checks references with): calls of the
functions it names (plain Python functions given by the caller, never
anything from the data), reads of the attributes it names (``SHAPE``,
``lower``...) and subscripts. Nothing else becomes callable: a call's target
must be one of the dialect's functions or one of its attribute names.
"""
from __future__ import annotations

import ast
import builtins
import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ExpressionError

_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda left, right: left in right,
    ast.NotIn: lambda left, right: left not in right,
}
_UNARY = {ast.Not: operator.not_, ast.USub: operator.neg}
_BUILTINS = vars(builtins)


@dataclass(frozen=True)
class Dialect:
    """What an expression language adds to the rmap screen: callable functions, readable attributes,
    subscripts (``SHAPE[-1]``)."""

    functions: Mapping[str, Any] = field(default_factory=dict)
    attributes: frozenset[str] = frozenset()


#: rmap header expressions: no calls, attributes or subscripts.
RMAP_DIALECT = Dialect()


@dataclass(frozen=True)
class Expression:
    """A screened expression; call :meth:`evaluate` with a header dict."""

    source: str
    tree: ast.expr = field(repr=False, compare=False)
    names: frozenset[str] = field(default=frozenset(), compare=False)
    dialect: Dialect = field(default=RMAP_DIALECT, repr=False, compare=False)

    def evaluate(self, header: Mapping[str, Any]) -> Any:
        """Value of the expression with ``header`` supplying the names (Python ``eval`` semantics)."""
        return _evaluate(self.tree, header, self.dialect)


def compile_expression(source: str, where: str = "(expression)", dialect: Dialect = RMAP_DIALECT) -> Expression:
    """Parse and screen ``source``; raise :class:`ExpressionError` (one line) if it is not a simple predicate
    (or, with ``dialect``, one of that language's expressions)."""
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"{where}: invalid expression {source!r}: {exc.msg}") from None
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        reason = _refusal(node) if dialect is RMAP_DIALECT else _dialect_refusal(node, dialect)
        if reason:
            raise ExpressionError(f"{where}: {reason} in expression {source!r}")
    return Expression(source, tree.body, frozenset(names), dialect)


def _dialect_refusal(node: ast.AST, dialect: Dialect) -> str | None:
    """Why ``node`` may not appear in an expression of ``dialect`` (None if it may)."""
    if isinstance(node, ast.Call):
        if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
            return "illegal call form"
        target = node.func
        if isinstance(target, ast.Name) and target.id in dialect.functions:
            return None
        if isinstance(target, ast.Attribute) and target.attr in dialect.attributes:
            return None
        return f"illegal call of {ast.unparse(target)}"
    if isinstance(node, ast.Attribute):
        return None if node.attr in dialect.attributes and not node.attr.startswith("_") else \
            f"illegal attribute {node.attr!r}"
    if isinstance(node, (ast.Subscript, ast.Slice)):
        return None
    return _refusal(node)


def _refusal(node: ast.AST) -> str | None:
    """Why ``node`` may not appear in an expression (None if it may), following crds's screen."""
    allowed = (
        ast.Expression, ast.Name, ast.Load, ast.Constant, ast.Tuple, ast.List, ast.Dict,
        ast.Compare, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.IfExp,
    ) + tuple(_COMPARE)
    if isinstance(node, allowed):
        if isinstance(node, ast.Constant) and not isinstance(node.value, (str, int, float, bool, type(None))):
            return f"illegal constant {node.value!r}"
        return None
    return f"illegal {type(node).__name__}"


def _evaluate(node: ast.expr, header: Mapping[str, Any], dialect: Dialect = RMAP_DIALECT) -> Any:
    if isinstance(node, ast.Call):
        args = [_evaluate(arg, header, dialect) for arg in node.args]
        if isinstance(node.func, ast.Name):
            return dialect.functions[node.func.id](*args)
        return _evaluate(node.func, header, dialect)(*args)
    if isinstance(node, ast.Attribute):
        return getattr(_evaluate(node.value, header, dialect), node.attr)
    if isinstance(node, ast.Subscript):
        return _evaluate(node.value, header, dialect)[_evaluate(node.slice, header, dialect)]
    if isinstance(node, ast.Slice):
        return slice(*(None if part is None else _evaluate(part, header, dialect)
                       for part in (node.lower, node.upper, node.step)))
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in header:
            return header[node.id]
        if node.id in _BUILTINS:
            return _BUILTINS[node.id]
        raise NameError(f"name {node.id!r} is not defined")
    if isinstance(node, ast.Compare):
        left = _evaluate(node.left, header, dialect)
        for op, comparator in zip(node.ops, node.comparators):
            right = _evaluate(comparator, header, dialect)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.BoolOp):
        result: Any = None
        for value in node.values:
            result = _evaluate(value, header, dialect)
            # Python's and/or return the deciding operand.
            if isinstance(node.op, ast.And) and not result:
                return result
            if isinstance(node.op, ast.Or) and result:
                return result
        return result
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_evaluate(node.operand, header, dialect))
    if isinstance(node, ast.IfExp):
        branch = node.body if _evaluate(node.test, header, dialect) else node.orelse
        return _evaluate(branch, header, dialect)
    if isinstance(node, ast.Tuple):
        return tuple(_evaluate(elt, header, dialect) for elt in node.elts)
    if isinstance(node, ast.List):
        return [_evaluate(elt, header, dialect) for elt in node.elts]
    if isinstance(node, ast.Dict):
        return {_evaluate(k, header, dialect): _evaluate(v, header, dialect) for k, v in zip(node.keys, node.values)}
    raise ExpressionError(f"illegal {type(node).__name__}")  # unreachable after screening


def source_with_evalable_names(source: str, parkeys: list[str]) -> str:
    """Rewrite dotted parkey names in ``source`` to their underscore form, in parkey order (as crds does)."""
    for key in parkeys:
        replacement = key.replace(".", "_")
        if replacement != key:
            source = source.replace(key, replacement)
    return source
