# mypy: disable-error-code="valid-type"
"""A scenario's ``expect:``: the verdict the file is written to give
(:class:`~planner.model.expect.Expectation`), as a word (``expect: hangs``) or a mapping
(``expect: {verdict: hangs, reasons: [port]}``)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field, WithJsonSchema

from planner.inputs.schema.fields import FileModel, check, listing, words_type
from planner.model.expect import (
    EXPECTED_VERDICTS,
    OUTCOME_KINDS,
    REASON_CODES,
    Expectation,
)
from planner.model.units import one_of_problem


class Expect(FileModel):
    """The mapping form of ``expect:``."""

    WHAT: ClassVar[str] = (
        f"a verdict ({', '.join(EXPECTED_VERDICTS)}) or a mapping of verdict, reasons, "
        "outcome and placementEcs"
    )

    verdict: words_type(EXPECTED_VERDICTS, required=True) = Field(
        description="the verdict the scenario gives (with --placement any, the default)"
    )
    reasons: listing(words_type(REASON_CODES, required=True)) = Field(
        None, description="reason codes (ROLLOUT.md §5), each among the result's reasons"
    )
    outcome: words_type(OUTCOME_KINDS) = Field(
        None, description="how a cluster that reacts ends (outcome.kind, ROLLOUT.md §10)"
    )
    placementEcs: words_type(EXPECTED_VERDICTS) = Field(
        None,
        description="the verdict with --placement ecs (ECS's scheduler as configured), "
        "where it differs from verdict",
    )

    def expectation(self) -> Expectation:
        return Expectation(self.verdict, tuple(self.reasons or ()), self.outcome, self.placementEcs)


def _short(value: Any) -> Any:
    """``expect: hangs`` is ``expect: {verdict: hangs}``."""
    if isinstance(value, str):
        check(one_of_problem(value, EXPECTED_VERDICTS))
        return {"verdict": value}
    return value


def _schema() -> dict[str, Any]:
    mapping = Expect.model_json_schema()
    return {"anyOf": [{"enum": list(EXPECTED_VERDICTS)}, mapping, {"type": "null"}]}


ExpectField = Annotated[Expect | None, BeforeValidator(_short), WithJsonSchema(_schema())]
