"""The reacting variant of the benchmark families (ROLLOUT.md §10): the same scenarios, on
a cluster whose instances are a capacity provider's Auto Scaling group.

    python -m benchmarks.scale --reacting room,max [--family scale|unseen] [--sizes M]

:func:`react` turns a family's mapping (:mod:`benchmarks.scale`, :mod:`benchmarks.unseen`)
into its reacting variant:

- one capacity provider, ``fleet``, whose Auto Scaling group is every group of
  ``cluster.instances`` (``autoScalingGroup.group``: their names), launching the fleet's
  types (``instanceTypes``; planner launches the smallest, ROLLOUT.md §10) in the fleet's
  zones, managed scaling on with ECS's defaults (targetCapacity 100, steps 1–10,000);
- ``maxSize``: ``room``: the running instances + 25 % (rounded up), so the group can grow;
  ``max``: the running instances, so the group is at its maxSize and cannot;
- every REPLICA service gets ``capacityProviderStrategy: [{capacityProvider: fleet,
  weight: 1}]``; a DAEMON service none (ECS does not run daemons through a capacity
  provider strategy), nor a service of the CODE_DEPLOY controller (a deployment drops it).

The mapping is written in CONTRACT.md's scenario format. While planner's scenario loader
does not read ``capacityProviders`` yet (it refuses the field), :func:`to_scenario` builds
the same scenario in Python (the mapping without the provider fields, loaded, then the
provider and the strategies added), and the harness solves each file with
``python -m benchmarks.reacting solve FILE ...``: ``planner solve``'s own command with
the file's loading replaced by :func:`to_scenario`, nothing else. Once the loader reads
the fields, :func:`loader_reads_providers` says so and the harness runs ``planner solve``
itself; the report names the command it ran.
"""

from __future__ import annotations

import copy
import math
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

MODES = ("room", "max")
#: ``room``: maxSize is the running instances plus this share, rounded up.
ROOM = 0.25
PROVIDER = "fleet"


def max_size(running: int, mode: str) -> int:
    """The group's maxSize for ``mode`` (``room`` or ``max``), ``running`` instances now.

    >>> max_size(50, "room"), max_size(50, "max"), max_size(4, "room")
    (63, 50, 5)
    """
    if mode == "max":
        return running
    if mode == "room":
        return math.ceil(running * (1 + ROOM) - 1e-9)
    raise ValueError(f"unknown mode {mode!r}: one of {', '.join(MODES)}")


def _group_name(group: dict[str, Any]) -> str:
    return str(group.get("type") or group["name"])


def react(mapping: dict[str, Any], mode: str) -> dict[str, Any]:
    """The reacting variant of a family's ``mapping`` (a new mapping; the module
    docstring says what changes). Its name gains ``-room`` or ``-max``."""
    out = copy.deepcopy(mapping)
    cluster = out["cluster"]
    groups = cluster["instances"]
    running = sum(g["count"] for g in groups)
    names = list(dict.fromkeys(_group_name(g) for g in groups))
    zones = list(dict.fromkeys(z for g in groups for z in g.get("availabilityZones", ())))
    asg: dict[str, Any] = {"instanceTypes": names}
    if zones:
        asg["availabilityZones"] = zones
    asg |= {"minSize": 0, "maxSize": max_size(running, mode), "group": list(names)}
    cluster["capacityProviders"] = [
        {
            "name": PROVIDER,
            "autoScalingGroup": asg,
            "managedScaling": {"status": "ENABLED", "targetCapacity": 100},
        }
    ]
    for svc in out["services"]:
        if svc.get("schedulingStrategy") == "DAEMON":
            continue
        if svc.get("deploymentController") == "CODE_DEPLOY":
            continue
        svc["capacityProviderStrategy"] = [{"capacityProvider": PROVIDER, "weight": 1}]
    out["name"] = f"{out['name']}-{mode}"
    return out


def _without_providers(mapping: dict[str, Any]) -> dict[str, Any]:
    plain = copy.deepcopy(mapping)
    plain["cluster"].pop("capacityProviders", None)
    plain["cluster"].pop("defaultCapacityProviderStrategy", None)
    for svc in plain["services"]:
        svc.pop("capacityProviderStrategy", None)
    return plain


def loader_reads_providers() -> bool:
    """Whether planner's scenario loader reads ``capacityProviders`` (else the harness
    builds reacting scenarios with :func:`to_scenario`)."""
    from planner.errors import PlannerError
    from planner.inputs.loading import load_scenario

    probe = react(
        {
            "name": "probe",
            "cluster": {"instances": [{"type": "m5.large", "count": 1}]},
            "services": [
                {"name": "a", "desiredCount": 1, "taskDefinition": {"cpu": 256, "memory": 256}}
            ],
        },
        "room",
    )
    try:
        return bool(load_scenario(probe).capacity_providers)
    except PlannerError:
        return False


def to_scenario(mapping: dict[str, Any], *, path: str | None = None) -> Any:
    """The :class:`~planner.model.scenario.Scenario` of a reacting mapping, built in Python:
    the mapping without its provider fields through planner's loader, then each capacity
    provider (its launch types taken from the fleet's groups of those types, without
    their zones and custom attributes: new instances carry neither, ROLLOUT.md §10) and
    each service's strategy added."""
    from planner.inputs.loading import load_scenario
    from planner.model.providers import CapacityProvider, ManagedScaling, StrategyItem

    base = load_scenario(_without_providers(mapping))
    groups = base.instance_groups
    names = [_group_name(g) for g in mapping["cluster"]["instances"]]
    providers = []
    for cp in mapping["cluster"].get("capacityProviders", ()):
        asg = cp["autoScalingGroup"]
        owned = asg.get("group", ())
        owned = [owned] if isinstance(owned, str) else list(owned)
        mine = tuple(k for k, name in enumerate(names) if name in owned)
        launch = tuple(
            replace(
                groups[names.index(kind)], count=None, zones=(), attributes=(), instance_ids=None
            )
            for kind in asg["instanceTypes"]
        )
        ms = cp.get("managedScaling", {})
        scaling = ManagedScaling(
            status=ms.get("status", "ENABLED"),
            target_capacity=ms.get("targetCapacity", 100),
            minimum_step=ms.get("minimumScalingStepSize", 1),
            maximum_step=ms.get("maximumScalingStepSize", 10_000),
            warmup=ms.get("instanceWarmupPeriod", 300),
        )
        providers.append(
            CapacityProvider(
                cp["name"],
                launch,
                tuple(asg.get("availabilityZones", ())),
                asg.get("minSize", 0),
                asg["maxSize"],
                mine,
                scaling,
            )
        )
    services = []
    for svc, raw in zip(base.services, mapping["services"], strict=True):
        items = raw.get("capacityProviderStrategy")
        if items is not None:
            strategy = tuple(
                StrategyItem(i["capacityProvider"], i.get("base", 0), i.get("weight", 0))
                for i in items
            )
            svc = replace(svc, capacity_provider_strategy=strategy)
        services.append(svc)
    return replace(
        base,
        services=tuple(services),
        capacity_providers=tuple(providers),
        path=path if path is not None else base.path,
    )


def load(mapping: dict[str, Any]) -> Any:
    """A reacting mapping as planner sees it: by its loader where it reads capacity
    providers, else by :func:`to_scenario`."""
    from planner.inputs.loading import load_scenario

    if loader_reads_providers():
        return load_scenario(mapping)
    return to_scenario(mapping)


def solve_command() -> list[str]:
    """The command the harness solves a reacting file with (before its ``FILE``)."""
    from benchmarks.scale import planner_command

    if loader_reads_providers():
        return [*planner_command(), "solve"]
    return [sys.executable, "-m", "benchmarks.reacting", "solve"]


def solved_by() -> str:
    """What the report says stood for ``planner solve``."""
    if loader_reads_providers():
        return "planner solve"
    return "python -m benchmarks.reacting solve"


def mapping_max_size(mapping: dict[str, Any]) -> int | None:
    """The reacting mapping's maxSize (its one provider's), None for a fixed fleet."""
    cps = mapping["cluster"].get("capacityProviders")
    return sum(cp["autoScalingGroup"]["maxSize"] for cp in cps) if cps else None


def describe(solved_by: str) -> str:
    """The report's paragraph on the reacting variant."""
    how = (
        "`planner solve FILE`"
        if solved_by == "planner solve"
        else "`python -m benchmarks.reacting solve FILE` (`planner solve`'s own command, "
        "the file read by `benchmarks/reacting.py` because planner's scenario loader does "
        "not read `capacityProviders` on this commit; the same Scenario otherwise)"
    )
    return (
        "Reacting variant (`benchmarks/reacting.py`, ROLLOUT.md §10): the same scenarios, "
        "the fleet one capacity provider's Auto Scaling group (every instance group of "
        "the file, launching the fleet's types, planner launching the smallest; managed "
        "scaling on, targetCapacity 100), every REPLICA service with the provider in its "
        "capacityProviderStrategy. *room*: maxSize = the running instances + 25 % "
        "(rounded up), the group can grow; *max*: maxSize = the running instances, the "
        f"group is at its maxSize. Solved by {how}. *outcome*: the JSON's `outcome.kind`."
    )


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m benchmarks.reacting solve FILE [planner solve's options]``: planner's
    own ``solve`` command, with the scenario file read by :func:`to_scenario`."""
    import yaml

    import planner
    from planner.cli import main as planner_main

    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "solve":
        raise SystemExit("usage: python -m benchmarks.reacting solve FILE [options]")

    def load_file(path: Any) -> Any:
        mapping = yaml.safe_load(Path(path).read_text())
        return to_scenario(mapping, path=str(path))

    own, argv = planner.load_scenario, sys.argv
    planner.load_scenario = load_file  # type: ignore[assignment]
    sys.argv = ["planner", *args]
    try:
        planner_main()
    finally:  # called in a process of its own, or from a test: leave both as they were
        planner.load_scenario, sys.argv = own, argv


if __name__ == "__main__":
    main()
