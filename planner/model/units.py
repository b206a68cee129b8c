"""Single values as planner reads them, whatever they come from: pure functions.

* :func:`parse_cpu` and :func:`parse_memory` read sizes the way ECS accepts them in task
  definitions (``256``, ``"0.25 vCPU"``, ``"2 GB"``) and raise :class:`ValueError` with a
  message meant for the user.
* The rules below (:class:`WholeRule`, :func:`port_problem`, :func:`text_problem`, ...) say
  what is wrong with one value, in the words of every message planner prints about it, or
  None. They are each rule's one place: the scenario file's models
  (:mod:`planner.inputs.schema`) and the located checkers (:mod:`planner.inputs.checks`)
  add the file, line and field; the dataclasses of :mod:`planner.model.scenario` add the
  attribute of an object built in Python.

A boolean is never a number here (YAML reads ``true`` as one, Python too), and a float is
never a whole number, even ``2.0``.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

#: CPU units per vCPU (ECS).
CPU_UNITS_PER_VCPU = 1024
#: MiB per "GB" in ECS task definitions ("1GB" and "1 GB" mean 1,024 MiB).
MIB_PER_GB = 1024

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


@dataclass(frozen=True)
class _SizeUnits:
    """How one kind of size is written: its unit, and the larger one it may be given in."""

    what: str  # what the value must be, for messages
    unit: str  # the unit counted ("CPU units", "MiB")
    short: str  # the unit in "give a whole number of ..."
    large: frozenset[str]  # the larger unit's spellings, lower-case
    per_large: int  # units per larger unit
    small: frozenset[str]  # the unit's own spellings ("" for none)
    fraction: str  # the message for a fraction of a unit; {value} and {shown}


_CPU = _SizeUnits(
    what='CPU units (a whole number, e.g. 256) or vCPUs (e.g. "0.25 vCPU")',
    unit="CPU units",
    short="units",
    large=frozenset(_VCPU),
    per_large=CPU_UNITS_PER_VCPU,
    small=frozenset({""}),
    fraction='must be a whole number of CPU units; write "{value} vCPU" for vCPUs, got {shown}',
)
_MEMORY = _SizeUnits(
    what='MiB (a whole number, e.g. 512) or GB (e.g. "0.5 GB")',
    unit="MiB",
    short="MiB",
    large=frozenset(_GB),
    per_large=MIB_PER_GB,
    small=frozenset(_MIB),
    fraction="must be a whole number of MiB, got {shown}",
)


def _parse_size(value: Any, units: _SizeUnits) -> int:
    """Read a size written in ``units``' unit or its larger one (:func:`parse_cpu`,
    :func:`parse_memory`)."""
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        raise ValueError(f"must be ≥ 0 {units.unit}, got {value}")
    number, unit = _decimal_size(value, units.what)
    if unit in units.large:
        counted = number * units.per_large
        if counted != counted.to_integral_value():
            raise ValueError(
                f"{value!s} is {counted.normalize():f} {units.unit}; "
                f"give a whole number of {units.short}"
            )
        return int(counted)
    if unit not in units.small:
        raise ValueError(f"must be {units.what}; unknown unit {unit!r} in {describe(value)}")
    if number != number.to_integral_value():
        raise ValueError(units.fraction.format(value=value, shown=describe(value)))
    return int(number)


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
    return _parse_size(value, _CPU)


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
    return _parse_size(value, _MEMORY)


def read_size(value: Any, parse: Callable[[Any], int], minimum: int = 0) -> int:
    """Read a CPU or memory size with ``parse`` (:func:`parse_cpu`, :func:`parse_memory`),
    at least ``minimum``.

    Raises
    ------
    ValueError
        With the parser's message, or if the size is below ``minimum``.
    """
    result = parse(value)
    if result < minimum:
        raise ValueError(f"must be at least {minimum}, got {describe(value)}")
    return result


# --- rules on one value ---------------------------------------------------------------


def is_whole(value: Any) -> bool:
    """Tell whether ``value`` is an int and not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class WholeRule:
    """A whole number in ``[minimum, maximum]`` (``maximum`` None: no upper bound).

    ``what`` is how messages name the kind of number (``"a whole percent"``).
    """

    minimum: int = 0
    maximum: int | None = None
    what: str = "a whole number"

    def problem(self, value: Any) -> str | None:
        """What is wrong with ``value`` (not an int, a bool, a float, out of bounds), or
        None."""
        if (
            is_whole(value)
            and value >= self.minimum
            and (self.maximum is None or value <= self.maximum)
        ):
            return None
        if self.maximum is None:
            expected = f"must be {self.what} ≥ {self.minimum}"
        else:
            expected = f"must be {self.what} from {self.minimum} to {self.maximum}"
        return f"{expected}, got {describe(value)}"


#: A count or size ≥ 0, and one ≥ 1.
WHOLE = WholeRule()
POSITIVE = WholeRule(1)
#: ``minimumHealthyPercent``: ECS takes 0–100.
PERCENT = WholeRule(0, 100, "a whole percent")
#: ``maximumPercent``: any whole percent (the ECS API does not bound it above).
OPEN_PERCENT = WholeRule(0, None, "a whole percent")
#: A host port in a port mapping (0: one from the dynamic range).
HOST_PORT = WholeRule(0, 65535, "a port number (0: dynamic)")


@dataclass(frozen=True)
class ShareRule:
    """A percent of the production traffic shifted at once, as ECS takes it: a number
    (the API's Double: ``10``, ``10.0`` and ``12.5`` alike) from ``minimum`` to 100, a
    multiple of 0.1 (botocore's ``LinearConfiguration``, ``CanaryConfiguration``).

    A fractional percent is kept as it is written: it moves traffic, not tasks (the green
    set is started whole, ROLLOUT.md §6), so it only changes how many LINEAR steps the
    timing estimate counts, ``ceil(100 / stepPercent)`` (12.5: 8 steps; 30: 4, the last
    one 10 %).
    """

    minimum: float

    def problem(self, value: Any) -> str | None:
        """What is wrong with ``value`` (not a number, out of bounds, finer than 0.1), or
        None."""
        if number_problem(value, self.minimum) is None and value <= 100 and _tenths(value):
            return None
        return (
            f"must be a percent from {self.minimum:g} to 100 in steps of 0.1, got {describe(value)}"
        )


def _tenths(value: int | float) -> bool:
    tenths = Decimal(repr(value)) * 10
    return tenths == tenths.to_integral_value()


#: LINEAR's ``stepPercent``: 3–100 (ECS).
STEP_PERCENT = ShareRule(3)
#: CANARY's ``canaryPercent``: 0.1–100 (ECS).
CANARY_PERCENT = ShareRule(0.1)


def number_problem(value: Any, minimum: float = 0) -> str | None:
    """What is wrong with a number (int or float, not bool, finite) ≥ ``minimum``, or None."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or value != value  # NaN
        or value < minimum
        or value == float("inf")
    ):
        return f"must be a number ≥ {minimum:g}, got {describe(value)}"
    return None


def port_problem(value: Any) -> str | None:
    """What is wrong with a port number 1–65535, or None."""
    if not is_whole(value) or not 1 <= value <= 65535:
        return f"must be a port number from 1 to 65535, got {describe(value)}"
    return None


def text_problem(value: Any) -> str | None:
    """What is wrong with non-empty text, or None; numbers get a hint to quote them."""
    if isinstance(value, str):
        return "must not be empty" if not value.strip() else None
    hint = ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        hint = f'; write "{value}" in quotes'
    return f"must be text, got {describe(value)}{hint}"


def boolean_problem(value: Any) -> str | None:
    """What is wrong with ``true`` or ``false``, or None."""
    return None if isinstance(value, bool) else f"must be true or false, got {describe(value)}"


def one_of_problem(value: Any, allowed: Iterable[str]) -> str | None:
    """What is wrong with one of the ``allowed`` words (case-sensitive, as ECS), or None:
    the words, and the intended one if only the case differs or it is close."""
    allowed = tuple(allowed)
    if isinstance(value, str) and value in allowed:
        return None
    hint = ""
    if isinstance(value, str):
        same = [a for a in allowed if a.lower() == value.strip().lower()]
        close = same or difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)
        if close:
            hint = f" (did you mean {close[0]}?)"
    return f"must be one of {', '.join(allowed)}, got {describe(value)}{hint}"


def list_problem(value: Any, *, non_empty: bool = False) -> str | None:
    """What is wrong with a list (non-empty if asked), or None."""
    if not isinstance(value, list):
        return f"must be a list, got {describe(value)}"
    if non_empty and not value:
        return "must list at least one entry, got an empty list"
    return None


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
