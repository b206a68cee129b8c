"""Reading single values from scenario and task-definition files.

Two layers:

* :func:`parse_cpu` and :func:`parse_memory` read sizes the way ECS accepts them in task
  definitions (``256``, ``"0.25 vCPU"``, ``"2 GB"``) and raise :class:`ValueError` with a
  message meant for the user.
* The checkers below (:func:`whole`, :func:`port`, :func:`text`, :func:`mapping`, ...) read
  one value of a loaded YAML/JSON document and raise :class:`~planner.errors.PlannerError`
  naming its file, line and field, e.g.
  ``scenario.yaml:14: services[0].desiredCount: must be a whole number ≥ 0, got "four"``.

A boolean is never a number here (YAML reads ``true`` as one, Python too), and a float is
never a whole number, even ``2.0``.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from planner.inputs.yamlsafe import Located

#: CPU units per vCPU (ECS).
CPU_UNITS_PER_VCPU = 1024
#: MiB per "GB" in ECS task definitions ("1GB" and "1 GB" mean 1,024 MiB).
MIB_PER_GB = 1024

Path_ = tuple[str | int, ...]

_SIZE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?|\.[0-9]+)\s*([A-Za-z]*)\s*\Z")
_VCPU = {"vcpu", "vcpus"}
_GB = {"gb", "gib", "g"}
_MIB = {"", "mib", "mb", "m"}


def describe(value: Any) -> str:
    """Show a value the way error messages quote it: ``"four"``, ``true``, ``a list``.

    Parameters
    ----------
    value
        A plain value from a loaded document.

    Returns
    -------
    str
        Text in double quotes, numbers as written, ``true``/``false``/``null``, and the
        kind of value for lists and mappings.
    """
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return json.dumps(shown, ensure_ascii=False)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)


def _decimal_size(value: Any, what: str) -> tuple[Decimal, str]:
    """Split ``value`` into a number and a lower-case unit; ints have no unit."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"must be {what}, got {describe(value)}")
    if isinstance(value, int):
        return Decimal(value), ""
    match = _SIZE.match(value)
    if not match:
        raise ValueError(f"must be {what}, got {describe(value)}")
    try:
        number = Decimal(match.group(1))
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise ValueError(f"must be {what}, got {describe(value)}") from None
    unit = match.group(2).lower()
    return number, unit


def parse_cpu(value: Any) -> int:
    """Read a CPU size in CPU units, as ECS accepts it in a task definition.

    Parameters
    ----------
    value
        An integer number of units (``256``), the same as text (``"256"``), or vCPUs as
        text (``"0.25 vCPU"``, ``"1 vCPU"``, ``"2 vcpu"``, ``"2vCPU"``). One vCPU is 1,024
        units.

    Returns
    -------
    int
        CPU units, ≥ 0.

    Raises
    ------
    ValueError
        If the value is none of these, negative, or not a whole number of units.
    """
    what = 'CPU units (a whole number, e.g. 256) or vCPUs (e.g. "0.25 vCPU")'
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        raise ValueError(f"must be ≥ 0 CPU units, got {value}")
    number, unit = _decimal_size(value, what)
    if unit in _VCPU:
        units = number * CPU_UNITS_PER_VCPU
        if units != units.to_integral_value():
            raise ValueError(
                f"{value!s} is {units.normalize():f} CPU units; give a whole number of units"
            )
        return int(units)
    if unit:
        raise ValueError(f"must be {what}; unknown unit {unit!r} in {describe(value)}")
    if number != number.to_integral_value():
        raise ValueError(
            f'must be a whole number of CPU units; write "{value} vCPU" for vCPUs, '
            f"got {describe(value)}"
        )
    return int(number)


def parse_memory(value: Any) -> int:
    """Read a memory size in MiB, as ECS accepts it in a task definition.

    Parameters
    ----------
    value
        An integer number of MiB (``512``), the same as text (``"512"``, ``"512 MiB"``),
        or GB as text (``"0.5 GB"``, ``"2GB"``; ECS counts 1 GB as 1,024 MiB).

    Returns
    -------
    int
        MiB, ≥ 0.

    Raises
    ------
    ValueError
        If the value is none of these, negative, or not a whole number of MiB.
    """
    what = 'MiB (a whole number, e.g. 512) or GB (e.g. "0.5 GB")'
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        raise ValueError(f"must be ≥ 0 MiB, got {value}")
    number, unit = _decimal_size(value, what)
    if unit in _GB:
        mib = number * MIB_PER_GB
        if mib != mib.to_integral_value():
            raise ValueError(f"{value!s} is {mib.normalize():f} MiB; give a whole number of MiB")
        return int(mib)
    if unit not in _MIB:
        raise ValueError(f"must be {what}; unknown unit {unit!r} in {describe(value)}")
    if number != number.to_integral_value():
        raise ValueError(f"must be a whole number of MiB, got {describe(value)}")
    return int(number)


# --- checkers on a located document ---------------------------------------------------


def is_whole(value: Any) -> bool:
    """Tell whether ``value`` is an int and not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def whole(
    doc: Located,
    path: Path_,
    value: Any,
    *,
    minimum: int = 0,
    maximum: int | None = None,
    what: str = "a whole number",
) -> int:
    """Check a whole number in ``[minimum, maximum]``.

    Parameters
    ----------
    doc
        The document, for the error's file and line.
    path
        Where ``value`` is.
    value
        The value read.
    minimum, maximum
        Inclusive bounds; ``maximum`` None for none.
    what
        How the message names the kind of number (``"a whole percent"``).

    Returns
    -------
    int
        ``value``.

    Raises
    ------
    PlannerError
        If ``value`` is not an int (booleans and floats included) or out of bounds.
    """
    if maximum is None:
        expected = f"must be {what} ≥ {minimum}"
    else:
        expected = f"must be {what} from {minimum} to {maximum}"
    if not is_whole(value) or value < minimum or (maximum is not None and value > maximum):
        raise doc.error(path, f"{expected}, got {describe(value)}")
    return int(value)


def number(doc: Located, path: Path_, value: Any, *, minimum: float = 0) -> float:
    """Check a number (int or float, not bool) ≥ ``minimum``; return it as a float.

    Raises
    ------
    PlannerError
        If ``value`` is not such a number.
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or value != value  # NaN
        or value < minimum
        or value == float("inf")
    ):
        raise doc.error(path, f"must be a number ≥ {minimum:g}, got {describe(value)}")
    return float(value)


def port(doc: Located, path: Path_, value: Any) -> int:
    """Check a port number 1–65535.

    Raises
    ------
    PlannerError
        If ``value`` is not a whole number in range.
    """
    if not is_whole(value) or not 1 <= value <= 65535:
        raise doc.error(path, f"must be a port number from 1 to 65535, got {describe(value)}")
    return int(value)


def text(doc: Located, path: Path_, value: Any) -> str:
    """Check non-empty text.

    Raises
    ------
    PlannerError
        If ``value`` is not a string or only blanks; numbers get a hint to quote them.
    """
    if isinstance(value, str):
        if not value.strip():
            raise doc.error(path, "must not be empty")
        return value
    hint = ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        hint = f'; write "{value}" in quotes'
    raise doc.error(path, f"must be text, got {describe(value)}{hint}")


def boolean(doc: Located, path: Path_, value: Any) -> bool:
    """Check ``true`` or ``false``.

    Raises
    ------
    PlannerError
        If ``value`` is not a bool.
    """
    if not isinstance(value, bool):
        raise doc.error(path, f"must be true or false, got {describe(value)}")
    return value


def one_of(doc: Located, path: Path_, value: Any, allowed: Iterable[str]) -> str:
    """Check that ``value`` is one of the ``allowed`` words (case-sensitive, as ECS).

    Raises
    ------
    PlannerError
        Listing the allowed words, and the intended one if only the case differs.
    """
    allowed = tuple(allowed)
    if isinstance(value, str) and value in allowed:
        return value
    hint = ""
    if isinstance(value, str):
        same = [a for a in allowed if a.lower() == value.strip().lower()]
        close = same or difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)
        if close:
            hint = f" (did you mean {close[0]}?)"
    raise doc.error(path, f"must be one of {', '.join(allowed)}, got {describe(value)}{hint}")


def listing(doc: Located, path: Path_, value: Any, *, non_empty: bool = False) -> list[Any]:
    """Check a list (non-empty if asked).

    Raises
    ------
    PlannerError
        If ``value`` is not a list, or is empty when ``non_empty``.
    """
    if not isinstance(value, list):
        raise doc.error(path, f"must be a list, got {describe(value)}")
    if non_empty and not value:
        raise doc.error(path, "must list at least one entry, got an empty list")
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

    Parameters
    ----------
    doc, path, value
        The document, where the value is, and the value.
    allowed
        Every key the mapping may have, in the order the message lists them.
    required
        Keys it must have.
    what
        How the message names the expected value when it is not a mapping.

    Returns
    -------
    dict
        ``value``.

    Raises
    ------
    PlannerError
        At the first unknown key (with the closest allowed one and the full list), else
        at the first missing required key (reported at the mapping's line).
    """
    if not isinstance(value, dict):
        raise doc.error(path, f"must be {what}, got {describe(value)}")
    allowed = tuple(allowed)
    for key in value:
        if key not in allowed:
            raise doc.error((*path, key), unknown_field_message(key, allowed))
    for key in required:
        if key not in value:
            raise doc.error((*path, key), "is required but missing")
    return value


def unknown_field_message(key: str, allowed: Iterable[str]) -> str:
    """Explain an unknown key: the closest allowed key, then all of them.

    Parameters
    ----------
    key
        The key found.
    allowed
        The keys allowed at that place.

    Returns
    -------
    str
        E.g. ``unknown field; did you mean desiredCount? allowed here: name, desiredCount``.
    """
    allowed = tuple(allowed)
    by_lower = {a.lower(): a for a in allowed}
    close = difflib.get_close_matches(key.lower(), list(by_lower), n=1, cutoff=0.6)
    hint = f"did you mean {by_lower[close[0]]}? " if close else ""
    return f"unknown field; {hint}allowed here: {', '.join(allowed)}"


def sized(
    doc: Located, path: Path_, value: Any, parse: Callable[[Any], int], *, minimum: int = 0
) -> int:
    """Read a CPU or memory size with ``parse`` (:func:`parse_cpu`/:func:`parse_memory`).

    Raises
    ------
    PlannerError
        With the parser's message, or if the size is below ``minimum``.
    """
    try:
        result = parse(value)
    except ValueError as exc:
        raise doc.error(path, str(exc)) from None
    if result < minimum:
        raise doc.error(path, f"must be at least {minimum}, got {describe(value)}")
    return result
