"""An exhaustive search written from ROLLOUT.md alone: the oracle of the agreement tests.

It shares no rule with the package. It reads a :class:`planner.model.scenario.Scenario` as plain
data (the fields a user wrote, already parsed) and derives everything else itself, from the
spec's text:

- §2: registered CPU and memory less the agent's reservations; bounds
  ``ceil(desired × minimumHealthyPercent / 100)`` and ``floor(desired × maximumPercent /
  100)``; reserved ports; the dynamic port range; one ENI per awsvpc task, the primary ENI
  serving the instance (trunking: the trunk's ENIs);
- §3: the old tasks placed as given, or in file order one at a time on the instance with the
  fewest tasks of the service where the task fits (ties: the first); non-deploying services
  are static load; a wave stops (keeping ``old + new ≥ lower``), then starts (keeping
  ``old + new ≤ upper`` and ``new ≤ desired``), each start on an instance where it fits
  (CPU, memory, fixed host ports once per instance and never a reserved one, dynamic ports,
  ENIs, distinctInstance); complete when every deploying service has 0 old and all new;
- §4: general rules (any such wave) and ECS rules (stop exactly the most allowed, start a
  maximal set); dead states; the three verdicts;
- §5: the reason codes of a dead state, the closest instance (one failing only a
  placement constraint, as ECS filters by resources and ports first; else failing the
  fewest requirements; ties: the first), named by the first failure in the table's order;
- §6: all-at-once strategies start the whole green set beside the blue one (peak 2 ×
  desired) and stop the blue set once the green one runs; a DAEMON service runs one task
  per instance;
- §8: instances carry attributes (type, zone round-robin over a group's zones,
  architecture, ``linux``, custom ones, the instance id); ``memberOf`` binds every
  placement (old tasks placed by the rule and new tasks alike; tasks given in ``placement``
  run where they are), with reason ``placement-constraint``. Its expressions are read by a
  small evaluator of its own (:func:`member`), for the subset the tests generate.
- §9: a snapshot taken mid-deployment starts from old and new tasks where they run
  (``placement`` and ``newPlacement``); new tasks already running count as healthy.
- §10: a DRAINING instance, or one whose agent is disconnected, takes no new task (its
  new tasks stay). Draining: a service deploying no new revision has the tasks on draining
  instances as old and the others as new (replaced within its percent bounds, even if its
  strategy is blue/green); a DAEMON service wants one task per instance not draining. The
  closest instance of §5 is one that takes tasks, unless none does.

A state is, per deploying service (file order), per instance, the pair (old, new). Moves
are named by service name, so plans from the package are checked by what they say, not by
its indices. The cost grows exponentially: a few instances and a few tasks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import product

from planner.model.scenario import Scenario

ALL_AT_ONCE = ("BLUE_GREEN", "LINEAR", "CANARY")
REASONS = ("cpu", "memory", "port", "eni", "placement-constraint")  # §5's table, in order

Pairs = tuple[tuple[tuple[int, int], ...], ...]  # state[s][i] = (old, new)


@dataclass(frozen=True)
class Need:
    """What one task takes: CPU units, MiB, ENIs, dynamic ports, fixed host ports."""

    cpu: int
    mem: int
    eni: int
    dyn: int
    ports: tuple[int, ...]


def _need(td) -> Need:
    awsvpc = td.network_mode == "awsvpc"
    return Need(td.cpu, td.memory, 1 if awsvpc else 0, td.dynamic_ports, tuple(td.host_ports))


def _tokens(text: str) -> list[str]:
    return re.findall(r"\(|\)|\[|\]|,|!?exists|!in|==|!=|=~|!~|'[^']*'|[^\s()\[\],]+", text)


def member(expression: str, attrs: dict[str, str]) -> bool:
    """Whether an instance with ``attrs`` qualifies: ECS's cluster query language, the
    subset of its developer guide that the tests use (``attribute:NAME`` or
    ``ec2InstanceId``; ``== != =~ !~ in !in exists !exists``; ``and or not`` and
    parentheses; ``and`` binds tighter than ``or``)."""
    toks = _tokens(expression)
    pos = 0

    def peek():
        return toks[pos] if pos < len(toks) else None

    def take():
        nonlocal pos
        pos += 1
        return toks[pos - 1]

    def disjunction():
        value = conjunction()
        while peek() == "or":
            take()
            value = conjunction() or value
        return value

    def conjunction():
        value = negation()
        while peek() == "and":
            take()
            value = negation() and value
        return value

    def negation():
        if peek() == "not":
            take()
            return not negation()
        if peek() == "(":
            take()
            value = disjunction()
            assert take() == ")"
            return value
        return test()

    def test():
        subject, op = take(), take()
        have = attrs.get(subject.removeprefix("attribute:"))
        if op in ("exists", "!exists"):
            return (have is not None) == (op == "exists")
        if op in ("in", "!in"):
            assert take() == "["
            values = []
            while peek() != "]":
                tok = take()
                if tok != ",":
                    values.append(tok.strip("'"))
            take()
            return (have in values) == (op == "in")
        arg = take().strip("'")
        if op in ("==", "!="):
            return (have == arg) == (op == "==")
        matched = have is not None and re.fullmatch(arg, have) is not None
        return matched == (op == "=~")

    result = disjunction()
    assert pos == len(toks), f"unread: {toks[pos:]}"
    return result


@dataclass(frozen=True)
class Deploying:
    name: str
    desired: int
    lower: int
    upper: int
    old: Need
    new: Need
    one_per_instance: bool
    whole_green: bool
    strategy: tuple | None = None


@dataclass
class Model:
    """The scenario, read as §2–§6 say."""

    cap: list[tuple[int, int, int, int]]  # cpu, mem, eni, dynamic ports, per instance
    admits: list[list[bool]]  # [s][i]: memberOf lets new tasks of deploying s onto i
    attrs: list[dict[str, str]]  # per instance, what memberOf and spread fields see
    reserved: frozenset[int]
    static: list[list[Need]]  # tasks of non-deploying services, per instance
    services: list[Deploying]
    start: Pairs
    closed: list[bool]  # per instance: takes no new task (DRAINING, agent disconnected)

    @property
    def n(self) -> int:
        return len(self.cap)


def _ceil_div(a: int, b: int) -> int:
    q, r = divmod(a, b)
    return q + (r > 0)


def read(scenario: Scenario) -> Model:
    agent = scenario.agent
    lo, hi = agent.dynamic_port_range
    dyn = len([p for p in range(lo, hi + 1) if p not in set(agent.reserved_ports)])
    cap = []
    attrs: list[dict[str, str]] = []
    closed: list[bool] = []
    draining: list[bool] = []
    for g in scenario.instance_groups:
        enis = (g.enis - 1) if g.enis else 0  # the primary ENI serves the instance
        if agent.awsvpc_trunking and g.trunk_enis is not None:
            enis = g.trunk_enis
        for k in range(g.count):
            cap.append((g.cpu - agent.reserved_cpu, g.memory - agent.reserved_memory, enis, dyn))
            a = {"ecs.os-type": "linux", **dict(g.attributes)}
            if g.type:
                a["ecs.instance-type"] = g.type
            if g.zones:
                a["ecs.availability-zone"] = g.zones[k % len(g.zones)]
            if g.arch:
                a["ecs.cpu-architecture"] = g.arch
            if g.instance_ids:
                a["ec2InstanceId"] = g.instance_ids[k]
            attrs.append(a)
            draining.append(g.status == "DRAINING")
            closed.append(g.status == "DRAINING" or not g.agent_connected)
    n = len(cap)
    reserved = frozenset(agent.reserved_ports)

    # §3: place the running tasks, services in file order, tasks one at a time
    placed: list[list[Need]] = [[] for _ in range(n)]
    static: list[list[Need]] = [[] for _ in range(n)]
    services: list[Deploying] = []
    columns: list[list[int]] = []
    admitted: list[list[bool]] = []
    for svc in scenario.services:
        daemon = svc.scheduling_strategy == "DAEMON"
        desired = n if daemon else svc.desired_count
        one = daemon or svc.distinct_instance
        old = _need(svc.task_definition)
        # memberOf: the service's and the task definition's, old tasks by the old one's
        rules_old = svc.member_of + svc.task_definition.member_of
        rules_new = svc.member_of + svc.new_task_definition.member_of
        admits_old = [all(member(e, attrs[i]) for e in rules_old) for i in range(n)]
        admits = [all(member(e, attrs[i]) for e in rules_new) for i in range(n)]
        here = [0] * n
        for t in range(desired if svc.placement is None else sum(svc.placement)):
            if svc.placement is not None:
                i = next(j for j in range(n) if here[j] < svc.placement[j])
                assert _holds(cap[i], reserved, [*placed[i], old], [here[i] + 1], [one])
            else:
                ok = [
                    j
                    for j in range(n)
                    if admits_old[j]
                    and _holds(cap[j], reserved, [*placed[j], old], [here[j] + 1], [one])
                ]
                assert ok, f"{svc.name}'s task {t} does not fit: an invalid scenario"
                i = _pick(svc.placement_strategy, ok, here, attrs, cap, placed, old)
            placed[i].append(old)
            here[i] += 1
        if not svc.deploy:
            for i in range(n):
                static[i] += [old] * here[i]
            continue
        whole = svc.strategy in ALL_AT_ONCE or svc.deployment_controller == "CODE_DEPLOY"
        running_new = [0] * n
        if svc.new_placement is not None:
            running_new = list(svc.new_placement)
        elif any(draining) and svc.new_task_definition == svc.task_definition:
            running_new = [0 if draining[i] else here[i] for i in range(n)]
            here = [here[i] if draining[i] else 0 for i in range(n)]
            whole = False
        if daemon:
            desired = n - sum(draining)
        if whole:
            lower, upper = desired, 2 * desired
        else:
            lower = _ceil_div(desired * svc.minimum_healthy_percent, 100)
            upper = desired * svc.maximum_percent // 100
        services.append(
            Deploying(
                svc.name,
                desired,
                lower,
                upper,
                old,
                _need(svc.new_task_definition),
                one,
                whole,
                svc.placement_strategy,
            )
        )
        columns.append(list(zip(here, running_new, strict=True)))
        admitted.append(admits)
    start = tuple(tuple(c) for c in columns)
    return Model(cap, admitted, attrs, reserved, static, services, start, closed)


def _pick(strategy, ok, here, attrs, cap, placed, task) -> int:
    """§8's initial placement of one task: each strategy rule keeps the best candidates
    (spread: fewest tasks of the service sharing the value of the field; binpack: least
    of the resource left after placing; random: all), then the first in file order.
    No strategy: spread by zone, then by instance."""
    rules = strategy or (("spread", "attribute:ecs.availability-zone"), ("spread", "instanceId"))
    n = len(cap)
    for kind, field in rules:
        if kind == "spread":

            def value(j, field=field):
                return j if field in ("instanceId", "host") else attrs[j].get(field[10:])

            score = {j: sum(here[x] for x in range(n) if value(x) == value(j)) for j in ok}
        elif kind == "binpack":
            d = 0 if field == "cpu" else 1
            need = task.cpu if d == 0 else task.mem
            used = {j: sum(t.cpu if d == 0 else t.mem for t in placed[j]) for j in ok}
            score = {j: cap[j][d] - used[j] - need for j in ok}
        else:
            continue
        best = min(score.values())
        ok = [j for j in ok if score[j] == best]
    return ok[0]


def _holds(cap, reserved, tasks: Sequence[Need], per_service: Sequence[int], one: Sequence[bool]):
    """Whether an instance can hold ``tasks`` (§3 step 2's list), with the per-service
    counts there for distinctInstance."""
    if sum(t.cpu for t in tasks) > cap[0] or sum(t.mem for t in tasks) > cap[1]:
        return False
    if sum(t.eni for t in tasks) > cap[2] or sum(t.dyn for t in tasks) > cap[3]:
        return False
    ports = [p for t in tasks for p in t.ports]
    if len(ports) != len(set(ports)) or set(ports) & reserved:
        return False
    return all(c <= 1 for c, o in zip(per_service, one, strict=True) if o)


class Oracle:
    """The state graph of one scenario under both rule sets."""

    def __init__(self, scenario: Scenario) -> None:
        self.m = read(scenario)
        self.names = [s.name for s in self.m.services]
        # what an instance holds depends only on its own column of (old, new) pairs
        self._holds: dict[tuple, bool] = {}
        self._fails: dict[tuple, list[str]] = {}

    # ---------------------------------------------------------------- one instance

    def tasks_on(self, state: Pairs, i: int) -> list[Need]:
        out = list(self.m.static[i])
        for s, svc in enumerate(self.m.services):
            old, new = state[s][i]
            out += [svc.old] * old + [svc.new] * new
        return out

    def holds(self, state: Pairs, i: int) -> bool:
        key = (i, *(col[i] for col in state))
        if key not in self._holds:
            m = self.m
            here = [state[s][i][0] + state[s][i][1] for s in range(len(m.services))]
            one = [svc.one_per_instance for svc in m.services]
            admitted = all(
                (m.admits[s][i] or not state[s][i][1])
                and (not m.closed[i] or state[s][i][1] <= m.start[s][i][1])
                for s in range(len(m.services))
            )
            self._holds[key] = admitted and _holds(
                m.cap[i], m.reserved, self.tasks_on(state, i), here, one
            )
        return self._holds[key]

    def fails(self, state: Pairs, i: int, s: int) -> list[str]:
        """The requirements one more new task of ``s`` fails on ``i`` (§5's codes)."""
        key = (i, s, *(col[i] for col in state))
        if key not in self._fails:
            self._fails[key] = self._fails_now(state, i, s)
        return self._fails[key]

    def _fails_now(self, state: Pairs, i: int, s: int) -> list[str]:
        m, svc = self.m, self.m.services[s]
        tasks = self.tasks_on(state, i)
        used = [sum(getattr(t, f) for t in tasks) for f in ("cpu", "mem", "eni", "dyn")]
        held = {p for t in tasks for p in t.ports} | m.reserved
        out = []
        if used[0] + svc.new.cpu > m.cap[i][0]:
            out.append("cpu")
        if used[1] + svc.new.mem > m.cap[i][1]:
            out.append("memory")
        if set(svc.new.ports) & held or used[3] + svc.new.dyn > m.cap[i][3]:
            out.append("port")
        if used[2] + svc.new.eni > m.cap[i][2]:
            out.append("eni")
        if (svc.one_per_instance and sum(state[s][i]) >= 1) or not m.admits[s][i] or m.closed[i]:
            out.append("placement-constraint")
        return out

    # ---------------------------------------------------------------- counts and bounds

    def totals(self, state: Pairs, s: int) -> tuple[int, int]:
        return sum(p[0] for p in state[s]), sum(p[1] for p in state[s])

    def may_stop(self, state: Pairs, s: int) -> int:
        svc = self.m.services[s]
        old, new = self.totals(state, s)
        if svc.whole_green:  # §6: the blue set stops once the whole green set runs
            return old if new >= svc.desired else 0
        return max(0, min(old, old + new - svc.lower))

    def room(self, state: Pairs, s: int) -> int:
        svc = self.m.services[s]
        old, new = self.totals(state, s)
        return max(0, min(svc.upper - old - new, svc.desired - new))

    def complete(self, state: Pairs) -> bool:
        return all(
            self.totals(state, s) == (0, svc.desired) for s, svc in enumerate(self.m.services)
        )

    def can_start(self, state: Pairs, s: int) -> bool:
        return self.room(state, s) > 0 and any(not self.fails(state, i, s) for i in range(self.m.n))

    def dead(self, state: Pairs) -> bool:
        S = range(len(self.m.services))
        return (
            not self.complete(state)
            and not any(self.may_stop(state, s) for s in S)
            and not any(self.can_start(state, s) for s in S)
        )

    def reasons(self, state: Pairs) -> dict[str, tuple[str, int | None]]:
        """Per unfinished service of a dead state: its §5 reason and the closest instance."""
        out: dict[str, tuple[str, int | None]] = {}
        for s, svc in enumerate(self.m.services):
            if self.totals(state, s) == (0, svc.desired):
                continue
            if self.room(state, s) == 0:
                out[svc.name] = ("deployment-configuration", None)
                continue
            taking = [j for j in range(self.m.n) if not self.m.closed[j]] or range(self.m.n)
            # §5: resources and ports filter first, constraints after: an instance that
            # fails only a constraint is closest; then the fewest failures; then the first
            i = min(taking, key=lambda j: (
                any(f != "placement-constraint" for f in self.fails(state, j, s)),
                len(self.fails(state, j, s)), j))  # fmt: skip
            first = next(r for r in REASONS if r in self.fails(state, i, s))
            out[svc.name] = (first, i)
        return out

    # ---------------------------------------------------------------- waves

    def _with(self, state: Pairs, s: int, i: int, d_old: int, d_new: int) -> Pairs:
        rows = [list(r) for r in state]
        o, n = rows[s][i]
        rows[s][i] = (o + d_old, n + d_new)
        return tuple(tuple(r) for r in rows)

    def stops(self, state: Pairs, ecs: bool) -> Iterator[Pairs]:
        """Every state after a stop step: any allowed number, or exactly the most (ECS)."""
        choices = []
        for s in range(len(self.m.services)):
            most = self.may_stop(state, s)
            olds = [state[s][i][0] for i in range(self.m.n)]
            vecs = [
                v
                for v in product(*(range(o + 1) for o in olds))
                if (sum(v) == most if ecs else sum(v) <= most)
            ]
            choices.append(vecs)
        for pick in product(*choices):
            out = state
            for s, vec in enumerate(pick):
                for i, k in enumerate(vec):
                    if k:
                        out = self._with(out, s, i, -k, 0)
            yield out

    def starts(self, mid: Pairs, ecs: bool) -> Iterator[Pairs]:
        """Every state after a start step: any set that fits, or only maximal ones (ECS)."""
        S, n = len(self.m.services), self.m.n
        room = [self.room(mid, s) for s in range(S)]
        cells = [(i, s) for i in range(n) for s in range(S)]

        def go(k: int, state: Pairs, left: list[int]) -> Iterator[Pairs]:
            if k == len(cells):
                if ecs and any(self.can_start(state, s) for s in range(S)):
                    return
                yield state
                return
            i, s = cells[k]
            cur = state
            for add in range(left[s] + 1):
                if add:
                    cur = self._with(cur, s, i, 0, 1)
                    if not self.holds(cur, i):
                        break  # more tasks never fit better
                left[s] -= add
                yield from go(k + 1, cur, left)
                left[s] += add

        yield from go(0, mid, room)

    def next_states(self, state: Pairs, ecs: bool) -> set[Pairs]:
        return {after for mid in self.stops(state, ecs) for after in self.starts(mid, ecs)} - {
            state
        }

    def reachable(self, ecs: bool, goal=None) -> set[Pairs]:
        """Every state reachable from the start; with ``goal``, the search stops at the
        first state meeting it (the set then holds it)."""
        seen = {self.m.start}
        todo = [self.m.start]
        while todo:
            state = todo.pop()
            if goal is not None and goal(state):
                return seen
            for nxt in self.next_states(state, ecs):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    def reaches(self, ecs: bool, goal) -> bool:
        return any(goal(st) for st in self.reachable(ecs, goal))

    def levels(self) -> list[set[Pairs]]:
        """The states runs by ECS rules reach after exactly 0, 1, 2, ... waves, until
        every run has ended (complete or dead)."""
        out = [{self.m.start}]
        while True:
            nxt = {after for st in out[-1] for after in self.next_states(st, ecs=True)}
            if not nxt:
                return out
            out.append(nxt)

    # ---------------------------------------------------------------- the scheduler (§8)

    def _value(self, field: str, i: int):
        return i if field in ("instanceId", "host") else self.m.attrs[i].get(field[10:])

    def _sharing(self, state: Pairs, s: int, field: str, i: int) -> int:
        """Tasks of ``s`` (old and new) on instances with ``i``'s value of ``field``."""
        v = self._value(field, i)
        return sum(sum(state[s][j]) for j in range(self.m.n) if self._value(field, j) == v)

    def _free(self, state: Pairs, i: int, resource: str) -> int:
        d = 0 if resource == "cpu" else 1
        used = sum((t.cpu, t.mem)[d] for t in self.tasks_on(state, i))
        return self.m.cap[i][d] - used

    def scheduler_stops(self, state: Pairs, s: int) -> list[int]:
        """Where the scheduler may stop one old task of ``s``: by the first strategy rule
        (spread: the value of the field with the most tasks of s; binpack: the instance
        keeping the most of the resource free; random: any); no strategy: the zone with
        the most tasks of s, then the instance with the most."""
        svc = self.m.services[s]
        ok = [i for i in range(self.m.n) if state[s][i][0]]
        rules = (
            svc.strategy[:1]
            if svc.strategy
            else (
                ("spread", "attribute:ecs.availability-zone"),
                ("spread", "instanceId"),
            )
        )
        for kind, field in rules:
            if kind == "spread":
                score = {i: self._sharing(state, s, field, i) for i in ok}
            elif kind == "binpack":
                score = {
                    i: self._free(state, i, field)
                    + (svc.old.cpu if field == "cpu" else svc.old.mem)
                    for i in ok
                }
            else:
                continue
            best = max(score.values())
            ok = [i for i in ok if score[i] == best]
        return ok

    def scheduler_starts(self, state: Pairs, s: int) -> list[int]:
        """Where the scheduler may place one new task of ``s``: where it fits, then each
        rule keeps the best (spread: fewest tasks of s sharing the value; binpack: least
        of the resource left after placing; random: all)."""
        svc = self.m.services[s]
        ok = [i for i in range(self.m.n) if not self.fails(state, i, s)]
        rules = svc.strategy or (
            ("spread", "attribute:ecs.availability-zone"),
            ("spread", "instanceId"),
        )
        for kind, field in rules:
            if not ok:
                break
            if kind == "spread":
                score = {i: self._sharing(state, s, field, i) for i in ok}
            elif kind == "binpack":
                score = {
                    i: self._free(state, i, field)
                    - (svc.new.cpu if field == "cpu" else svc.new.mem)
                    for i in ok
                }
            else:
                continue
            best = min(score.values())
            ok = [i for i in ok if score[i] == best]
        return ok

    def scheduler_next(self, state: Pairs) -> set[Pairs]:
        """Every state one scheduler wave leads to: stops one at a time in any order
        across services, each where the stop rule allows; then starts one at a time, any
        service with room taking the next turn, each where its strategy allows, until no
        service with room has a place."""
        S = len(self.m.services)
        out: set[Pairs] = set()
        seen: set = set()

        def starts(st: Pairs, room: tuple) -> None:
            if (st, room) in seen:
                return
            seen.add((st, room))
            moved = False
            for s in range(S):
                if room[s]:
                    for i in self.scheduler_starts(st, s):
                        moved = True
                        starts(
                            self._with(st, s, i, 0, 1), room[:s] + (room[s] - 1,) + room[s + 1 :]
                        )
            if not moved:
                out.add(st)

        def stops(st: Pairs, left: tuple) -> None:
            if (st, left) in seen:
                return
            seen.add((st, left))
            if not any(left):
                starts(st, tuple(self.room(st, s) for s in range(S)))
                return
            for s in range(S):
                if left[s]:
                    for i in self.scheduler_stops(st, s):
                        stops(
                            self._with(st, s, i, -1, 0), left[:s] + (left[s] - 1,) + left[s + 1 :]
                        )

        stops(state, tuple(self.may_stop(state, s) for s in range(S)))
        return out - {state}

    @property
    def scheduler_can_die(self) -> bool:
        """A run of the scheduler as configured (ties and turns free) can reach a dead
        state."""
        seen = {self.m.start}
        todo = [self.m.start]
        while todo:
            st = todo.pop()
            if self.dead(st):
                return True
            for nxt in self.scheduler_next(st):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return False

    @property
    def verdict_ecs(self) -> str:
        """§4's verdicts with ECS rules narrowed to the scheduler (``--placement ecs``)."""
        if not self.possible:
            return "hangs"
        return "at-risk" if self.scheduler_can_die else "safe"

    # ---------------------------------------------------------------- verdicts

    @property
    def possible(self) -> bool:
        """Some sequence of waves completes (general rules)."""
        return self.reaches(False, self.complete)

    @property
    def ecs_can_die(self) -> bool:
        """A run by ECS rules can reach a dead state."""
        return self.reaches(True, self.dead)

    @property
    def dead_states(self) -> set[Pairs]:
        return {st for st in self.reachable(ecs=True) if self.dead(st)}

    @property
    def verdict(self) -> str:
        if not self.possible:
            return "hangs"
        return "at-risk" if self.ecs_can_die else "safe"

    # ---------------------------------------------------------------- checking a path

    def replay(self, waves: Sequence[tuple[Moves, Moves]], ecs: bool) -> Pairs:
        """Apply waves of (stops, starts), each move (service name, instance, count);
        AssertionError where a wave breaks a rule."""
        state = self.m.start
        for k, (stops, starts) in enumerate(waves, 1):
            allowed = {s: self.may_stop(state, s) for s in range(len(self.names))}
            stopped = dict.fromkeys(allowed, 0)
            for name, i, c in stops:
                s = self.names.index(name)
                stopped[s] += c
                state = self._with(state, s, i, -c, 0)
                assert state[s][i][0] >= 0, f"wave {k}: stops a task not running on {i}"
            for s, c in stopped.items():
                assert c <= allowed[s], f"wave {k}: {self.names[s]} stops {c} > {allowed[s]}"
                assert not ecs or c == allowed[s], f"wave {k}: ECS stops exactly {allowed[s]}"
            room = [self.room(state, s) for s in range(len(self.names))]
            started = [0] * len(self.names)
            for name, i, c in starts:
                s = self.names.index(name)
                started[s] += c
                state = self._with(state, s, i, 0, c)
            for s, c in enumerate(started):
                assert c <= room[s], f"wave {k}: {self.names[s]} starts {c} > room {room[s]}"
            for i in range(self.m.n):
                assert self.holds(state, i), f"wave {k}: instance {i} cannot hold its tasks"
            if ecs:
                for s in range(len(self.names)):
                    assert not self.can_start(state, s), f"wave {k}: starts are not maximal"
        return state


Moves = Sequence[tuple[str, int, int]]


def oracle_verdict(scenario: Scenario) -> str:
    return Oracle(scenario).verdict
