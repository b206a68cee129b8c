"""Random tiny scenarios for the agreement tests: ≤ 3 instances, ≤ 2 services, ≤ 4 tasks."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache, cached_property
from pathlib import Path

from oracle import Oracle

from planner.model.problem import DoesNotFit, Problem, compile_problem
from planner.model.scenario import Agent, InstanceGroup, Scenario, Service, TaskDefinition

SIZES = (256, 512, 768, 1024)


def _taskdef(rng: random.Random, port: int | None) -> TaskDefinition:
    return TaskDefinition(
        cpu=rng.choice(SIZES),
        memory=rng.choice((128, 256, 512)),
        host_ports=(port,) if port else (),
    )


def tiny_scenario(rng: random.Random, *, uniform: bool = False) -> Scenario:
    """One random tiny scenario; ``uniform``: one service, old and new alike."""
    n_groups = rng.choice((1, 1, 2))
    groups = []
    left = 3
    for k in range(n_groups):
        count = rng.randint(1, left - (n_groups - 1 - k))
        left -= count
        groups.append(
            InstanceGroup(f"g{k}", rng.choice((1024, 1536, 2048)), rng.choice((1024, 2048)), count)
        )
    services = []
    n_services = 1 if uniform else rng.choice((1, 2, 2))
    for k in range(n_services):
        port = rng.choice((None, None, 8080, 9000))
        old = _taskdef(rng, port)
        new_port = port if rng.random() < 0.7 else rng.choice((None, 8080, 9000))
        new = old if uniform or rng.random() < 0.25 else _taskdef(rng, new_port)
        all_at_once = not uniform and rng.random() < 0.1
        services.append(
            Service(
                name=f"s{k}",
                desired_count=rng.randint(1, 4),
                task_definition=old,
                new_task_definition=new,
                minimum_healthy_percent=rng.choice((0, 50, 50, 100, 100)),
                maximum_percent=rng.choice((100, 125, 150, 200, 200)),
                strategy="BLUE_GREEN" if all_at_once else "ROLLING",
                distinct_instance=rng.random() < 0.15,
                deploy=not (k == 1 and rng.random() < 0.1),
            )
        )
    return Scenario(
        "tiny",
        tuple(groups),
        tuple(services),
        Agent(reserved_cpu=rng.choice((0, 0, 256))),
    )


MEMBER_OF = (
    "attribute:ecs.instance-type =~ m5.*",
    "attribute:ecs.availability-zone in [za, zb]",
    "attribute:ecs.availability-zone != za",
    "attribute:team == blue or attribute:ecs.instance-type == t3.medium",
    "not attribute:ecs.availability-zone == zc",
    "attribute:team exists",
)


STRATEGIES = (
    None,
    None,
    (("binpack", "memory"),),
    (("binpack", "cpu"), ("spread", "instanceId")),
    (("spread", "attribute:ecs.availability-zone"), ("binpack", "cpu")),
    (("spread", "attribute:team"),),
    (("random", None),),
)


def zoned_scenario(rng: random.Random) -> Scenario:
    """Tiny, with ROLLOUT.md §8's instances: zones spread round-robin, types, custom
    attributes, and memberOf constraints over them."""
    groups = []
    left = 3
    for _ in range(rng.choice((1, 2))):
        count = rng.randint(1, max(1, left - 1))
        left -= count
        kind = rng.choice(("m5.large", "t3.medium"))
        groups.append(
            InstanceGroup(
                kind,
                rng.choice((1024, 2048)),
                rng.choice((1024, 2048)),
                count,
                type=kind,
                zones=rng.choice((("za",), ("za", "zb"), ("zb", "zc", "za"))),
                attributes=rng.choice(((), (("team", "blue"),), (("team", "red"),))),
            )
        )
        if left <= 0:
            break
    services = []
    for k in range(rng.choice((1, 2, 2))):
        port = rng.choice((None, None, 8080))
        old = _taskdef(rng, port)
        new = old if rng.random() < 0.25 else _taskdef(rng, port)
        member_of = tuple(rng.sample(MEMBER_OF, rng.choice((0, 1, 1, 2))))
        strategy = rng.choice(STRATEGIES)
        services.append(
            Service(
                f"s{k}",
                rng.randint(1, 3),
                old,
                new,
                rng.choice((0, 50, 100)),
                rng.choice((100, 150, 200)),
                distinct_instance=rng.random() < 0.15,
                member_of=member_of,
                placement_strategy=strategy,
            )
        )
    return Scenario("zoned", tuple(groups), tuple(services), Agent())


def tiny_problems(seed: int, n: int, *, uniform: bool = False) -> list[Problem]:
    """``n`` compiled tiny problems (scenarios whose running tasks do not fit are skipped)."""
    rng = random.Random(seed)
    out: list[Problem] = []
    while len(out) < n:
        try:
            out.append(compile_problem(tiny_scenario(rng, uniform=uniform)))
        except DoesNotFit:
            continue
    return out


def _broad_taskdef(rng: random.Random, port: int | None, mode: str) -> TaskDefinition:
    return TaskDefinition(
        cpu=rng.choice((0, 256, 512, 1024)),
        memory=rng.choice((128, 256, 512, 900)),
        network_mode=mode,
        host_ports=(port,) if port and mode != "awsvpc" else (),
        dynamic_ports=rng.choice((0, 0, 1)) if mode == "bridge" else 0,
    )


def broad_scenario(rng: random.Random) -> Scenario:
    """Tiny, with every feature: ENIs and trunking, host and awsvpc modes, static load,
    DAEMON, all-at-once strategies, reserved memory and ports, a two-port dynamic range."""
    groups = []
    left = 3
    for k in range(rng.choice((1, 2))):
        count = rng.randint(1, max(1, left - 1))
        left -= count
        groups.append(
            InstanceGroup(
                f"g{k}",
                rng.choice((1024, 2048)),
                rng.choice((1000, 2000)),
                count,
                enis=rng.choice((None, 2, 3)),
                trunk_enis=rng.choice((None, 4)),
            )
        )
        if left <= 0:
            break
    services = []
    for k in range(rng.choice((1, 2, 2, 3))):
        port = rng.choice((None, 80, 8080))
        mode = rng.choice(("bridge", "bridge", "awsvpc", "host"))
        old = _broad_taskdef(rng, port, mode)
        new = old
        if rng.random() >= 0.3:
            new_mode = mode if rng.random() < 0.8 else rng.choice(("bridge", "awsvpc", "host"))
            new = _broad_taskdef(rng, rng.choice((port, None, 80)), new_mode)
        services.append(
            Service(
                f"s{k}",
                rng.randint(0, 3),
                old,
                new,
                rng.choice((0, 33, 50, 67, 100)),
                rng.choice((100, 134, 150, 200, 250)),
                strategy="ROLLING" if rng.random() < 0.85 else rng.choice(("BLUE_GREEN", "CANARY")),
                distinct_instance=rng.random() < 0.2,
                deploy=not (k == 2 or rng.random() < 0.1),
                scheduling_strategy="DAEMON" if rng.random() < 0.05 else "REPLICA",
            )
        )
    agent = Agent(
        reserved_cpu=rng.choice((0, 0, 128)),
        reserved_memory=rng.choice((0, 100)),
        reserved_ports=rng.choice(((22,), (22, 80))),
        awsvpc_trunking=rng.random() < 0.2,
        dynamic_port_range=rng.choice(((49153, 65535), (50000, 50001))),
    )
    return Scenario("broad", tuple(groups), tuple(services), agent)


def broad_problems(seed: int, n: int, max_tasks: int = 7) -> list[Problem]:
    """``n`` compiled :func:`broad_scenario` problems with at most ``max_tasks`` to deploy."""
    rng = random.Random(seed)
    out: list[Problem] = []
    while len(out) < n:
        try:
            p = compile_problem(broad_scenario(rng))
        except DoesNotFit:
            continue
        if p.total_desired <= max_tasks:
            out.append(p)
    return out


def named(problem: Problem, waves) -> list:
    """Waves as the oracle reads them: moves by service name."""
    name = [s.name for s in problem.services]
    return [
        ([(name[s], i, c) for s, i, c in w.stops], [(name[s], i, c) for s, i, c in w.starts])
        for w in waves
    ]


def snapshot_scenario(rng: random.Random) -> Scenario:
    """Tiny, taken as it runs (ROLLOUT.md §9, §10): a state some waves into the rollout
    (old and new tasks placed), instances draining or with their agent disconnected, or
    both."""
    base = rng.choice((tiny_scenario, zoned_scenario))(rng)
    try:
        problem = compile_problem(base)
    except DoesNotFit:
        return base  # the stream skips it
    kind = rng.choice(("midway", "midway", "drain", "both"))
    services = list(base.services)
    groups = list(base.instance_groups)
    if kind != "drain":
        oracle = Oracle(base)
        state = oracle.m.start
        for _ in range(rng.randint(1, 3)):
            # a state some waves in, never the end: a finished rollout has nothing to check
            after = sorted(
                st
                for st in oracle.next_states(state, ecs=rng.random() < 0.5)
                if not oracle.complete(st)
            )
            if not after:
                break
            state = rng.choice(after)
        for s, k in enumerate(problem.service_index):
            old = tuple(o for o, _ in state[s])
            new = tuple(nw for _, nw in state[s])
            services[k] = replace(services[k], placement=old, new_placement=new)
    if kind != "midway":
        g = rng.randrange(len(groups))
        if rng.random() < 0.75:
            groups[g] = replace(groups[g], status="DRAINING")
        else:
            groups[g] = replace(groups[g], agent_connected=False)
    return replace(base, instance_groups=tuple(groups), services=tuple(services))


# ---------------------------------------------------------------- stratified samples
#
# At-risk scenarios are rare in a random stream (about 1 in 22 of tiny_scenario's, 1 in 80
# of broad_scenario's), so the agreement tests draw stratified samples: the first
# ``PER_VERDICT`` of each verdict in a seeded stream. Which positions of the stream those
# are is stored in tests/data/samples.json (finding them takes the oracle ~20 s); every
# test that uses a case checks its stored label against the oracle again, so a changed
# generator or oracle fails loudly instead of sampling something else. Regenerate with
# ``python tests/tiny.py``.

STREAMS = {  # name: (generator, seed, most tasks to deploy)
    "mixed": (tiny_scenario, 20261127, None),
    "broad": (broad_scenario, 31, 7),
    "zoned": (zoned_scenario, 88, 6),
    "snapshot": (snapshot_scenario, 911, 6),
}
PER_VERDICT = 100
SAMPLES_FILE = Path(__file__).resolve().parent / "data" / "samples.json"


@dataclass
class Case:
    """One sampled scenario, compiled, with the oracle's stored verdict."""

    name: str
    scenario: Scenario
    problem: Problem
    label: str

    @cached_property
    def oracle(self) -> Oracle:
        return Oracle(self.scenario)


def _stream(name: str) -> Iterator[tuple[int, Scenario, Problem]]:
    """The stream's valid scenarios, numbered from 0."""
    gen, seed, cap = STREAMS[name]
    rng = random.Random(seed)
    k = 0
    while True:
        scenario = gen(rng)
        try:
            problem = compile_problem(scenario)
        except DoesNotFit:
            continue
        if cap is None or problem.total_desired <= cap:
            yield k, scenario, problem
            k += 1


def tiny_cases(seed: int, n: int, *, uniform: bool = False) -> list[Case]:
    """``n`` :func:`tiny_scenario` cases, labelled by the oracle."""
    rng = random.Random(seed)
    out: list[Case] = []
    while len(out) < n:
        scenario = tiny_scenario(rng, uniform=uniform)
        try:
            problem = compile_problem(scenario)
        except DoesNotFit:
            continue
        out.append(Case(f"tiny-{seed}-{len(out)}", scenario, problem, Oracle(scenario).verdict))
    return out


@cache
def sample(name: str) -> list[Case]:
    """The stored stratified sample of stream ``name``: ``PER_VERDICT`` cases of each
    verdict, in stream order."""
    stored = json.loads(SAMPLES_FILE.read_text())[name]
    wanted = {k: v for v, ks in stored.items() for k in ks}
    out = []
    for k, scenario, problem in _stream(name):
        if k in wanted:
            out.append(Case(f"{name}-{k}", scenario, problem, wanted[k]))
            if len(out) == len(wanted):
                return out
    raise AssertionError("unreachable: the stream is endless")


def _find(name: str) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {v: [] for v in ("safe", "at-risk", "hangs")}
    for k, scenario, _ in _stream(name):
        v = Oracle(scenario).verdict
        if len(found[v]) < PER_VERDICT:
            found[v].append(k)
        if all(len(ks) == PER_VERDICT for ks in found.values()):
            return found
    raise AssertionError("unreachable: the stream is endless")


if __name__ == "__main__":  # python tests/tiny.py [STREAM...]: find the samples anew
    import sys

    names = sys.argv[1:] or list(STREAMS)
    stored = json.loads(SAMPLES_FILE.read_text()) if SAMPLES_FILE.exists() else {}
    stored.update({name: _find(name) for name in names})
    SAMPLES_FILE.write_text(json.dumps(stored) + "\n")
    print(f"wrote {SAMPLES_FILE} ({', '.join(names)})")


# ---------------------------------------------------------------- hypothesis strategies


def _taskdefs(draw, st, port):
    return TaskDefinition(
        cpu=draw(st.sampled_from(SIZES)),
        memory=draw(st.sampled_from((128, 256, 512))),
        network_mode=draw(st.sampled_from(("bridge", "bridge", "awsvpc"))),
        host_ports=(port,) if port else (),
    )


def scenarios():
    """A hypothesis strategy of tiny scenarios (≤ 3 instances, ≤ 2 services, ≤ 5 tasks)
    whose running tasks fit; shrinks towards fewer, smaller parts."""
    from hypothesis import strategies as st

    @st.composite
    def build(draw):
        groups = tuple(
            InstanceGroup(
                f"g{k}",
                draw(st.sampled_from((1024, 1536, 2048))),
                draw(st.sampled_from((1024, 2048))),
                draw(st.integers(1, 2)),
                enis=draw(st.sampled_from((None, 2, 3))),
            )
            for k in range(draw(st.integers(1, 2)))
        )
        if sum(g.count or 0 for g in groups) > 3:
            groups = groups[:1]
        services = []
        for k in range(draw(st.integers(1, 2))):
            port = draw(st.sampled_from((None, None, 8080)))
            old = _taskdefs(draw, st, port)
            new = old if draw(st.booleans()) else _taskdefs(draw, st, port)
            services.append(
                Service(
                    f"s{k}",
                    draw(st.integers(0, 3 - k)),
                    old,
                    new,
                    draw(st.sampled_from((0, 34, 50, 100))),
                    draw(st.sampled_from((100, 150, 200))),
                    strategy=draw(st.sampled_from(("ROLLING",) * 5 + ("BLUE_GREEN",))),
                    distinct_instance=draw(st.booleans()),
                    deploy=k == 0 or draw(st.booleans()),
                )
            )
        agent = Agent(reserved_cpu=draw(st.sampled_from((0, 256))))
        return Scenario("hypothesis", groups, tuple(services), agent)

    def fits(scenario):
        try:
            compile_problem(scenario)
        except DoesNotFit:
            return False
        return True

    return build().filter(fits)
