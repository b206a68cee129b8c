"""Placement: does a task fit on an instance, and if not, why (ROLLOUT.md §2, §3 step 2, §5).

The one owner of the rule. Every requirement an instance puts on the tasks it holds is a
:class:`Row`, a linear limit on how many tasks of each service run there::

    Σ_s  a_s · old_s  +  b_s · new_s   ≤   limit

- a **resource** (CPU units, MiB, ENIs, dynamic host ports): ``a_s``, ``b_s`` what an old
  and a new task of ``s`` take; ``limit`` the capacity less the agent's reservations and
  the static load (services that do not deploy);
- a **fixed host port** ``q``: ``a_s``, ``b_s`` 1 where the task holds ``q``; ``limit`` 1,
  or 0 where ``q`` is reserved or held by the static load;
- **distinctInstance** of ``s``: ``a_s = b_s = 1``; ``limit`` 1.

One more new task of ``s`` fits on an instance iff every row with ``b_s > 0`` keeps
``load + b_s ≤ limit``; the rows it would break are *why not*, in ECS's reason codes.
The plain model (:mod:`planner.model.rollout`), the CP-SAT models (:mod:`planner.solvers.cpsat`:
one linear constraint per row, one fail literal per row), the volume arguments
(:mod:`planner.solvers.volume`), the initial placement (:mod:`planner.model.problem`) and the
capacity tables (:mod:`planner.deciding.tables`) all read these rows. A new resource or binding
constraint is one more kind of row here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from planner.model.scenario import TaskDefinition

#: Resource dimensions, in the order of ``Footprint.vector``, and the reason each gives.
DIMENSIONS = ("cpu", "memory", "eni", "dynamic-port")
DIMENSION_REASONS = ("cpu", "memory", "eni", "port")

#: Order in which a failing requirement is named (ROLLOUT.md §5's table), first match wins.
REASON_ORDER = ("cpu", "memory", "port", "eni", "placement-constraint")

#: The reasons ECS's resource filters give (CPU, memory, ports, ENIs); the binding
#: placement constraints are checked after them, on the instances they leave (§2, §5).
FILTER_REASONS = frozenset(("cpu", "memory", "port", "eni"))

#: What ECS's event says of the closest instance, per reason.
_SAYS = {
    "cpu": "has insufficient CPU units available.",
    "memory": "has insufficient memory available.",
    "port": "is already using a port required by your task.",
    "eni": "has insufficient ENIs available (RESOURCE:ENI).",
    "placement-constraint": 'encountered error "{what} placement constraint unsatisfied."',
}


@dataclass(frozen=True)
class Footprint:
    """What one task takes from an instance: resources, fixed host ports."""

    cpu: int
    memory: int
    enis: int = 0
    dynamic_ports: int = 0
    ports: frozenset[int] = frozenset()

    @property
    def vector(self) -> tuple[int, int, int, int]:
        """In the order of :data:`DIMENSIONS`."""
        return (self.cpu, self.memory, self.enis, self.dynamic_ports)

    @classmethod
    def of(cls, td: TaskDefinition) -> Footprint:
        return cls(td.cpu, td.memory, td.enis, td.dynamic_ports, frozenset(td.host_ports))


@dataclass(frozen=True)
class Row:
    """One requirement of one instance: ``Σ old[s]·o_s + new[s]·n_s ≤ limit``.

    ``what`` names it (``cpu``, ``port 8080``, ``distinctInstance api``); ``reason`` is
    its code in ROLLOUT.md §5.
    """

    what: str
    reason: str
    limit: int
    old: tuple[int, ...]
    new: tuple[int, ...]

    def load(self, old: Sequence[int], new: Sequence[int]) -> int:
        """What the tasks on the instance put on this row (per-service counts)."""
        return sum(a * old[s] for s, a in self.old_terms) + sum(
            b * new[s] for s, b in self.new_terms
        )

    @cached_property
    def old_terms(self) -> tuple[tuple[int, int], ...]:
        return tuple((s, a) for s, a in enumerate(self.old) if a)

    @cached_property
    def new_terms(self) -> tuple[tuple[int, int], ...]:
        return tuple((s, b) for s, b in enumerate(self.new) if b)


def rows_for(
    free: Sequence[int],
    blocked_ports: frozenset[int],
    olds: Sequence[Footprint],
    news: Sequence[Footprint],
    distinct: Sequence[bool],
    excluded: Sequence[str | None] = (),
    closed: tuple[str, int] | None = None,
) -> tuple[Row, ...]:
    """The rows of one instance.

    Parameters
    ----------
    free
        Per dimension, what the tasks may use: capacity less reservations and static load.
    blocked_ports
        Fixed host ports no task may take here (reserved, or held by the static load).
    olds, news, distinct
        Per service: its old and new footprints, and whether it is distinctInstance.
    excluded
        Per service: the memberOf expression that keeps its tasks off this instance, or
        None (:func:`excluded_by`). A row of limit 0 on new tasks: binding, like
        distinctInstance; tasks already running there stay.
    closed
        ``(why, running)`` for an instance that takes no new task (DRAINING, its agent
        disconnected; ROLLOUT.md §9, §10): one row over the new tasks of every service,
        of limit the new tasks running there now, which stay.
    """
    out: list[Row] = []
    for d, name in enumerate(DIMENSIONS):  # always all four, in order (see ArrayLoads.room)
        o = tuple(fp.vector[d] for fp in olds)
        n = tuple(fp.vector[d] for fp in news)
        out.append(Row(name, DIMENSION_REASONS[d], free[d], o, n))
    for q in sorted({q for fp in (*olds, *news) for q in fp.ports}):
        o = tuple(int(q in fp.ports) for fp in olds)
        n = tuple(int(q in fp.ports) for fp in news)
        out.append(Row(f"port {q}", "port", 0 if q in blocked_ports else 1, o, n))
    n_s = len(distinct)
    for s, one in enumerate(distinct):
        if one:
            unit = tuple(int(t == s) for t in range(n_s))
            out.append(Row("distinctInstance", "placement-constraint", 1, unit, unit))
    for s, expression in enumerate(excluded):
        if expression is not None:
            unit = tuple(int(t == s) for t in range(n_s))
            what = expression if expression.startswith(PROVIDER_ROW) else f"memberOf({expression})"
            out.append(Row(what, "placement-constraint", 0, (0,) * n_s, unit))
    if closed is not None:
        why, running = closed
        out.append(Row(f"status {why}", "placement-constraint", running, (0,) * n_s, (1,) * n_s))
    return tuple(out)


#: How a row that keeps a service's tasks off the instances of other capacity providers
#: begins (ROLLOUT.md §10: a service's tasks go only to its providers' instances).
PROVIDER_ROW = "capacityProviderStrategy"


def excluded_by(member_of: Sequence[str], attributes: Sequence[tuple[str, str]]) -> str | None:
    """The first memberOf expression the instance with ``attributes`` fails, or None."""
    if not member_of:
        return None
    from planner.model.cql import parse

    seen = dict(attributes)
    for expression in member_of:
        if not parse(expression).matches(seen):
            return expression
    return None


def holds(rows: Sequence[Row], old: Sequence[int], new: Sequence[int]) -> bool:
    """Whether an instance holds these tasks (per-service counts): every row kept."""
    return all(r.load(old, new) <= r.limit for r in rows)


def failures(
    rows: Sequence[Row], old: Sequence[int], new: Sequence[int], s: int
) -> tuple[str, ...]:
    """The reasons one more new task of ``s`` does not fit (empty: it fits), in
    :data:`REASON_ORDER`."""
    broken = {r.reason for r in rows if r.new[s] and r.load(old, new) + r.new[s] > r.limit}
    return tuple(code for code in REASON_ORDER if code in broken)


def most_new(rows: Sequence[Row], s: int, at_most: int) -> int:
    """How many new tasks of ``s`` the instance holds with nothing else on it but its
    static load, up to ``at_most``."""
    most = at_most
    for r in rows:
        if r.new[s]:
            most = min(most, max(0, r.limit) // r.new[s])
    return most


def could_ever_fit(rows: Sequence[Row], s: int) -> bool:
    """Whether a new task of ``s`` fits with nothing else on the instance."""
    return most_new(rows, s, 1) == 1


def closeness(fails: tuple[str, ...], i: int) -> tuple[bool, int, int]:
    """How far from taking the task an instance failing ``fails`` is, smallest closest:
    ECS filters by resources and ports first and checks the placement constraints on the
    instances left (ROLLOUT.md §5), so an instance that passes every filter and fails only
    a constraint is closer than any that fails a filter; then the fewest requirements
    failed; then the first instance."""
    return (any(f in FILTER_REASONS for f in fails), len(fails), i)


def closest(failing: Sequence[tuple[str, ...]]) -> tuple[int, str]:
    """ECS's "closest matching" instance (:func:`closeness`), and the first reason it
    fails. ``failing[i]`` as :func:`failures` gives."""
    best = min(range(len(failing)), key=lambda i: closeness(failing[i], i))
    return best, failing[best][0]


def _constraint_name(what: str) -> str:
    """ECS's name for the placement constraint a row stands for (``memberOf(...)``:
    MemberOf; ``distinctInstance``: DistinctInstance)."""
    name = what.split("(", 1)[0]
    return name[:1].upper() + name[1:]


def placement_message(service: str, instance: int | str, reason: str, what: str) -> str:
    """ECS's "unable to place a task" event for ``reason`` on ``instance``; ``what`` names
    the placement constraint (the failing row's :attr:`Row.what`). ECS's event names the
    constraint's type, not its expression ("MemberOf placement constraint unsatisfied.")."""
    says = _SAYS[reason].format(what=_constraint_name(what))
    if what.startswith("status "):  # every instance closed (rows_for's ``closed``)
        says = f"is {what.removeprefix('status ')} and takes no new tasks."
    if what.startswith(PROVIDER_ROW):
        says = f"belongs to no capacity provider of the service's {what}."
    return (
        f"service {service} was unable to place a task because no container instance met "
        f"all of its requirements. The closest matching container-instance {instance} " + says
    )


def failing_row(
    rows: Sequence[Row], old: Sequence[int], new: Sequence[int], s: int, reason: str
) -> Row:
    """The first row with ``reason`` that one more new task of ``s`` breaks."""
    return next(
        r for r in rows if r.reason == reason and r.new[s] and r.load(old, new) + r.new[s] > r.limit
    )


class Instance(Protocol):
    """What the messages read of an instance (:class:`planner.model.problem.Instance`):
    its static load per dimension and who holds it, and its reserved ports."""

    @property
    def static(self) -> tuple[int, int, int, int]: ...
    @property
    def static_names(self) -> tuple[str, ...]: ...
    @property
    def reserved_ports(self) -> frozenset[int]: ...


#: Per resource row, its unit in planner's words.
_UNITS = {"cpu": "CPU units", "memory": "MiB", "eni": "ENIs", "dynamic-port": "dynamic host ports"}


def _who(row: Row, old: Sequence[int], new: Sequence[int], names: Sequence[str], static: str):
    """Who takes what ``row`` holds on an instance: the services by what they take, most
    first, then the static load (``static``, '' for none)."""
    took: dict[int, int] = {}
    for t, a in row.old_terms:
        took[t] = took.get(t, 0) + a * old[t]
    for t, b in row.new_terms:
        took[t] = took.get(t, 0) + b * new[t]
    out = [names[t] for t, n in sorted(took.items(), key=lambda kv: (-kv[1], kv[0])) if n]
    return ", ".join([*out, *([static] if static else [])])


def _passes(row: Row, service: str) -> str:
    """What an instance that does not fail ``row`` has, in planner's words."""
    if row.what.startswith("port "):
        return f"has {row.what} free"
    if row.reason != "placement-constraint":
        return {"cpu": "has the CPU units", "memory": "has the memory", "eni": "has an ENI free",
                "dynamic-port": "has a dynamic host port free"}[row.what]  # fmt: skip
    if row.what == "distinctInstance":
        return f"runs no task of {service}"
    if row.what.startswith("status "):
        return "takes new tasks"
    return f"meets {row.what}"


def failing_words(row: Row, old, new, s: int, service: str, names, inst: Instance) -> str:
    """Why ``row`` keeps one more new task of ``service`` (index ``s``) off an instance
    holding ``old``/``new``, in planner's words: what is left and who took it."""
    if row.what in _UNITS:
        d = DIMENSIONS.index(row.what)
        static = ", ".join(inst.static_names) if inst.static[d] and inst.static_names else (
            "tasks that do not deploy" if inst.static[d] else "")  # fmt: skip
        left = row.limit - row.load(old, new)
        who = _who(row, old, new, names, static)
        took = f", taken by {who}" if who else " in all"
        amount = f"only {left:,}" if left > 0 else "no"
        return f"has {amount} {_UNITS[row.what]} left{took} (a new {service} task needs " + (
            f"{row.new[s]:,})"
        )
    if row.what.startswith("port "):
        q = int(row.what.removeprefix("port "))
        if row.limit <= 0:
            if q in inst.reserved_ports:
                return f"{row.what} is reserved"
            return f"{row.what} is held by " + (", ".join(inst.static_names) or "tasks that do "
                                                 "not deploy")  # fmt: skip
        return f"{row.what} is held by {_who(row, old, new, names, '')}"
    if row.what == "distinctInstance":
        return f"already runs a task of {service} (distinctInstance)"
    if row.what.startswith("status "):
        return f"is {row.what.removeprefix('status ')} and takes no new tasks"
    return f"{row.what} keeps {service} off it"


def contrast(
    rows: Sequence[Row],
    old: Sequence[int],
    new: Sequence[int],
    s: int,
    names: Sequence[str],
    inst: Instance,
    passed: Row,
) -> str:
    """Why an instance other than the closest one keeps a new task of ``s`` off, for an
    instance that passes the requirement the closest one fails (``passed``, the closest's
    failing row): "has port 80 free but 256 CPU units left, taken by worker (a new api
    task needs 512)". ECS's event names the closest instance only; where the others fail
    for another reason, this says which, so no one fixes the port and meets the CPU."""
    service = names[s]
    broken = [
        r for code in REASON_ORDER for r in rows
        if r.reason == code and r.new[s] and r.load(old, new) + r.new[s] > r.limit
    ]  # fmt: skip
    said = " and ".join(failing_words(r, old, new, s, service, names, inst) for r in broken)
    return f"{_passes(passed, service)} but {said}"


def configuration_message(service: str) -> str:
    """ECS's event when the percent bounds allow neither a stop nor a start."""
    return (
        f"service {service} was unable to stop or start tasks during a deployment because "
        "of the service deployment configuration. Update the minimumHealthyPercent or "
        "maximumPercent value and try again."
    )


# ---------------------------------------------------------------- which instance ECS picks

#: A service with no placementStrategy: spread by zone, then by instance (ROLLOUT.md §8).
DEFAULT_STRATEGY: tuple[tuple[str, str | None], ...] = (
    ("spread", "attribute:ecs.availability-zone"),
    ("spread", "instanceId"),
)

Strategy = tuple[tuple[str, str | None], ...]


class Resources(Protocol):
    """(CPU units, MiB) per instance index, for binpack rules (computed on demand)."""

    def __getitem__(self, i: int, /) -> tuple[int, int]: ...


class Attributes(list):
    """Per instance, its attributes (a list of mappings), with each spread field's column
    of values computed once."""

    def column(self, field: str) -> list[object]:
        cache = self.__dict__.setdefault("_columns", {})
        if field not in cache:
            if field in ("instanceId", "host"):
                cache[field] = list(range(len(self)))
            else:
                name = field.removeprefix("attribute:")
                cache[field] = [a.get(name) for a in self]
        return cache[field]

    def codes(self, field: str) -> np.ndarray:
        """Per instance, its value of ``field`` as a small integer (equal values, equal
        codes; a missing attribute is a value of its own)."""
        cache = self.__dict__.setdefault("_codes", {})
        if field not in cache:
            seen: dict[object, int] = {}
            cache[field] = np.array(
                [seen.setdefault(v, len(seen)) for v in self.column(field)], dtype=np.int64
            )
        return cache[field]


def start_choices(
    strategy: Strategy | None,
    candidates: Sequence[int] | np.ndarray,
    here: Sequence[int] | np.ndarray,
    attrs: Sequence[Mapping[str, str]],
    left_after: Resources,
) -> list[int]:
    """The instances ECS may place one task of a service on (ROLLOUT.md §8).

    ``candidates`` are the instances where it fits and every constraint holds; ``here``
    the service's running tasks (old and new) per instance; ``left_after`` the (CPU units,
    MiB) an instance would have left after the task. Each rule keeps the best candidates:
    ``spread(F)`` the fewest tasks of the service sharing the candidate's value of F,
    ``binpack(R)`` the least of R left, ``random`` all. Those still tied are all choices.
    """
    rules = DEFAULT_STRATEGY if strategy is None else strategy
    return _keep_best(rules, candidates, here, attrs, left_after, min)


def stop_choices(
    strategy: Strategy | None,
    holders: Sequence[int] | np.ndarray,
    here: Sequence[int] | np.ndarray,
    attrs: Sequence[Mapping[str, str]],
    free_after: Resources,
) -> list[int]:
    """The instances ECS may stop one old task of a service on (ROLLOUT.md §8).

    ``holders`` run an old task of it. By the first strategy rule: ``spread(F)`` from the
    F-value with the most tasks of the service; ``binpack(R)`` where the instance keeps
    the most of R free after the stop (``free_after``); ``random`` any. No strategy: the
    zone with the most tasks of the service, then the instance with the most.
    """
    rules = DEFAULT_STRATEGY if strategy is None else strategy[:1]
    return _keep_best(rules, holders, here, attrs, free_after, max)


def _keep_best(rules, options, here, attrs, resources, best) -> list[int]:
    """Apply strategy ``rules`` in order, each keeping the options whose score is ``best``
    (min for a start, max for a stop): spread scores by the service's tasks on instances
    sharing the field's value, binpack by the resource (``resources[i]``: CPU units,
    MiB), random keeps all. Arrays throughout: one pass over the instances per rule."""
    out = np.asarray(options, dtype=np.int64)
    counts = np.asarray(here, dtype=np.int64)
    table = attrs if isinstance(attrs, Attributes) else Attributes(attrs)
    for kind, field in rules:
        if out.size <= 1:
            break
        if kind == "spread":
            if field in ("instanceId", "host"):
                key = counts[out]
            else:
                codes = table.codes(field)
                key = np.bincount(codes, weights=counts, minlength=int(codes.max()) + 1)[codes[out]]
        elif kind == "binpack":
            d = 0 if field == "cpu" else 1
            key = (
                resources.column(out, d)
                if hasattr(resources, "column")
                else np.array([resources[int(i)][d] for i in out])
            )
        else:
            continue
        out = out[key == (key.min() if best is min else key.max())]
    return out.tolist()


class ArrayLoads:
    """The rows of every instance as arrays, for runs that place thousands of tasks on
    hundreds of instances (every run and placement). Row ``k``
    has the same coefficients on every instance, only its limit differs (a row an
    instance does not have, a memberOf that admits it, has no limit there)."""

    def __init__(self, layout: Layout, old: Sequence[Sequence[int]] | np.ndarray, new) -> None:
        self.old_coef, self.new_coef, self.limit, self.resource, self._needs = layout
        n, S = self.limit.shape[0], self.old_coef.shape[1]
        # in floating point, where numpy multiplies matrices ten times faster than in
        # integers (2,800 instances × 320 services: 0.2 s a state); exact, as every load
        # is an integer far below 2**53
        counts = np.concatenate(
            [np.asarray(old, dtype=np.float64).reshape(n, S),
             np.asarray(new, dtype=np.float64).reshape(n, S)], axis=1,
        )  # fmt: skip
        coef = np.concatenate([self.old_coef, self.new_coef], axis=1).astype(np.float64)
        self.load = np.rint(counts @ coef.T).astype(np.int64)

    @classmethod
    def empty(cls, layout: Layout) -> ArrayLoads:
        """The rows of every instance with no task of a deploying service on it."""
        out = cls.__new__(cls)
        out.old_coef, out.new_coef, out.limit, out.resource, out._needs = layout
        out.load = np.zeros_like(out.limit)
        return out

    def fits(self, s: int) -> np.ndarray:
        """Per instance, whether one more new task of ``s`` fits there."""
        k = self._needs[s]
        return np.all(self.load[:, k] + self.new_coef[k, s] <= self.limit[:, k], axis=1)

    def fits_at(self, i: int, s: int) -> bool:
        """Whether one more new task of ``s`` fits on ``i`` (:meth:`fits`, one instance)."""
        k = self._needs[s]
        return bool(np.all(self.load[i, k] + self.new_coef[k, s] <= self.limit[i, k]))

    def how_many(self, i: int, s: int) -> int:
        """How many more new tasks of ``s`` fit on ``i`` (every row is linear in the task
        counts, so ``n`` fit where each row has ``n`` times the task's need left)."""
        k = self._needs[s]
        if not k.size:
            return int(np.iinfo(np.int64).max)
        return int(((self.limit[i, k] - self.load[i, k]) // self.new_coef[k, s]).min())

    def over(self, among: np.ndarray) -> np.ndarray:
        """Those of the instances ``among`` where some row is over its limit (the tasks
        there do not fit: :func:`holds` false), in order."""
        return among[np.any(self.load[among] > self.limit[among], axis=1)]

    def fits_old(self, i: int, s: int) -> bool:
        """Whether one more *old* task of ``s`` fits on ``i`` (a task already running
        there: memberOf rows, which load new tasks only, do not judge it)."""
        k = np.flatnonzero(self.old_coef[:, s])
        return bool(np.all(self.load[i, k] + self.old_coef[k, s] <= self.limit[i, k]))

    def change(self, i: int, s: int, new: bool, sign: int) -> None:
        """``sign`` (±n) tasks of ``s`` more on ``i``, new or old ones."""
        self.load[i] += sign * (self.new_coef if new else self.old_coef)[:, s]

    def room(self, among: np.ndarray) -> np.ndarray:
        """What is left of the four resources on the instances ``among`` (rows × 4)."""
        k = self.resource
        return self.limit[np.ix_(among, k)] - self.load[np.ix_(among, k)]

    def left(self, among: np.ndarray, d: int) -> np.ndarray:
        """What is left of resource ``d`` (0 CPU units, 1 MiB) on the instances ``among``."""
        k = self.resource[d]
        return self.limit[among, k] - self.load[among, k]

    def copy(self) -> ArrayLoads:  # noqa: D102
        out = ArrayLoads.__new__(ArrayLoads)
        out.__dict__.update(self.__dict__)
        out.load = self.load.copy()
        return out


class After:
    """(CPU units, MiB) left on instances after one more task (sign −1), or free after
    one fewer (sign +1), computed only where a binpack rule asks (:class:`Resources`)."""

    def __init__(self, loads: ArrayLoads, cpu: int, memory: int, sign: int) -> None:
        self.loads, self.need, self.sign = loads, (cpu, memory), sign

    def column(self, among: np.ndarray, d: int) -> np.ndarray:
        return self.loads.left(among, d) + self.sign * self.need[d]

    def __getitem__(self, i: int) -> tuple[int, int]:
        cpu, mem = (int(self.column(np.array([i]), d)[0]) for d in (0, 1))
        return cpu, mem


Layout = tuple  # (old coefficients, new coefficients, limits, resource rows, needed rows)


def layout(rows: Sequence[Sequence[Row]]) -> Layout:
    """The rows of a problem's instances as arrays (:class:`ArrayLoads`): coefficients
    (rows × services), limits (instances × rows), the four resource rows, and the rows
    each service's new task needs."""
    keys: dict[tuple, int] = {}
    for rs in rows:
        for r in rs:
            keys.setdefault((r.what, r.reason, r.old, r.new), len(keys))
    n, R = len(rows), len(keys)
    S = len(rows[0][0].old) if n and rows[0] else 0
    old_coef = np.zeros((R, S), dtype=np.int64)
    new_coef = np.zeros((R, S), dtype=np.int64)
    limit = np.full((n, R), np.iinfo(np.int64).max // 4, dtype=np.int64)
    for (_what, _reason, o, nw), k in keys.items():
        old_coef[k] = o
        new_coef[k] = nw
    for i, rs in enumerate(rows):
        for r in rs:
            limit[i, keys[(r.what, r.reason, r.old, r.new)]] = r.limit
    resource = [keys[(r.what, r.reason, r.old, r.new)] for r in rows[0][:4]] if n else []
    needs = [np.flatnonzero(new_coef[:, s]) for s in range(S)]
    return old_coef, new_coef, limit, resource, needs
