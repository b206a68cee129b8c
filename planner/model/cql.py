"""ECS's cluster query language, for ``memberOf`` constraints (ROLLOUT.md §8).

An expression is ``subject operator [argument]``, joined with ``and`` / ``or`` (also ``&&``
/ ``||``), negated with ``not``, grouped with parentheses (ECS developer guide,
cluster-query-language). Subjects planner can evaluate are ``attribute:NAME`` (an
instance's attributes: ``ecs.instance-type``, ``ecs.availability-zone``,
``ecs.cpu-architecture``, ``ecs.os-type`` and custom ones) and ``ec2InstanceId``. The
others (``task:group``, ``runningTasksCount``, ``agentVersion``, ``registeredAt``,
``agentConnected``) depend on what runs where, or on facts a scenario does not hold: they
are refused with a message naming the expression.

Operators: ``==`` ``!=`` (``equals``, ``not_equals``), ``in`` ``!in`` (``not_in``) with a
list ``[a, b]``, ``=~`` ``!~`` (``matches``, ``not_matches``: a regular expression that
must match the whole value), ``exists`` ``!exists``, and ``>`` ``>=`` ``<`` ``<=`` (numbers
when both sides are numbers, else text). An attribute the instance does not have makes
every comparison but ``!exists``, ``!=``, ``!in`` and ``!~`` false.

The parser is lark's (an LALR grammar below); :func:`parse` returns a predicate over an
instance's attributes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from lark import Lark, Token, Transformer, UnexpectedInput
from lark.exceptions import VisitError

GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr (OR and_expr)*
?and_expr: not_expr (AND not_expr)*
?not_expr: NOT not_expr -> negation
         | atom
?atom: "(" or_expr ")"
     | comparison
comparison: SUBJECT OP value        -> compare
          | SUBJECT SETOP values    -> member
          | SUBJECT EXISTS          -> exists

values: "[" [value ("," value)*] "]"
value: WORD | STRING

OR.3: "or"i | "||"
AND.3: "and"i | "&&"
NOT.3: "not"i | "!"
EXISTS.3: "exists"i | "!exists"i
SETOP.3: "in"i | "!in"i | "not_in"i
OP.3: "==" | "!=" | "=~" | "!~" | ">=" | "<=" | ">" | "<"
  | "equals"i | "not_equals"i | "matches"i | "not_matches"i
  | "greater_than_equal"i | "greater_than"i | "less_than_equal"i | "less_than"i
SUBJECT.2: /attribute:[A-Za-z0-9_.\-\/]+/ | /[A-Za-z][A-Za-z0-9_]*(:[A-Za-z0-9_.\-]+)?/
WORD: /[^\s\[\](),'"=!<>~&|]+/
STRING: /'[^']*'/ | /"[^"]*"/

%import common.WS
%ignore WS
"""

#: Subjects ECS knows that planner cannot evaluate from a scenario.
UNSUPPORTED = ("task:group", "runningTasksCount", "agentVersion", "registeredAt", "agentConnected")

_OPS = {
    "equals": "==",
    "not_equals": "!=",
    "matches": "=~",
    "not_matches": "!~",
    "greater_than": ">",
    "greater_than_equal": ">=",
    "less_than": "<",
    "less_than_equal": "<=",
    "not_in": "!in",
}

Attributes = Mapping[str, str]
Predicate = Callable[[Attributes], bool]


class QueryError(ValueError):
    """An expression planner cannot read or evaluate; the message says where and why."""


@dataclass(frozen=True)
class Query:
    """A parsed expression: ``matches(attributes)`` tells whether an instance qualifies."""

    text: str
    test: Predicate

    def matches(self, attributes: Attributes) -> bool:
        return self.test(attributes)


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr")


@lru_cache(maxsize=4096)
def parse(text: str) -> Query:
    """Parse a cluster query language expression (cached: instances ask it often).

    Raises
    ------
    QueryError
        With the column and what was expected, or the subject planner cannot evaluate.
    """
    if len(text) > 2000:
        raise QueryError(f"an expression has at most 2,000 characters, got {len(text):,}")
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        near = text[max(0, exc.column - 1) :][:20] if exc.column > 0 else ""
        where = f" at column {exc.column}" if exc.column > 0 else ""
        raise QueryError(
            f"cannot read the cluster query {text!r}{where}"
            + (f" (near {near!r})" if near else "")
            + "; expected e.g. attribute:ecs.instance-type =~ m5.* and "
            "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]"
        ) from None
    try:
        return Query(text, _Build(text).transform(tree))
    except VisitError as exc:  # lark wraps what the transformer raises
        if isinstance(exc.orig_exc, QueryError):
            raise exc.orig_exc from None
        raise


def _subject(token: Token, text: str) -> str:
    subject = str(token)
    if subject.startswith("attribute:") or subject == "ec2InstanceId":
        return subject
    if subject in UNSUPPORTED:
        raise QueryError(
            f"the cluster query {text!r} uses {subject}, which is not supported: it depends "
            "on what runs where, or on facts a scenario does not hold; planner evaluates "
            "attribute:NAME and ec2InstanceId"
        )
    raise QueryError(
        f"the cluster query {text!r} has an unknown subject {subject!r}; expected "
        "attribute:NAME or ec2InstanceId"
    )


def _lookup(subject: str, attributes: Attributes) -> str | None:
    key = subject.removeprefix("attribute:") if subject.startswith("attribute:") else subject
    return attributes.get(key)


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _order(a: str, b: str) -> tuple[float, float] | tuple[str, str]:
    x, y = _number(a), _number(b)
    return (x, y) if x is not None and y is not None else (a, b)


class _Build(Transformer):
    """Turn the parse tree into a predicate."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def value(self, items: list[Token]) -> str:
        raw = str(items[0])
        return raw[1:-1] if raw[:1] in "'\"" else raw

    def values(self, items: list[str | None]) -> tuple[str, ...]:
        return tuple(v for v in items if v is not None)

    def compare(self, items: list) -> Predicate:
        subject = _subject(items[0], self.text)
        op = _OPS.get(str(items[1]).lower(), str(items[1]))
        arg: str = items[2]
        if op in ("=~", "!~"):
            try:
                pattern = re.compile(arg)
            except re.error as exc:
                raise QueryError(
                    f"the cluster query {self.text!r} has a bad pattern {arg!r}: {exc}"
                ) from None
            want = op == "=~"
            return lambda a: (
                ((v := _lookup(subject, a)) is not None and bool(pattern.fullmatch(v))) == want
            )
        if op in ("==", "!="):
            want = op == "=="
            return lambda a: (_lookup(subject, a) == arg) == want

        def ordered(a: Attributes) -> bool:
            v = _lookup(subject, a)
            if v is None:
                return False
            x, y = _order(v, arg)
            return {">": x > y, ">=": x >= y, "<": x < y, "<=": x <= y}[op]  # type: ignore[operator]

        return ordered

    def member(self, items: list) -> Predicate:
        subject = _subject(items[0], self.text)
        negate = str(items[1]).lower() in ("!in", "not_in")
        values = set(items[2])
        return lambda a: (_lookup(subject, a) in values) != negate

    def exists(self, items: list) -> Predicate:
        subject = _subject(items[0], self.text)
        negate = str(items[1]).lower().startswith("!")
        return lambda a: (_lookup(subject, a) is not None) != negate

    def negation(self, items: list) -> Predicate:
        inner = items[1]
        return lambda a: not inner(a)

    def or_expr(self, items: list) -> Predicate:
        parts = [p for p in items if callable(p)]
        return lambda a: any(p(a) for p in parts)

    def and_expr(self, items: list) -> Predicate:
        parts = [p for p in items if callable(p)]
        return lambda a: all(p(a) for p in parts)
