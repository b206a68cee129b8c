"""One value of a loaded document, checked where it is: file, line and field.

The located face of the rules in :mod:`planner.model.units`: each checker here reads one
value of a :class:`~planner.inputs.yamlsafe.Located` document, asks the rule what is wrong
with it, and raises :class:`~planner.errors.PlannerError` naming its file, line and field,
e.g. ``scenario.yaml:14: services[0].desiredCount: must be a whole number ≥ 0, got
"four"``. The scenario file's models (:mod:`planner.inputs.schema`) word their messages
with the same rules; task-definition files (:mod:`planner.inputs.taskdef`) and table specs
(:mod:`planner.deciding.tables`) are read with these checkers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from planner.inputs.yamlsafe import Located
from planner.model import units

Path_ = tuple[str | int, ...]


def _checked(doc: Located, path: Path_, problem: str | None) -> None:
    if problem is not None:
        raise doc.error(path, problem)


def whole(
    doc: Located,
    path: Path_,
    value: Any,
    *,
    minimum: int = 0,
    maximum: int | None = None,
    what: str = "a whole number",
    rule: units.WholeRule | None = None,
) -> int:
    """Check a whole number in ``[minimum, maximum]`` (or by ``rule``); return it.

    Raises
    ------
    PlannerError
        If ``value`` is not an int (booleans and floats included) or out of bounds.
    """
    rule = rule or units.WholeRule(minimum, maximum, what)
    _checked(doc, path, rule.problem(value))
    return int(value)


def number(doc: Located, path: Path_, value: Any, *, minimum: float = 0) -> float:
    """Check a number (int or float, not bool) ≥ ``minimum``; return it as a float."""
    _checked(doc, path, units.number_problem(value, minimum))
    return float(value)


def port(doc: Located, path: Path_, value: Any) -> int:
    """Check a port number 1–65535."""
    _checked(doc, path, units.port_problem(value))
    return int(value)


def text(doc: Located, path: Path_, value: Any) -> str:
    """Check non-empty text."""
    _checked(doc, path, units.text_problem(value))
    return str(value)


def boolean(doc: Located, path: Path_, value: Any) -> bool:
    """Check ``true`` or ``false``."""
    _checked(doc, path, units.boolean_problem(value))
    return bool(value)


def one_of(doc: Located, path: Path_, value: Any, allowed: Iterable[str]) -> str:
    """Check that ``value`` is one of the ``allowed`` words (case-sensitive, as ECS)."""
    _checked(doc, path, units.one_of_problem(value, allowed))
    return str(value)


def listing(doc: Located, path: Path_, value: Any, *, non_empty: bool = False) -> list[Any]:
    """Check a list (non-empty if asked)."""
    _checked(doc, path, units.list_problem(value, non_empty=non_empty))
    assert isinstance(value, list)
    return value


def mapping(
    doc: Located,
    path: Path_,
    value: Any,
    allowed: Iterable[str],
    *,
    required: Iterable[str] = (),
    what: str = "a mapping",
) -> dict[str, Any]:
    """Check a mapping: no unknown keys, every required key present.

    Raises
    ------
    PlannerError
        At the first unknown key (with the closest allowed one and the full list), else
        at the first missing required key (reported at the mapping's line).
    """
    if not isinstance(value, dict):
        raise doc.error(path, f"must be {what}, got {units.describe(value)}")
    allowed = tuple(allowed)
    for key in value:
        if key not in allowed:
            raise doc.error((*path, key), units.unknown_field_message(key, allowed))
    for key in required:
        if key not in value:
            raise doc.error((*path, key), "is required but missing")
    return value


def sized(
    doc: Located, path: Path_, value: Any, parse: Callable[[Any], int], *, minimum: int = 0
) -> int:
    """Read a CPU or memory size with ``parse`` (:func:`~planner.model.units.read_size`).

    Raises
    ------
    PlannerError
        With the parser's message, or if the size is below ``minimum``.
    """
    try:
        return units.read_size(value, parse, minimum)
    except ValueError as exc:
        raise doc.error(path, str(exc)) from None
