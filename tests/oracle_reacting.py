"""An exhaustive search over the cluster that reacts (ROLLOUT.md §10), written from
ROLLOUT.md alone: the oracle of the reacting agreement tests.

It shares no rule with the package and imports nothing from it: a case is plain data
(:class:`Case`), and everything else is derived here from the spec's text, as
tests/oracle.py does for the fixed fleet:

- §2: ``lower = ceil(desired × minimumHealthyPercent / 100)``, ``upper = floor(desired ×
  maximumPercent / 100)``; §6: an all-at-once strategy starts the green set beside the
  blue one (bounds ``desired`` and ``2 × desired``) and stops the blue set once the green
  set is whole;
- §3: a wave stops old tasks (keeping ``old + new ≥ lower``), then starts new ones
  (keeping ``old + new ≤ upper`` and ``new ≤ desired``), each where it fits: CPU, memory,
  a fixed host port once per instance, distinctInstance (one task of the service per
  instance, old and new alike); complete when every service has 0 old and ``desired`` new;
- §4: general rules (any stop the lower bound allows, any starts that fit) and ECS rules
  (stop exactly the most allowed, start a maximal set); the three verdicts;
- §5: the reason codes of a dead state, by the closest instance (one failing only a
  constraint; else the fewest failures; ties: the first);
- §10, as the lead reads it where §10 leaves a choice:

  * a service with a capacity provider strategy places only on its provider's instances
    (running and launched); one without (launch type EC2) on any instance, and never makes
    a group grow. The generator gives a service at most one provider, so the sharing of
    PROVISIONING tasks among several providers (base, then weight) is not modelled;
  * after a wave's starts, per group with managed scaling ENABLED: the PROVISIONING tasks
    are, per service using the group, its start quota left (``min(upper − old − new,
    desired − new)``); those that fit an empty instance of the group's smallest type
    (fewest CPU units, then MiB, then the first listed) are packed first fit onto empty
    instances of that type (``E`` of them); tasks too big for it are left out. If
    ``E > 0``: ``M`` = the group's instances running a task after the wave ``+ E``, and
    the group grows to ``ceil(M × 100 / targetCapacity)`` when that is more than it has
    (``N``): by ``want − N`` clamped to ``[minimumScalingStepSize,
    maximumScalingStepSize]`` and to ``maxSize − N``. New instances are empty, of the
    smallest type, take tasks from the next wave on; no scale-in;
  * a dead state: not complete, nothing may stop, nothing can start, and the scale-out
    after an empty wave adds nothing;
  * how it ends (CONTRACT.md's ``outcome.kind``): safe → ``completes`` when no run by ECS
    rules adds an instance, ``completes-after-scale-out`` when every completing run adds
    one (by ECS rules and any other); at-risk and hangs → what happens at the dead states
    runs by ECS rules reach: ``rolls-back`` when every unfinished service there has the
    breaker on or starts its green set whole (a native blue/green that fails after 24 h,
    keeping blue), else ``stuck``. The breaker gives up after its threshold of failed
    placements (default ``ceil(50 % × desired)`` within 3–200; ``COUNT``: the value;
    ``BOUNDED_PERCENT``: the percent of desired within 3–200; ``UNBOUNDED_PERCENT``: that
    percent, at least 1); with ``rollback`` the rollback is solved as a rollout from the
    dead state: the old revision as the new one, the same bounds, the old-revision tasks
    still running counted as its new ones; services that do not roll back stay as static
    load.

Where the runs disagree (some dead states stuck and some rolling back; a safe case some of
whose runs scale out and some not) :attr:`Answer.kinds` holds every kind the verdict
allows. The cost grows exponentially: ≤ 4 running and ≤ 3 launchable instances, ≤ 2
services, ≤ 4 tasks each.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from fractions import Fraction
from itertools import product

REASONS = ("cpu", "memory", "port", "placement-constraint")  # §5's table, in order
KINDS = ("completes", "completes-after-scale-out", "rolls-back", "fails", "stuck")

# ---------------------------------------------------------------- a case, as plain data


@dataclass(frozen=True)
class Type:
    """An instance type: CPU units and MiB as ECS registers them."""

    name: str
    cpu: int
    mem: int


@dataclass(frozen=True)
class Row:
    """Running instances of one type (one instance group of the scenario); ``provider``:
    the capacity provider whose Auto Scaling group they belong to, None for plain ones."""

    type: Type
    count: int
    provider: str | None = None


@dataclass(frozen=True)
class Provider:
    """A capacity provider and its group: the types it launches, zones, sizes, scaling."""

    name: str
    types: tuple[Type, ...]
    max_size: int
    zones: tuple[str, ...] = ("za", "zb")
    target: int = 100
    min_step: int = 1
    max_step: int = 10_000
    enabled: bool = True

    @property
    def smallest(self) -> Type:
        return min(self.types, key=lambda t: (t.cpu, t.mem))  # ties: the first listed


@dataclass(frozen=True)
class Breaker:
    """The deployment circuit breaker; ``kind``/``value``: its thresholdConfiguration."""

    enable: bool = True
    rollback: bool = False
    kind: str | None = None
    value: float | None = None

    def threshold(self, desired: int) -> int:
        if self.kind == "COUNT":
            return int(self.value or 0)
        percent = Fraction(50) if self.kind is None else Fraction(str(self.value))
        share = math.ceil(desired * percent / 100)
        if self.kind == "UNBOUNDED_PERCENT":
            return max(1, share)
        return min(200, max(3, share))


@dataclass(frozen=True)
class Svc:
    """A deploying service. ``old``/``new``: (CPU units, MiB) per task of each revision;
    ``placement``: old tasks per running instance (rows in order, each expanded);
    ``provider``: its strategy's one capacity provider, None for launch type EC2."""

    name: str
    desired: int
    old: tuple[int, int]
    new: tuple[int, int]
    placement: tuple[int, ...]
    port: int | None = None
    distinct: bool = False
    min_percent: int = 100
    max_percent: int = 200
    all_at_once: bool = False
    provider: str | None = None
    breaker: Breaker | None = None

    @property
    def bounds(self) -> tuple[int, int]:
        if self.all_at_once:
            return self.desired, 2 * self.desired
        lower = -(-self.desired * self.min_percent // 100)
        return lower, self.desired * self.max_percent // 100


@dataclass(frozen=True)
class Case:
    name: str
    rows: tuple[Row, ...]
    providers: tuple[Provider, ...]
    services: tuple[Svc, ...]


# ---------------------------------------------------------------- the world searched


@dataclass(frozen=True)
class Task:
    cpu: int
    mem: int
    port: int | None


@dataclass(frozen=True)
class Deploying:
    name: str
    desired: int
    lower: int
    upper: int
    old: Task
    new: Task
    distinct: bool
    whole: bool
    pool: int | None  # index into World.pools; None: any instance
    breaker: Breaker | None


@dataclass(frozen=True)
class Pool:
    """A provider's group: ``members`` are its running instances, then its launchable ones
    (indices into the world's instances), launched in that order."""

    name: str
    smallest: Type
    max_size: int
    target: int
    min_step: int
    max_step: int
    enabled: bool
    running: tuple[int, ...]
    launchable: tuple[int, ...]


# launched per pool, and per instance per service (old, new)
State = tuple[tuple[int, ...], tuple[tuple[tuple[int, int], ...], ...]]


@dataclass
class World:
    cap: list[tuple[int, int]]
    pool_of: list[int | None]
    zone: list[str | None]
    pools: list[Pool]
    services: list[Deploying]
    static: list[tuple[Task, ...]]  # tasks that stay where they run (not deploying)
    start: State

    @property
    def n(self) -> int:
        return len(self.cap)


def build(case: Case) -> World:
    """The case as the search sees it: running instances in row order, then each group's
    launchable instances (``maxSize`` − running), zones continuing the group's rotation."""
    cap: list[tuple[int, int]] = []
    pool_of: list[int | None] = []
    zone: list[str | None] = []
    names = [p.name for p in case.providers]
    running: list[list[int]] = [[] for _ in names]
    for row in case.rows:
        g = None if row.provider is None else names.index(row.provider)
        for k in range(row.count):
            if g is not None:
                zs = case.providers[g].zones
                zone.append(zs[k % len(zs)] if zs else None)  # as a group's rotation
                running[g].append(len(cap))
            else:
                zone.append(None)
            cap.append((row.type.cpu, row.type.mem))
            pool_of.append(g)
    pools = []
    for g, p in enumerate(case.providers):
        launchable = []
        for k in range(p.max_size - len(running[g])):
            launchable.append(len(cap))
            cap.append((p.smallest.cpu, p.smallest.mem))
            pool_of.append(g)
            at = len(running[g]) + k
            zone.append(p.zones[at % len(p.zones)] if p.zones else None)
        pools.append(
            Pool(
                p.name,
                p.smallest,
                p.max_size,
                p.target,
                p.min_step,
                p.max_step,
                p.enabled,
                tuple(running[g]),
                tuple(launchable),
            )
        )
    services = []
    columns = []
    for svc in case.services:
        lower, upper = svc.bounds
        services.append(
            Deploying(
                svc.name,
                svc.desired,
                lower,
                upper,
                Task(*svc.old, svc.port),
                Task(*svc.new, svc.port),
                svc.distinct,
                svc.all_at_once,
                None if svc.provider is None else names.index(svc.provider),
                svc.breaker,
            )
        )
        olds = list(svc.placement) + [0] * (len(cap) - len(svc.placement))
        columns.append([(o, 0) for o in olds])
    cols = tuple(tuple(columns[s][i] for s in range(len(services))) for i in range(len(cap)))
    static: list[tuple[Task, ...]] = [() for _ in cap]
    return World(cap, pool_of, zone, pools, services, static, ((0,) * len(pools), cols))


# ---------------------------------------------------------------- what a search answers


@dataclass
class Answer:
    """What the oracle says about one case (or one rollback)."""

    verdict: str
    kinds: frozenset[str]
    #: safe: the instances runs by ECS rules add, least and most
    added: tuple[int, int] | None = None
    #: safe: the waves runs by ECS rules take, fewest and most
    waves: tuple[int, int] | None = None
    #: safe and at-risk: the least any completing run adds
    added_any: int | None = None
    #: at-risk and hangs: a dead state runs by ECS rules reach (the first found, fewest
    #: waves), the waves to it, and per unfinished service the reason
    dead: State | None = None
    dead_wave: int | None = None
    reasons: dict[str, str] = field(default_factory=dict)
    #: per unfinished service with the breaker on: its threshold (failed placements)
    failed_placements: dict[str, int] = field(default_factory=dict)
    #: the rollback's verdict from the witness dead state (None: nothing rolls back), and
    #: the verdicts over every dead state
    rollback: str | None = None
    rollbacks: frozenset[str] = frozenset()

    @property
    def kind(self) -> str | None:
        """The outcome kind, when every run agrees on it."""
        return next(iter(self.kinds)) if len(self.kinds) == 1 else None


class Reacting:
    """The state graph of one world under both rule sets, with scale-out."""

    def __init__(self, world: World) -> None:
        self.w = world
        S = range(len(world.services))
        self.usable = [
            [world.services[s].pool in (None, world.pool_of[i]) for i in range(world.n)] for s in S
        ]
        self._fits: dict[tuple, bool] = {}
        # instances with the same type, group and static load are interchangeable
        self._classes: dict[tuple, list[int]] = {}
        for i in range(world.n):
            key = (world.cap[i], world.pool_of[i], world.static[i])
            self._classes.setdefault(key, []).append(i)

    # ---------------------------------------------------------------- one instance

    def is_open(self, state: State, i: int) -> bool:
        g = self.w.pool_of[i]
        if g is None:
            return True
        pool = self.w.pools[g]
        return i in pool.running or i in pool.launchable[: state[0][g]]

    def tasks_on(self, col: tuple[tuple[int, int], ...], i: int) -> list[Task]:
        out = list(self.w.static[i])
        for s, (old, new) in enumerate(col):
            out += [self.w.services[s].old] * old + [self.w.services[s].new] * new
        return out

    def fits(self, col: tuple[tuple[int, int], ...], i: int) -> bool:
        key = (i, col)
        if key not in self._fits:
            tasks = self.tasks_on(col, i)
            cpu, mem = self.w.cap[i]
            ports = [t.port for t in tasks if t.port is not None]
            self._fits[key] = (
                sum(t.cpu for t in tasks) <= cpu
                and sum(t.mem for t in tasks) <= mem
                and len(ports) == len(set(ports))
                and all(
                    o + n <= 1 for (o, n), svc in zip(col, self.w.services, strict=True)
                    if svc.distinct
                )
            )  # fmt: skip
        return self._fits[key]

    def fails(self, state: State, i: int, s: int) -> list[str]:
        """The requirements one more new task of ``s`` fails on ``i`` (§5's codes)."""
        svc = self.w.services[s]
        col = state[1][i]
        tasks = self.tasks_on(col, i)
        out = []
        if sum(t.cpu for t in tasks) + svc.new.cpu > self.w.cap[i][0]:
            out.append("cpu")
        if sum(t.mem for t in tasks) + svc.new.mem > self.w.cap[i][1]:
            out.append("memory")
        if svc.new.port is not None and svc.new.port in {t.port for t in tasks}:
            out.append("port")
        if svc.distinct and sum(col[s]) >= 1:
            out.append("placement-constraint")
        return out

    # ---------------------------------------------------------------- counts and bounds

    def totals(self, state: State, s: int) -> tuple[int, int]:
        return sum(c[s][0] for c in state[1]), sum(c[s][1] for c in state[1])

    def may_stop(self, state: State, s: int) -> int:
        svc = self.w.services[s]
        old, new = self.totals(state, s)
        if svc.whole:  # §6: the blue set stops once the green set is whole
            return old if new >= svc.desired else 0
        return max(0, min(old, old + new - svc.lower))

    def room(self, state: State, s: int) -> int:
        svc = self.w.services[s]
        old, new = self.totals(state, s)
        return max(0, min(svc.upper - old - new, svc.desired - new))

    def complete(self, state: State) -> bool:
        return all(
            self.totals(state, s) == (0, svc.desired) for s, svc in enumerate(self.w.services)
        )

    def unfinished(self, state: State) -> list[int]:
        return [
            s for s, svc in enumerate(self.w.services) if self.totals(state, s) != (0, svc.desired)
        ]

    def _add(self, col, s: int, d_old: int, d_new: int):
        o, n = col[s]
        return col[:s] + ((o + d_old, n + d_new),) + col[s + 1 :]

    def can_start(self, state: State, s: int) -> bool:
        return self.room(state, s) > 0 and any(
            self.usable[s][i]
            and self.is_open(state, i)
            and self.fits(self._add(state[1][i], s, 0, 1), i)
            for i in range(self.w.n)
        )

    def size(self, state: State, g: int) -> int:
        """N: the group's instances now (running and launched)."""
        return len(self.w.pools[g].running) + state[0][g]

    # ---------------------------------------------------------------- scale-out (§10)

    def provisioning_bins(self, state: State, g: int) -> int:
        """E: the empty instances of the smallest type the PROVISIONING tasks need,
        packed first fit (services in order, each task in turn); tasks too big for the
        type are left out."""
        small = self.w.pools[g].smallest
        bins: list[list] = []  # cpu, mem, ports, services
        for s, svc in enumerate(self.w.services):
            if svc.pool != g:
                continue
            t = svc.new
            if t.cpu > small.cpu or t.mem > small.mem:
                continue
            for _ in range(self.room(state, s)):
                for b in bins:
                    if (
                        b[0] + t.cpu <= small.cpu
                        and b[1] + t.mem <= small.mem
                        and (t.port is None or t.port not in b[2])
                        and not (svc.distinct and s in b[3])
                    ):
                        break
                else:
                    b = [0, 0, set(), set()]
                    bins.append(b)
                b[0] += t.cpu
                b[1] += t.mem
                if t.port is not None:
                    b[2].add(t.port)
                b[3].add(s)
        return len(bins)

    def growth(self, state: State, g: int) -> int:
        pool = self.w.pools[g]
        if not pool.enabled:
            return 0
        empty_needed = self.provisioning_bins(state, g)
        if not empty_needed:
            return 0
        members = (*pool.running, *pool.launchable[: state[0][g]])
        busy = sum(1 for i in members if self.tasks_on(state[1][i], i))
        want = math.ceil((busy + empty_needed) * 100 / pool.target)
        n = self.size(state, g)
        if want <= n:
            return 0
        return max(0, min(max(want - n, pool.min_step), pool.max_step, pool.max_size - n))

    def scale_out(self, state: State) -> State:
        launched = tuple(state[0][g] + self.growth(state, g) for g in range(len(self.w.pools)))
        return (launched, state[1])

    # ---------------------------------------------------------------- waves

    def canonical(self, state: State) -> State:
        cols = list(state[1])
        for members in self._classes.values():
            here = [i for i in members if self.is_open(state, i)]
            for i, col in zip(here, sorted((cols[i] for i in here), reverse=True), strict=True):
                cols[i] = col
        return (state[0], tuple(cols))

    def stops(self, state: State, ecs: bool) -> Iterator[State]:
        """Every state after a stop step: any allowed number, or exactly the most (ECS)."""
        S, n = len(self.w.services), self.w.n
        choices = []
        for s in range(S):
            most = self.may_stop(state, s)
            olds = [state[1][i][s][0] for i in range(n)]
            choices.append(
                [
                    v
                    for v in product(*(range(o + 1) for o in olds))
                    if (sum(v) == most if ecs else sum(v) <= most)
                ]
            )
        for pick in product(*choices):
            cols = list(state[1])
            for s, vec in enumerate(pick):
                for i, k in enumerate(vec):
                    if k:
                        cols[i] = self._add(cols[i], s, -k, 0)
            yield (state[0], tuple(cols))

    def starts(self, mid: State, ecs: bool) -> Iterator[State]:
        """Every state after a start step: any set that fits on open instances the
        service may use, or only maximal ones (ECS)."""
        S = len(self.w.services)
        room = [self.room(mid, s) for s in range(S)]
        cells = [
            (i, s)
            for i in range(self.w.n)
            for s in range(S)
            if room[s] and self.usable[s][i] and self.is_open(mid, i)
        ]

        def go(k: int, cols: tuple, left: list[int]) -> Iterator[State]:
            if k == len(cells):
                state = (mid[0], cols)
                if not (ecs and any(self.can_start(state, s) for s in range(S))):
                    yield state
                return
            i, s = cells[k]
            col = cols[i]
            for add in range(left[s] + 1):
                if add:
                    col = self._add(col, s, 0, 1)
                    if not self.fits(col, i):
                        break  # more tasks never fit better
                left[s] -= add
                yield from go(k + 1, cols[:i] + (col,) + cols[i + 1 :], left)
                left[s] += add

        yield from go(0, mid[1], room)

    def next_states(self, state: State, ecs: bool) -> set[State]:
        """Every state one wave (stops, starts, scale-out) leads to, itself left out."""
        out = {
            self.canonical(self.scale_out(after))
            for mid in self.stops(state, ecs)
            for after in self.starts(mid, ecs)
        }
        return out - {state}

    def dead(self, state: State) -> bool:
        S = range(len(self.w.services))
        return (
            not self.complete(state)
            and not any(self.may_stop(state, s) for s in S)
            and not any(self.can_start(state, s) for s in S)
            and self.scale_out(state) == state
        )

    # ---------------------------------------------------------------- searches

    def ecs_runs(self) -> dict[State, set[State]]:
        """Every state runs by ECS rules reach, with the states one wave leads to (a
        graph without cycles: every wave stops, starts or launches something)."""
        start = self.canonical(self.w.start)
        graph: dict[State, set[State]] = {}
        todo = [start]
        while todo:
            st = todo.pop()
            if st not in graph:
                graph[st] = self.next_states(st, ecs=True)
                todo += graph[st]
        return graph

    def waves(self, graph: dict[State, set[State]]) -> dict[State, tuple[int, int]]:
        """Per state of ``graph``, the fewest and most waves from the start to it."""
        order: list[State] = []
        mark: set[State] = set()

        def visit(st: State) -> None:  # depth first, then reversed: a topological order
            mark.add(st)
            for nxt in graph[st]:
                if nxt not in mark:
                    visit(nxt)
            order.append(st)

        start = self.canonical(self.w.start)
        visit(start)
        span = {start: (0, 0)}
        for st in reversed(order):
            lo, hi = span[st]
            for nxt in graph[st]:
                a, b = span.get(nxt, (lo + 1, hi + 1))
                span[nxt] = (min(a, lo + 1), max(b, hi + 1))
        return span

    def least_added(self, most: int | None = None) -> int | None:
        """The fewest instances a completing run by general rules adds (None: no run
        completes); with ``most``, runs that add more are not followed."""
        start = self.canonical(self.w.start)
        base = sum(start[0])
        heap = [(0, start)]
        seen = {start}
        while heap:
            added, st = heapq.heappop(heap)
            if self.complete(st):
                return added
            for nxt in self.next_states(st, ecs=False):
                cost = sum(nxt[0]) - base
                if nxt not in seen and (most is None or cost <= most):
                    seen.add(nxt)
                    heapq.heappush(heap, (cost, nxt))
        return None

    # ---------------------------------------------------------------- a dead state

    def reasons(self, state: State) -> dict[str, str]:
        """Per unfinished service of a dead state: §5's reason, or §10's: ``max-size``
        (its group cannot grow), ``too-big-for-smallest-type`` (no empty instance of the
        smallest type takes the task, so ECS leaves it out of its estimate)."""
        out: dict[str, str] = {}
        for s in self.unfinished(state):
            svc = self.w.services[s]
            out[svc.name] = self._reason(state, s, svc)
        return out

    def _reason(self, state: State, s: int, svc: Deploying) -> str:
        if self.room(state, s) == 0:
            return "deployment-configuration"
        if svc.pool is not None and self.w.pools[svc.pool].enabled:
            small = self.w.pools[svc.pool].smallest
            if svc.new.cpu > small.cpu or svc.new.mem > small.mem:
                return "too-big-for-smallest-type"
            if self.size(state, svc.pool) >= self.w.pools[svc.pool].max_size:
                return "max-size"
        taking = [i for i in range(self.w.n) if self.usable[s][i] and self.is_open(state, i)]
        if not taking:
            return "max-size"
        i = min(taking, key=lambda j: (
            any(f != "placement-constraint" for f in self.fails(state, j, s)),
            len(self.fails(state, j, s)), j))  # fmt: skip
        return next(r for r in REASONS if r in self.fails(state, i, s))

    def ending(self, state: State) -> str:
        """How a dead state ends, per unfinished service: it keeps its blue set (all at
        once: ``rolls-back``); the breaker gives up (``rolls-back``, or ``fails`` without
        rollback), which needs failed placements: none fail where the bounds allow no
        start (deployment-configuration); else ``stuck``. The first of stuck, rolls-back,
        fails that any service shows."""
        kinds = set()
        for s in self.unfinished(state):
            svc = self.w.services[s]
            if svc.whole:
                kinds.add("rolls-back")
            elif svc.breaker is not None and svc.breaker.enable and self.room(state, s) > 0:
                kinds.add("rolls-back" if svc.breaker.rollback else "fails")
            else:
                kinds.add("stuck")
        return next(k for k in ("stuck", "rolls-back", "fails") if k in kinds)

    def rollback_world(self, state: State) -> World | None:
        """The rollback from a dead state as a rollout of its own (None: nothing rolls
        back): each unfinished service that rolls back (breaker with rollback, or all at
        once) deploys its old revision, its old-revision tasks counted as already new;
        every other service stays where it runs, as static load."""
        w = self.w
        back = [
            s
            for s in self.unfinished(state)
            if w.services[s].whole
            or (w.services[s].breaker is not None and w.services[s].breaker.rollback)
        ]
        if not back:
            return None
        static = [
            w.static[i]
            + tuple(
                t
                for s in range(len(w.services))
                if s not in back
                for t in [w.services[s].old] * state[1][i][s][0]
                + [w.services[s].new] * state[1][i][s][1]
            )
            for i in range(w.n)
        ]
        services = [
            replace(w.services[s], old=w.services[s].new, new=w.services[s].old, breaker=None)
            for s in back
        ]
        cols = tuple(tuple(state[1][i][s][::-1] for s in back) for i in range(w.n))
        return World(w.cap, w.pool_of, w.zone, w.pools, services, static, (state[0], cols))


def solve_world(world: World, nested: bool = False) -> Answer:
    """§4's verdict over runs with scale-out, and §10's outcome."""
    r = Reacting(world)
    graph = r.ecs_runs()
    span = r.waves(graph)
    dead = sorted((span[st][0], st) for st in graph if r.dead(st))
    if not dead:
        base = sum(world.start[0])
        ends = [st for st in graph if r.complete(st)]
        added = (min(sum(st[0]) for st in ends) - base, max(sum(st[0]) for st in ends) - base)
        waves = (min(span[st][0] for st in ends), max(span[st][1] for st in ends))
        least = r.least_added(most=added[0])
        if added[1] == 0:
            kinds = {"completes"}
        elif added[0] > 0 and least is not None and least > 0:
            kinds = {"completes-after-scale-out"}
        else:
            kinds = {"completes", "completes-after-scale-out"}
        return Answer("safe", frozenset(kinds), added=added, waves=waves, added_any=least)
    least = r.least_added()
    verdict = "hangs" if least is None else "at-risk"
    wave, witness = dead[0]
    answer = Answer(
        verdict,
        frozenset(r.ending(st) for _, st in dead),
        added_any=least,
        dead=witness,
        dead_wave=wave,
        reasons=r.reasons(witness),
    )
    for s in r.unfinished(witness):
        svc = world.services[s]
        if svc.breaker is not None and svc.breaker.enable:
            answer.failed_placements[svc.name] = svc.breaker.threshold(svc.desired)
    if not nested:
        verdicts = []
        for _, st in dead:
            back = r.rollback_world(st)
            verdicts.append(None if back is None else solve_world(back, nested=True).verdict)
        answer.rollback = verdicts[0]
        answer.rollbacks = frozenset(v for v in verdicts if v is not None)
    return answer


def solve(case: Case) -> Answer:
    return solve_world(build(case))
