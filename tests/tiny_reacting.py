"""Random tiny cases of the cluster that reacts (ROLLOUT.md §10) for the agreement tests,
labelled by tests/oracle_reacting.py, and each as a :class:`planner.Scenario`.

Sizes: ≤ 4 running instances and ≤ 3 launchable ones in all, ≤ 2 services of ≤ 4 tasks.
Each service uses at most one capacity provider (or none: launch type EC2), so the
sharing of PROVISIONING tasks among a strategy's providers is not exercised. The samples
are stratified by (verdict, outcome kind); cases whose runs end in different kinds
(:attr:`oracle_reacting.Answer.kinds` with more than one) are left out, so that every
kept case has one answer to compare.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from oracle_reacting import Answer, Breaker, Case, Provider, Row, Svc, Type, solve

SMALL = Type("t.small", 1024, 2048)
LARGE = Type("t.large", 2048, 4096)
#: The strata, in the order the tests report them.
STRATA = (
    ("safe", "completes"),
    ("safe", "completes-after-scale-out"),
    ("at-risk", "rolls-back"),
    ("at-risk", "stuck"),
    ("hangs", "rolls-back"),
    ("hangs", "fails"),
    ("hangs", "stuck"),
)


@dataclass
class Labelled:
    """One generated case and the oracle's answer."""

    name: str
    case: Case
    answer: Answer

    @property
    def stratum(self) -> tuple[str, str | None]:
        return self.answer.verdict, self.answer.kind


# ---------------------------------------------------------------- the generator


def _provider(rng: random.Random, k: int, running_left: int, launch_left: int):
    types = rng.choice(((SMALL,), (SMALL,), (LARGE,), (SMALL, LARGE), (LARGE, SMALL)))
    running = rng.choice((0, 1, 1, 2, 2, 3)) if running_left else 0
    running = min(running, running_left)
    rows = []
    if running:
        if len(types) == 2 and running > 1 and rng.random() < 0.5:
            first = rng.randint(1, running - 1)
            rows = [Row(types[0], first, f"cp{k}"), Row(types[1], running - first, f"cp{k}")]
        else:
            rows = [Row(rng.choice(types), running, f"cp{k}")]
    launchable = min(launch_left, rng.choice((0, 1, 1, 2, 2, 3)))
    min_step = rng.choice((1, 1, 1, 2))
    provider = Provider(
        f"cp{k}",
        types,
        running + launchable,
        zones=rng.choice((("za",), ("za", "zb"))),
        target=rng.choice((100, 100, 100, 75, 50)),
        min_step=min_step,
        max_step=max(min_step, rng.choice((10_000, 10_000, 1, 2))),
        enabled=rng.random() < 0.9,
    )
    return provider, rows, running, launchable


def _breaker(rng: random.Random) -> Breaker | None:
    x = rng.random()
    if x < 0.35:
        return None
    kind, value = rng.choice(
        (
            (None, None),
            (None, None),
            (None, None),
            ("COUNT", rng.randint(1, 5)),
            ("BOUNDED_PERCENT", rng.choice((25, 50, 100))),
            ("UNBOUNDED_PERCENT", rng.choice((10, 50))),
        )
    )
    return Breaker(True, x >= 0.55, kind, value)


def _services(rng: random.Random, rows: list[Row], providers: list[Provider]):
    instances = [(r.type.cpu, r.type.mem, r.provider) for r in rows for _ in range(r.count)]
    used = [[0, 0, set()] for _ in instances]  # cpu, mem, ports
    shared = _breaker(rng)
    out = []
    n_services = rng.choice((1, 2))
    for k in range(n_services):
        desired = rng.randint(1, 4 if n_services == 1 else 3)
        old = (rng.choice((256, 512, 512, 1024)), rng.choice((256, 512, 1024)))
        new = old
        if rng.random() >= 0.25:
            new = (rng.choice((256, 512, 1024, 1536, 2048)), rng.choice((256, 512, 1024)))
        port = rng.choice((None, None, None, 8080, 8080, 9000))
        distinct = rng.random() < 0.15
        whole = rng.random() < 0.1
        provider = rng.choice(providers).name if providers and rng.random() < 0.8 else None
        breaker = None if whole else (shared if rng.random() < 0.8 else _breaker(rng))
        placement = [0] * len(instances)
        for _ in range(desired):
            ok = [
                i
                for i, (cpu, mem, p) in enumerate(instances)
                if provider in (None, p)
                and used[i][0] + old[0] <= cpu
                and used[i][1] + old[1] <= mem
                and (port is None or port not in used[i][2])
                and not (distinct and placement[i])
            ]
            if not ok:
                return None
            # mostly the fewest of its tasks (ties: the first), now and then any
            i = rng.choice(ok) if rng.random() < 0.3 else min(ok, key=lambda j: (placement[j], j))
            placement[i] += 1
            used[i][0] += old[0]
            used[i][1] += old[1]
            if port is not None:
                used[i][2].add(port)
        out.append(
            Svc(
                f"s{k}",
                desired,
                old,
                new,
                tuple(placement),
                port=port,
                distinct=distinct,
                min_percent=rng.choice((0, 50, 50, 100, 100)),
                max_percent=rng.choice((100, 150, 200, 200)),
                all_at_once=whole,
                provider=provider,
                breaker=breaker,
            )
        )
    return tuple(out)


def reacting_case(rng: random.Random, name: str) -> Case | None:
    """One random tiny case; None when its old tasks do not fit (the stream skips it)."""
    providers: list[Provider] = []
    rows: list[Row] = []
    running_left, launch_left = 4, 3
    for k in range(rng.choice((1, 1, 1, 2))):
        provider, prow, running, launchable = _provider(rng, k, running_left, launch_left)
        providers.append(provider)
        rows += prow
        running_left -= running
        launch_left -= launchable
    if running_left and (not rows or rng.random() < 0.3):
        rows.append(Row(rng.choice((SMALL, LARGE)), rng.randint(1, min(2, running_left))))
    providers = [p for p in providers if p.max_size > 0]
    if not rows:
        return None
    services = _services(rng, rows, providers)
    if services is None:
        return None
    return Case(name, tuple(rows), tuple(providers), services)


def stream(seed: int):
    """The seeded stream of valid cases, each labelled by the oracle."""
    rng = random.Random(seed)
    k = 0
    while True:
        case = reacting_case(rng, f"reacting-{seed}-{k}")
        k += 1
        if case is not None:
            yield Labelled(case.name, case, solve(case))


def tiny_reacting_cases(seed: int, n: int, most_drawn: int | None = None) -> list[Labelled]:
    """``n`` cases stratified by (verdict, outcome kind): up to ``ceil(n / len(STRATA))`` of each of
    :data:`STRATA`, in stream order, cases with more than one possible kind left out; the
    strata the stream fills last may hold fewer within ``most_drawn`` cases (default
    ``200 × n``), the others then more, up to ``n`` in all."""
    quota = -(-n // len(STRATA))
    most_drawn = most_drawn or 200 * n
    kept: list[Labelled] = []
    spare: list[Labelled] = []
    count: Counter = Counter()
    for drawn, labelled in enumerate(stream(seed)):
        if drawn >= most_drawn:
            break
        s = labelled.stratum
        if s not in STRATA:
            continue
        if count[s] < quota:
            count[s] += 1
            kept.append(labelled)
        else:
            spare.append(labelled)
        if all(count[t] >= quota for t in STRATA):
            break
    kept += spare[: max(0, n - len(kept))]
    return sorted(kept[:n], key=lambda c: int(c.name.rsplit("-", 1)[1]))


def distribution(cases: list[Labelled]) -> Counter:
    return Counter(c.stratum for c in cases)


# ---------------------------------------------------------------- as a planner.Scenario


def _type_group(t: Type):
    """A provider's type as an instance group of count 0 (as CapacityProvider.launch
    holds them); InstanceGroup refuses 0 today, so None stands in for it there."""
    from planner import InstanceGroup, PlannerError

    try:
        return InstanceGroup(t.name, t.cpu, t.mem, 0, instance_type=t.name)
    except PlannerError:
        return InstanceGroup(t.name, t.cpu, t.mem, None, instance_type=t.name)


def to_scenario(case: Case):
    """The case as planner's public dataclasses."""
    from planner import InstanceGroup, Scenario, Service, TaskDefinition
    from planner.model.providers import (
        CapacityProvider,
        CircuitBreaker,
        ManagedScaling,
        StrategyItem,
    )

    zones = {p.name: p.zones for p in case.providers}
    groups = tuple(
        InstanceGroup(
            f"r{k}-{row.type.name}",
            row.type.cpu,
            row.type.mem,
            row.count,
            instance_type=row.type.name,
            zones=zones[row.provider] if row.provider else (),
        )
        for k, row in enumerate(case.rows)
    )
    providers = []
    for p in case.providers:
        mine = tuple(k for k, row in enumerate(case.rows) if row.provider == p.name)
        providers.append(
            CapacityProvider(
                p.name,
                launch=tuple(_type_group(t) for t in p.types),
                zones=p.zones,
                min_size=sum(case.rows[k].count for k in mine),
                max_size=p.max_size,
                groups=mine,
                scaling=ManagedScaling(
                    "ENABLED" if p.enabled else "DISABLED", p.target, p.min_step, p.max_step
                ),
            )
        )

    def taskdef(cpu_mem: tuple[int, int], port: int | None) -> TaskDefinition:
        return TaskDefinition(cpu_mem[0], cpu_mem[1], host_ports=(port,) if port else ())

    services = tuple(
        Service(
            svc.name,
            svc.desired,
            taskdef(svc.old, svc.port),
            taskdef(svc.new, svc.port),
            svc.min_percent,
            svc.max_percent,
            strategy="BLUE_GREEN" if svc.all_at_once else "ROLLING",
            distinct_instance=svc.distinct,
            placement=svc.placement,
            capacity_provider_strategy=(
                (StrategyItem(svc.provider, weight=1),) if svc.provider else None
            ),
            launch_type=None if svc.provider else "EC2",
            circuit_breaker=(
                None
                if svc.breaker is None
                else CircuitBreaker(
                    svc.breaker.enable,
                    svc.breaker.rollback,
                    svc.breaker.kind,
                    svc.breaker.value,
                )
            ),
        )
        for svc in case.services
    )
    return Scenario(case.name, groups, services, capacity_providers=tuple(providers))
