"""A deploy gate's policy: which verdicts fail it (``--fail-on``), and a scenario's own
expectation (its ``expect:`` field, :class:`~planner.model.expect.Expectation`).

A verdict the policy fails keeps its exit code (1 hangs or at-risk, 3 unknown); the others
exit 0. The default fails all three, as planner always did. Bad input (2) and a planner
failure (4) never depend on the policy. In ``planner batch``, a scenario with an
expectation passes when the expectation is met and fails (1) when it is not, whatever
the policy; an unknown meets no expectation and exits as the policy says of unknown.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from planner.deciding.verdicts import EXIT_CODES, Verdict
from planner.errors import PlannerError
from planner.model.expect import Expectation
from planner.model.units import one_of_problem

#: The verdicts that can fail a gate, in the order ``--fail-on`` lists them.
GATE_VERDICTS = (Verdict.HANGS, Verdict.AT_RISK, Verdict.UNKNOWN)
#: The default policy: every verdict but safe fails.
DEFAULT_FAIL_ON = frozenset(GATE_VERDICTS)
#: Exit codes from best to worst: a batch exits with its worst row's.
EXIT_ORDER = (0, 3, 1, 2, 4)


def parse_fail_on(values: Iterable[str] | None) -> frozenset[str]:
    """``--fail-on`` as given: repeated, each a word or a comma list (``hangs,at-risk``);
    none given: :data:`DEFAULT_FAIL_ON`.

    Raises
    ------
    PlannerError
        For a word that is not one of :data:`GATE_VERDICTS`.
    """
    words = [w.strip() for v in values or () for w in v.split(",") if w.strip()]
    for w in words:
        if said := one_of_problem(w, GATE_VERDICTS):
            raise PlannerError(said, field="--fail-on")
    return frozenset(Verdict(w) for w in words) if words else DEFAULT_FAIL_ON


def gate_exit(verdict: str, fail_on: frozenset[str] = DEFAULT_FAIL_ON) -> int:
    """The exit code of ``verdict`` under the policy: its own if it fails the gate, else 0."""
    return EXIT_CODES[verdict] if verdict in fail_on else 0


def fails_gate(verdict: str, fail_on: frozenset[str] = DEFAULT_FAIL_ON) -> bool:
    return verdict in fail_on


def expectation_check(
    expect: Expectation | None, result: Any, placement: str | None = None
) -> dict[str, Any]:
    """The JSON of ``expect`` against a solve's ``result``: ``{"expect": {...},
    "asExpected": true | false | null, "unmet": [...]}`` (null: an unknown verdict, not
    checked); ``{}`` when there is no expectation."""
    if expect is None:
        return {}
    out: dict[str, Any] = {"expect": expect.to_json()}
    if result.verdict == Verdict.UNKNOWN:
        return out | {"asExpected": None, "unmet": ["no verdict in time"]}
    kind = (result.outcome or {}).get("kind")
    unmet = expect.unmet(result.verdict, result.reasons, kind, placement or result.placement)
    return out | {"asExpected": not unmet, "unmet": unmet}


def row_exit(row: dict[str, Any], fail_on: frozenset[str] = DEFAULT_FAIL_ON) -> int:
    """A batch row's exit code: bad input 2 and failed 4 always; an unknown as the policy
    says; a checked expectation 0 met, 1 not; else the verdict under the policy."""
    status = row["status"]
    if status in ("bad-input", "failed"):
        return 2 if status == "bad-input" else 4
    if status != Verdict.UNKNOWN and row.get("asExpected") is not None:
        return 0 if row["asExpected"] else 1
    return gate_exit(status, fail_on)


def worst_exit(codes: Iterable[int]) -> int:
    return max(codes, key=EXIT_ORDER.index, default=0)


def expectation_words(check: dict[str, Any]) -> str:
    """``as the file expects: hangs (port)`` / ``not as the file expects: verdict safe,
    expected hangs`` / ``the file's expectation not checked: no verdict in time``; empty
    without an expectation.
    ``check``: :func:`expectation_check`'s fields (or a row holding them)."""
    if "asExpected" not in check:
        return ""
    if check["asExpected"] is None:
        return "the file's expectation not checked: no verdict in time"
    if check["asExpected"]:
        return f"as the file expects: {_expect_text(check['expect'])}"
    return "not as the file expects: " + "; ".join(check["unmet"])


def _expect_text(e: dict[str, Any]) -> str:
    return str(
        Expectation(e["verdict"], tuple(e.get("reasons", ())), e.get("outcome"),
                    e.get("placementEcs"))
    )  # fmt: skip
