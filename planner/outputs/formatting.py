"""Words and numbers as a person reads them, shared by the text, CSV, HTML and JUnit forms
of the sweeps (``planner percents``, ``planner table``, ``planner batch``).

The solve's own helpers (:data:`~planner.outputs.render.COLOURS`, ``minutes``, ``tasks``)
stay in :mod:`planner.outputs.render`, which draws the solve; what the sweeps add to them
is here, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from planner.outputs.render import COLOURS, minutes, tasks

__all__ = [
    "STATUS_STYLES",
    "about",
    "cell_text",
    "message",
    "minimum_text",
    "minutes",
    "percent_text",
    "tasks",
]

#: rich styles of every status a sweep's row can have: the verdicts, and no verdict.
STATUS_STYLES: dict[str, str] = {
    **COLOURS,
    "failed": "bold red reverse",
    "bad-input": "bold red reverse",
}
#: The capacity table's columns that are US dollars (four decimals: a cent is too coarse
#: for one small instance's hour).
USD_COLUMNS = ("hourlyCost", "hourlyUsd")


def about(seconds: int | float | None) -> str:
    """An estimated duration (:func:`minutes`), ``?`` where there is none."""
    return "?" if seconds is None else minutes(int(seconds))


def percent_text(r: Sequence[int | None], unit: str = " %") -> str:
    """A range of whole percents as a person reads it: ``100 %``, ``34–66 %``, ``200+ %``."""
    lo, hi = r
    if hi is None:
        return f"{lo}+{unit}"
    return f"{lo}{unit}" if lo == hi else f"{lo}–{hi}{unit}"


def cell_text(value: Any, column: str) -> str:
    """A capacity table's value: '' where there is no answer, dollars to four decimals,
    ``yes`` for a true flag."""
    if value is None:
        return ""
    if column in USD_COLUMNS:
        return f"{value:.4f}"
    if isinstance(value, bool):
        return "yes" if value else ""
    return str(value)


def minimum_text(minimum: dict[str, Any] | None) -> str:
    """``2 × t3.medium`` for the least safe fleet of a scenario with counts omitted;
    ``maxSize general 6`` for the least safe maxSize (``--least-max-size``)."""
    if not minimum:
        return ""
    parts = []
    if "possible" in minimum or "safe" in minimum:
        parts.append(_least(minimum, lambda g: f"{g['count']} × {g['type']}"))
    if "maxSize" in minimum:
        sizes = _least(minimum["maxSize"], lambda m: f"{m['capacityProvider']} {m['maxSize']}")
        parts.append(f"maxSize {sizes}")
    return "; ".join(parts)


def _least(minimum: dict[str, Any], word: Any) -> str:
    for key in ("safe", "possible"):
        if minimum.get(key):
            text = ", ".join(word(g) for g in minimum[key])
            return text if key == "safe" else f"{text} (possible; none safe found)"
    return "none found"


def message(row: dict[str, Any], *, reasons: bool = True) -> str:
    """Why a batch row is not safe, in a line: ECS's words, the proof, or the error; with
    ``reasons``, the row's reasons in brackets before it."""
    if row["status"] in ("bad-input", "failed"):
        said = str(row.get("error", ""))
    elif row.get("why"):
        said = " ".join(row["why"])
    else:
        said = str(row.get("proof", ""))
    if reasons and row.get("reasons"):
        said = f"[{', '.join(row['reasons'])}] {said}"
    return said
