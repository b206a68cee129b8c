"""What a solve returns: data, never an exception. ``to_json`` gives CONTRACT.md's fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from planner.deciding.verdicts import EXIT_CODES, VERDICTS, Verdict
from planner.model.rollout import Blocked, Wave

__all__ = ["EXIT_CODES", "VERDICTS", "DeadState", "Fix", "Result", "Verdict", "stuck_from"]


class Fix(str):
    """A change checked by a solve (:mod:`planner.deciding.fixes`): equal to its sentence,
    as a :class:`Verdict` is to its word, so text output prints it as it is; JSON gives its
    fields (:meth:`to_json`).

    Parameters
    ----------
    text
        The sentence (``"maximumPercent 200 for api"``).
    kind
        ``more-instances``, ``dynamic-host-port``, ``deployment-configuration``,
        ``max-size``, ``smallest-type``, ``stop-task``, ``circuit-breaker`` or ``batches``.
    service
        The service it changes (None: the fleet, or several services: ``services``).
    field, value
        The scenario field it sets and the value (None where it sets none: a task stopped
        by hand).
    verdict
        The verdict the change was checked to give: ``safe``, but for the circuit
        breaker's, which makes the rollout end, not complete (its ``outcome``).
    extra
        More fields for JSON, in the file's words (``group``, ``added``,
        ``capacityProvider``, ``instance``, ...).
    """

    kind: str
    service: str | None
    field: str | None
    value: Any
    verdict: str
    extra: dict[str, Any]

    def __new__(
        cls,
        text: str,
        kind: str,
        *,
        service: str | None = None,
        field: str | None = None,
        value: Any = None,
        verdict: str = "safe",
        **extra: Any,
    ) -> Fix:
        self = super().__new__(cls, text)
        self.kind, self.service, self.field, self.value = kind, service, field, value
        self.verdict, self.extra = verdict, extra
        return self

    def __reduce__(self) -> Any:  # (a batch sends results between processes)
        return _fix, (str(self), self.kind, self.service, self.field, self.value,
                      self.verdict, self.extra)  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        """CONTRACT.md's fix object: ``kind``, ``service``, ``field``, ``value``, what
        else the kind names, ``verdict`` and ``text``."""
        return {
            "kind": self.kind,
            "service": self.service,
            "field": self.field,
            "value": self.value,
            **self.extra,
            "verdict": self.verdict,
            "text": str(self),
        }


def _fix(text: str, kind: str, service: Any, field: Any, value: Any, verdict: str,
         extra: dict[str, Any]) -> Fix:  # fmt: skip
    return Fix(text, kind, service=service, field=field, value=value, verdict=verdict, **extra)


def fix_json(fix: str) -> Any:
    """A fix as JSON: its object, or a plain sentence as it is (a fix made elsewhere)."""
    return fix.to_json() if isinstance(fix, Fix) else fix


def stuck_from(choices: list[Wave], s: int) -> int:
    """The wave from which service ``s`` moves no more along ``choices``: one after the
    last wave that stopped or started a task of it (1: it never moved). A service can be
    stuck long before the run is (the run goes on while other services move)."""
    moved = [
        k for k, w in enumerate(choices, 1) if any(t == s for t, _, _ in (*w.stops, *w.starts))
    ]
    return (moved[-1] if moved else 0) + 1


@dataclass
class DeadState:
    """Where a run by ECS rules gets stuck, and the waves that lead there.

    ``wave`` is the first wave of the run that can do nothing (the run's end); each
    blocked service may have stopped moving earlier (:meth:`stuck_from`)."""

    wave: int
    blocked: list[Blocked]
    choices: list[Wave]
    #: Whether the choices are ones ECS's scheduler as configured could make (None: not
    #: decided within the search budget).
    follows_strategy: bool | None = None

    def stuck_from(self, s: int) -> int:
        """The wave from which service ``s`` (an index) moves no more (:func:`stuck_from`)."""
        return stuck_from(self.choices, s)


@dataclass
class Result:
    """The verdict on one scenario and everything that backs it."""

    scenario: str
    verdict: Verdict
    reasons: list[str] = field(default_factory=list)
    instances: list[dict[str, Any]] = field(default_factory=list)
    instance_labels: list[str] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)
    service_names: list[str] = field(default_factory=list)
    initial: list[dict[str, Any]] = field(default_factory=list)
    plan: list[Wave] | None = None
    dead_state: DeadState | None = None
    proof: str = ""
    estimated_duration: int | None = None
    duration_parts: list[int] = field(default_factory=list)
    minimum: dict[str, Any] | None = None
    assumptions: list[str] = field(default_factory=list)
    timing: dict[str, int] = field(default_factory=dict)
    #: Checked fixes, each equal to its sentence (:class:`Fix`; JSON: objects).
    fixes: list[Fix] = field(default_factory=list)
    solver_seconds: float = 0.0
    wall_seconds: float = 0.0
    #: The solve's time limit, in seconds (what an ``unknown`` ran out of).
    time_limit: float | None = None
    #: CP-SAT's workers in the solve (one: repeatable).
    workers: int | None = None
    #: The compiled scenario the result is about (for reports; not in the JSON).
    problem: Any = field(default=None, repr=False, compare=False)
    #: The work budget the solve ran on (:class:`~planner.running.work.WorkClock`: work
    #: spent, the budget, whether the time limit cut it off), or None: the clock's shares.
    work: Any = field(default=None, repr=False, compare=False)
    #: ECS as configured (ROLLOUT.md §8): CONTRACT.md's ``scheduler`` object.
    scheduler: dict[str, Any] | None = None
    #: ``any`` (§4's ECS rules as written) or ``ecs`` (narrowed to the scheduler, §8).
    placement: str = "any"
    #: Per instance (file order), its id and zone, where the scenario names them.
    instance_ids: list[str] | None = None
    zones: list[str | None] | None = None
    #: A snapshot (ROLLOUT.md §9, §10): the new tasks running at the start, the instances
    #: that take no new task, and whether the state is dead already ("stuck now").
    initial_new: list[dict[str, Any]] | None = None
    closed: list[dict[str, Any]] | None = None
    stuck_now: bool | None = None
    #: How the deployment ends on a cluster that reacts (ROLLOUT.md §10): CONTRACT.md's
    #: ``outcome`` (None: the scenario has no capacity provider, breaker or native
    #: blue/green deployment).
    outcome: dict[str, Any] | None = None
    #: With ``--change`` (CONTRACT.md): the change files, the services they deploy, where
    #: each is declared, what was skipped and assumed; set by the caller that applied
    #: them (:func:`planner.load_change`), not by the solvers.
    change: dict[str, Any] | None = None
    #: The scenario's file (or import folder), for annotations; not in the JSON.
    source: str | None = None
    #: The scenario's expectation checked (:func:`planner.deciding.gate.expectation_check`):
    #: ``expect``, ``asExpected``, ``unmet``; empty without one.
    expectation: dict[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[Verdict(self.verdict)]

    def stuck_from(self, service: str) -> int:
        """The wave from which ``service`` (a name) moves no more along the dead state's
        choices; 1 for a service not among the deploying ones (or with no dead state)."""
        ds = self.dead_state
        if ds is None or service not in self.service_names:
            return 1
        return ds.stuck_from(self.service_names.index(service))

    def stuck_words(self, service: str) -> str:
        """'stuck from wave 1 (it never moved)' / 'stuck from wave 3 (it last moved in wave
        2)' / 'stuck now' (a snapshot dead already)."""
        if self.stuck_now:
            return "stuck now"
        k = self.stuck_from(service)
        return f"stuck from wave {k} " + (
            "(it never moved)" if k == 1 else f"(it last moved in wave {k - 1})"
        )

    def _moves(self, moves: tuple[tuple[int, int, int], ...]) -> list[dict[str, Any]]:
        return [{"service": self.service_names[s], "instance": i, "count": n} for s, i, n in moves]

    def plan_json(self, plan: list[Wave]) -> list[dict[str, Any]]:
        return [
            {"wave": k, "stop": self._moves(w.stops), "start": self._moves(w.starts)}
            | ({"launch": list(w.launch)} if any(w.launch) else {})
            for k, w in enumerate(plan, 1)
        ]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "scenario": self.scenario,
            "verdict": self.verdict,
            "placement": self.placement,
            "instances": self.instances,
            **({"instanceIds": self.instance_ids} if self.instance_ids else {}),
            **({"zones": self.zones} if self.zones else {}),
            "services": self.services,
            "reasons": self.reasons,
            "initial": self.initial,
        }
        if self.stuck_now is not None:
            out["initialNew"] = self.initial_new or []
            out["closedInstances"] = self.closed or []
            out["stuckNow"] = self.stuck_now
        if self.plan is not None:
            out["plan"] = self.plan_json(self.plan)
            out["estimatedDurationSeconds"] = self.estimated_duration
        if self.dead_state is not None:
            out["deadState"] = {
                "wave": self.dead_state.wave,
                "services": [
                    {"name": b.service, "reason": b.reason, "message": b.message}
                    | ({"instance": b.instance} if b.instance is not None else {})
                    | ({"detail": b.detail} if b.detail else {})
                    | {"stuckFromWave": self.stuck_from(b.service)}
                    for b in self.dead_state.blocked
                ],
                "choices": self.plan_json(self.dead_state.choices),
                "followsStrategy": self.dead_state.follows_strategy,
            }
        if self.scheduler is not None:
            sched = dict(self.scheduler)
            if "firstHang" in sched:
                sched["firstHang"] = dict(sched["firstHang"])
                sched["firstHang"]["choices"] = self.plan_json(sched["firstHang"]["choices"])
            out["scheduler"] = sched
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.outcome is not None:
            out["outcome"] = self.outcome
        if self.change is not None:
            out["change"] = self.change
        out.update(self.expectation)
        out["fixes"] = [fix_json(f) for f in self.fixes]
        out["proof"] = self.proof
        out["timing"] = self.timing
        out["assumptions"] = self.assumptions
        out["solverSeconds"] = round(self.solver_seconds, 3)
        if self.time_limit is not None:
            out["timeLimitSeconds"] = self.time_limit
        if self.workers is not None:
            out["workers"] = self.workers
        return out
