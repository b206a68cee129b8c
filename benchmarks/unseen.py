"""A second, independent family of benchmark scenarios ("unseen").

Written independently of ``benchmarks/scale.py`` (not read), from docs/CONTRACT.md, the
model in docs/ROLLOUT.md and the issue's description only, so that measurements are not
tuned to one generator. ``generate(size, utilisation, deploying, seed)`` returns a mapping
in the scenario-file format; the same arguments give the same mapping.

The family:

- **Fleet**: one of five profiles (general, compute, memory, Graviton, big), each a short
  list of catalog types of one CPU architecture; 1-2 groups for tiny, 2-4 for larger
  sizes, uneven counts. Every group carries a custom attribute ``pool`` (general /
  compute / memory). Zones: 2 or 3, each group round-robin over a rotation or a subset of
  them (some groups sit in one or two zones), so zones are uneven. Some fleets reserve
  256/512 MiB per instance (``agent.reservedMemory``); some turn on ENI trunking.
- **Services**: kinds with their own task shapes: small web/api (128-512 units,
  memory near the fleet's ratio), memory-heavy caches/JVMs (512-2048 units, 1.3-2.5x the
  fleet's memory per unit), compute workers (1024-4096 units, little memory) and tiny
  sidecar-like services (64-128 units). A heavy-tailed share of the CPU budget per
  service; no task larger than half the smallest type. Often a DAEMON log router (M and
  larger; one task per instance, fixed port). Some services use ``memoryReservation``.
- **Network**: bridge with dynamic ports (most), bridge with a fixed hostPort (a distinct
  port per service, at most ~60 % of the instances), awsvpc (tasks take ENIs; their total
  kept under 40 % of the fleet's ENI capacity), workers without ports.
- **Placement**: default (none), [spread AZ, binpack memory], [binpack memory],
  [binpack cpu], [spread AZ, spread instanceId], [spread instanceId], [random];
  distinctInstance on some services, memberOf ``attribute:pool == memory`` on some
  memory-heavy services when the memory pool has room.
- **Deployment**: percents drawn from 100/200, 50/200, 100/150, 50/100, 0/100, 75/125,
  50/150, 100/125, 0/200; a few BLUE_GREEN; some behind a load balancer. ``deploying``
  "one"/"three": that many services deploy, the rest are ``deploy: false`` (static load),
  ~45 % of the deploying ones with a bigger new revision (CPU and/or memory x1.25-2).
  "fleet-wide": every service deploys (agent / base-image update), mostly the same size,
  a few with 10-25 % more memory.
- **Load**: the running tasks take ``utilisation`` of the fleet's registered CPU (to
  within half the smallest free task's CPU; tiny fleets are coarser); memory is scaled
  down where it would pass 75 % of the fleet's registered memory. File order (= initial
  placement order): the daemon, then services that choose their instances (fixed port,
  awsvpc, constraints), then roughly big tasks first. Some seeds do not fit (mostly at
  85 %): the harness skips those.
"""

from __future__ import annotations

import random
from typing import Any

from planner.model.catalog import load_catalog

SIZES = {"tiny": (2, 4), "M": (10, 50), "L": (40, 350), "XL": (320, 2800)}
UTILISATIONS = (0.50, 0.70, 0.85)
DEPLOYING = ("one", "three", "fleet-wide")

# profile -> [(type, pool)], all of one architecture
PROFILES: dict[str, list[tuple[str, str]]] = {
    "general": [("m6i.2xlarge", "general"), ("m5.xlarge", "general"), ("r5.xlarge", "memory")],
    "compute": [("c6i.2xlarge", "compute"), ("c5.4xlarge", "compute"), ("m6i.xlarge", "general")],
    "memory": [("r6i.xlarge", "memory"), ("r5.2xlarge", "memory"), ("m7i.2xlarge", "general")],
    "graviton": [("m7g.2xlarge", "general"), ("c7g.4xlarge", "compute"), ("m6g.xlarge", "general")],
    "big": [
        ("m6i.4xlarge", "general"),
        ("r6i.2xlarge", "memory"),
        ("c6i.4xlarge", "compute"),
        ("m7i.2xlarge", "general"),
    ],
}
TARGET_GROUPS = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup"
ZONES = ("us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1f")
# kind -> (share of services, CPU choices, memory/CPU ratio range relative to the fleet's,
#          budget weight)
KINDS: dict[str, tuple[float, tuple[int, ...], tuple[float, float], float]] = {
    "api": (0.55, (128, 256, 256, 512), (0.5, 1.2), 1.0),
    "cache": (0.15, (512, 1024, 2048), (1.3, 2.5), 0.8),
    "worker": (0.15, (1024, 2048, 4096), (0.25, 0.6), 1.5),
    "sidecar": (0.15, (64, 128), (0.5, 2.0), 0.3),
}
# (minimumHealthyPercent, maximumPercent) -> weight
PERCENTS = [((100, 200), 30), ((50, 200), 14), ((100, 150), 10), ((50, 100), 10), ((0, 100), 6),
            ((75, 125), 8), ((50, 150), 10), ((100, 125), 6), ((0, 200), 6)]  # fmt: skip
STRATEGIES: list[tuple[list[dict[str, str]] | None, int]] = [
    (None, 30),
    ([{"type": "spread", "field": "attribute:ecs.availability-zone"},
      {"type": "binpack", "field": "memory"}], 20),
    ([{"type": "binpack", "field": "memory"}], 12),
    ([{"type": "binpack", "field": "cpu"}], 6),
    ([{"type": "spread", "field": "attribute:ecs.availability-zone"},
      {"type": "spread", "field": "instanceId"}], 16),
    ([{"type": "spread", "field": "instanceId"}], 10),
    ([{"type": "random"}], 6),
]  # fmt: skip


def _pick(rng: random.Random, table: list[tuple[Any, int]]) -> Any:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def _picky(svc: dict[str, Any]) -> bool:
    ports = svc["taskDefinition"].get("portMappings", [])
    awsvpc = svc["taskDefinition"].get("networkMode") == "awsvpc"
    return awsvpc or bool(svc.get("placementConstraints")) or any(m.get("hostPort") for m in ports)


def _grown(td: dict[str, Any], cpu_f: float, mem_f: float) -> dict[str, Any]:
    new = dict(td, cpu=int(td["cpu"] * cpu_f))
    for key in ("memory", "memoryReservation"):
        if key in td:
            new[key] = int(td[key] * mem_f) // 32 * 32
    return new


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """``total`` as ``parts`` uneven positive counts."""
    weights = [rng.uniform(0.3, 1.0) ** 2 for _ in range(parts)]
    counts = [max(1, int(total * w / sum(weights))) for w in weights]
    counts[counts.index(max(counts))] += total - sum(counts)
    return counts


def _fleet(rng: random.Random, size: str, n: int) -> tuple[list[dict[str, Any]], list[Any]]:
    catalog = load_catalog()
    menu = PROFILES[rng.choice(sorted(PROFILES))]
    k = rng.randint(1, 2) if size == "tiny" else rng.randint(2, min(4, len(menu)))
    chosen = rng.sample(menu, k)
    zones = sorted(rng.sample(ZONES, rng.choice((2, 3, 3))))
    groups, types = [], []
    for (name, pool), count in zip(chosen, _split(rng, n, k), strict=True):
        start = rng.randrange(len(zones))
        rot = zones[start:] + zones[:start]
        if len(zones) == 3 and rng.random() < 0.3:
            rot = rot[: rng.choice((1, 2))]
        groups.append(
            {"type": name, "count": count, "availabilityZones": rot, "attributes": {"pool": pool}}
        )
        types.append(catalog[name])
    return groups, types


def generate(size: str, utilisation: float, deploying: str, seed: int) -> dict[str, Any]:
    """A scenario mapping of this family; see the module docstring."""
    if size not in SIZES or deploying not in DEPLOYING:
        raise ValueError(f"unknown size {size!r} or deploying {deploying!r}")
    rng = random.Random(f"unseen/{size}/{utilisation:.2f}/{deploying}/{seed}")
    n_services, n_instances = SIZES[size]
    groups, types = _fleet(rng, size, n_instances)
    reserved_mem = rng.choice((0, 0, 256, 512))
    trunking = rng.random() < 0.4
    counts = [g["count"] for g in groups]
    fleet_cpu = sum(c * t.cpu_units for c, t in zip(counts, types, strict=True))
    fleet_mem = sum(c * (t.memory_mib - reserved_mem) for c, t in zip(counts, types, strict=True))
    eni_cap = sum(
        c * (t.trunk_enis if trunking and t.trunk_enis else t.enis - 1)
        for c, t in zip(counts, types, strict=True)
    )
    ratio = fleet_mem / fleet_cpu  # MiB per CPU unit
    max_cpu = min(t.cpu_units for t in types) // 2  # a task fits twice on every type
    max_mem = min(t.memory_mib - reserved_mem for t in types) * 0.45
    pool = [(c, t) for g, c, t in zip(groups, counts, types, strict=True)
            if g["attributes"]["pool"] == "memory"]  # fmt: skip
    pool_left = [0.35 * sum(c * t.cpu_units for c, t in pool),
                 0.35 * sum(c * (t.memory_mib - reserved_mem) for c, t in pool)]  # fmt: skip
    budget = utilisation * fleet_cpu

    svcs: list[dict[str, Any]] = []
    daemon = size != "tiny" and rng.random() < 0.6
    for k in range(n_services - daemon):
        kind = rng.choices(list(KINDS), weights=[v[0] for v in KINDS.values()])[0]
        _, cpus, (lo, hi), weight = KINDS[kind]
        cpu = min(rng.choice(cpus), max_cpu)
        mem = min(max(64, cpu * ratio * rng.uniform(lo, hi)), max_mem)
        w = weight * rng.lognormvariate(0, 0.9)  # heavy-tailed share of the CPU budget
        s: dict[str, Any] = {"name": f"{kind}-{k:03d}", "cpu": cpu, "mem": mem, "w": w, "cap": None}
        r = rng.random()
        if kind == "worker":
            s["net"] = "none"
        elif r < 0.15:
            s["net"], s["cap"] = "fixed", max(1, int(0.6 * n_instances))
        elif r < 0.30:
            s["net"] = "awsvpc"
        else:
            s["net"] = "dynamic"
        if s["net"] != "fixed" and rng.random() < 0.12:
            s["distinct"], s["cap"] = True, max(1, n_instances // 2)
        room = int(min(pool_left[0] / cpu, pool_left[1] / mem))  # tasks the pool can spare
        if kind == "cache" and room >= 1 and rng.random() < 0.5:
            if s["cap"] is not None:  # one task per instance, and only on the pool
                room = min(room, max(1, int(0.6 * sum(c for c, _ in pool))))
            s["memberOf"], s["cap"] = True, min(s["cap"] or room, room)
            pool_left = [pool_left[0] - s["cap"] * cpu, pool_left[1] - s["cap"] * mem]
        svcs.append(s)
    if not any(s["cap"] is None and s["net"] != "awsvpc" for s in svcs):
        svcs[0].update(net="dynamic", cap=None, distinct=False, memberOf=False)
    daemon_cpu = 128 if daemon else 0
    budget -= daemon_cpu * n_instances

    # desired counts: budget shares, caps, then exact fix-up on the uncapped services
    total_w = sum(s["w"] for s in svcs)
    for s in svcs:
        s["n"] = max(1, round(budget * s["w"] / total_w / s["cpu"]))
        if s["cap"] is not None:
            s["n"] = min(s["n"], s["cap"])
    eni_left = int(0.4 * eni_cap)
    for s in svcs:
        if s["net"] == "awsvpc":
            s["n"] = max(1, min(s["n"], eni_left))
            eni_left = max(0, eni_left - s["n"])
    free = [s for s in svcs if s["cap"] is None and s["net"] != "awsvpc"]
    free_w = sum(s["w"] for s in free)
    diff = budget - sum(s["n"] * s["cpu"] for s in svcs)
    for s in free:
        s["n"] = max(1, s["n"] + round(diff * s["w"] / free_w / s["cpu"]))
    for s in sorted(free, key=lambda v: -v["cpu"]):  # ends within half the smallest task
        diff = budget - sum(v["n"] * v["cpu"] for v in svcs)
        s["n"] = max(1, s["n"] + round(diff / s["cpu"]))

    # memory: at most 75 % of the fleet's registered memory
    used_mem = sum(s["n"] * s["mem"] for s in svcs) + 256 * daemon * n_instances
    scale = min(1.0, 0.75 * fleet_mem / used_mem)
    for s in svcs:
        s["mem"] = max(64, int(s["mem"] * scale) // 32 * 32)

    services: list[dict[str, Any]] = []
    for k, s in enumerate(svcs):
        td: dict[str, Any] = {"cpu": s["cpu"]}
        if rng.random() < 0.25:
            td.update(memory=s["mem"] * 2, memoryReservation=s["mem"])
        else:
            td["memory"] = s["mem"]
        port = 8443 if s["net"] == "awsvpc" else 8080
        if s["net"] == "fixed":
            td["portMappings"] = [{"containerPort": port, "hostPort": 8000 + k}]
        elif s["net"] == "dynamic":
            td["portMappings"] = [{"containerPort": port, "hostPort": 0}]
        elif s["net"] == "awsvpc":
            td.update(networkMode="awsvpc", portMappings=[{"containerPort": port}])
        svc: dict[str, Any] = {"name": s["name"], "desiredCount": s["n"], "taskDefinition": td}
        strategy = _pick(rng, STRATEGIES)
        if strategy:
            svc["placementStrategy"] = strategy
        constraints = []
        if s.get("distinct"):
            constraints.append({"type": "distinctInstance"})
        if s.get("memberOf"):
            constraints.append({"type": "memberOf", "expression": "attribute:pool == memory"})
        if constraints:
            svc["placementConstraints"] = constraints
        mhp, mp = _pick(rng, PERCENTS)
        config: dict[str, Any] = {"minimumHealthyPercent": mhp, "maximumPercent": mp}
        if rng.random() < 0.06:
            config = {"minimumHealthyPercent": 100, "maximumPercent": 200, "strategy": "BLUE_GREEN"}
        svc["deploymentConfiguration"] = config
        if s["net"] in ("fixed", "dynamic", "awsvpc") and rng.random() < 0.6:
            arn = f"{TARGET_GROUPS}/{s['name']}/{k:016x}"
            svc["loadBalancers"] = [
                {"targetGroupArn": arn, "containerName": s["name"], "containerPort": port}
            ]
        services.append(svc)
    if daemon:
        services.append({
            "name": "log-router",
            "schedulingStrategy": "DAEMON",
            "taskDefinition": {"cpu": daemon_cpu, "memory": 256,
                               "portMappings": [{"containerPort": 24224, "hostPort": 24224}]},
        })  # fmt: skip
    # file order = initial placement order: the daemon (on every instance from its launch),
    # then services that choose their instances (fixed port, ENIs, constraints), then big
    # tasks roughly first
    rng.shuffle(services)
    jitter = {id(v): rng.uniform(0.5, 1.5) for v in services}
    services.sort(
        key=lambda v: (
            v.get("schedulingStrategy") != "DAEMON",
            not _picky(v),
            -v["taskDefinition"]["cpu"] * jitter[id(v)],
        )
    )

    wanted = {"one": 1, "three": 3, "fleet-wide": len(services)}[deploying]
    deploy = set(rng.sample(range(len(services)), min(wanted, len(services))))
    for i, svc in enumerate(services):
        if i not in deploy:
            svc["deploy"] = False
            continue
        old = svc["taskDefinition"]
        if deploying != "fleet-wide" and rng.random() < 0.45:  # a bigger new revision
            grow = rng.choice(("cpu", "memory", "both"))
            cpu_f = rng.choice((1.25, 1.5, 2)) if grow != "memory" else 1
            mem_f = rng.choice((1.25, 1.5, 2)) if grow != "cpu" else 1
            svc["newTaskDefinition"] = _grown(old, cpu_f, mem_f)
        elif deploying == "fleet-wide" and rng.random() < 0.12:  # a little more memory
            svc["newTaskDefinition"] = _grown(old, 1, rng.uniform(1.1, 1.25))

    agent: dict[str, Any] = {}
    if reserved_mem:
        agent["reservedMemory"] = reserved_mem
    if trunking:
        agent["awsvpcTrunking"] = True
    cluster: dict[str, Any] = {"instances": groups}
    if agent:
        cluster["agent"] = agent
    name = f"unseen {size} u{round(utilisation * 100)} {deploying} seed {seed}"
    return {"name": name, "cluster": cluster, "services": services}
