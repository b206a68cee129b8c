"""The scenario file ``planner import`` writes: its two header lines and the YAML."""

from __future__ import annotations

from collections import Counter
from typing import Any

from planner.inputs.aws.instances import group_name


def import_notes(mapping: dict[str, Any], deploy: dict[str, str] | None) -> list[str]:
    """What a scenario of :func:`~planner.inputs.importing.import_folder` holds and
    deploys: the header of ``planner import``'s output. The fleet (by type and zone), a
    line per capacity provider, and what deploys (the last line)."""
    counts: Counter[str] = Counter()  # by type and zone (groups a MiB apart together)
    for g in mapping["cluster"]["instances"]:
        counts[group_name(g)] += g["count"]
    n = sum(counts.values())
    fleet = ", ".join(f"{k} × {name}" for name, k in counts.items())
    lines = [f"{n} container instance{'s' * (n != 1)}: {fleet}"]
    for cp in mapping["cluster"].get("capacityProviders", []):
        asg = cp["autoScalingGroup"]
        linked = set(asg.get("group", []))
        running = sum(g["count"] for g in mapping["cluster"]["instances"] if g["name"] in linked)
        lines.append(
            f"capacity provider {cp['name']}: Auto Scaling group of "
            f"{', '.join(asg['instanceTypes'])} in {', '.join(asg['availabilityZones'])}, "
            f"{running} instance{'s' * (running != 1)} running, at most {asg['maxSize']}"
        )
    if deploy:
        lines.append(
            f"--deploy: {', '.join(sorted(deploy))} roll{'s' * (len(deploy) == 1)} out the "
            "revision given; the other services keep still (deploy: false) unless ECS is "
            "moving them already"
        )
    else:
        lines.append(
            "no --deploy: every service is force-redeployed with the revision it runs (as "
            "`aws ecs update-service --force-new-deployment` does), and a deployment in "
            "progress runs to its end; --deploy SERVICE=TASKDEF.json names a revision to roll "
            "out instead"
        )
    return lines


def scenario_yaml(mapping: dict[str, Any], notes: list[str]) -> str:
    """The scenario file: ``notes`` as comments, then the mapping, written out in full
    (no YAML anchors and aliases where two lists are equal)."""
    import yaml

    class Plain(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    head = "".join(f"# {line}\n" for line in notes)
    return head + yaml.dump(mapping, Dumper=Plain, sort_keys=False, allow_unicode=True)
