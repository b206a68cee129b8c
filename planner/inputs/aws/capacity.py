"""The cluster that reacts (ROLLOUT.md §10), from its exports: the cluster's capacity
providers and default strategy (``clusters.json``), each provider's Auto Scaling group and
managed scaling (``capacity-providers.json``, ``auto-scaling-groups.json``), and the
instance types the group launches (its mixed-instances overrides, else the version of its
launch template in ``launch-template-versions.json``, else its launch configuration in
``launch-configurations.json``).

Each file is read when what came before names what it holds, so a cluster without capacity
providers imports from the three listings alone. A file that is needed and missing, or that
does not hold what is named, is refused in one sentence naming the command that exports
it. The group's instances are linked by EC2 id to the container instances imported: the
instance groups they form are the provider's running instances.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.inputs.aws.export import export_list, need, read_export
from planner.inputs.aws.services import strategy
from planner.model.catalog import suggest_type

#: AWS's own capacity providers: Fargate, set aside (planner models container instances).
FARGATE = ("FARGATE", "FARGATE_SPOT")
#: A provider's managed scaling, in the API's names (API ``ManagedScaling``).
SCALING_FIELDS = (
    "status",
    "targetCapacity",
    "minimumScalingStepSize",
    "maximumScalingStepSize",
    "instanceWarmupPeriod",
)
#: Lifecycle states of a group's instance that hold a place in it (toward MaxSize).
HOLDING = ("Pending", "Pending:Wait", "Pending:Proceed", "InService")
_HOW = "(README: Importing a cluster)"


@dataclass
class Provider:
    """A capacity provider with an Auto Scaling group, as the exports describe it."""

    name: str
    group: str  #: the Auto Scaling group's name
    types: list[str]  #: the instance types it launches, in the order given
    zones: list[str]
    min_size: int
    max_size: int
    scaling: dict[str, Any]  #: managedScaling's fields that the export gives
    instances: list[str]  #: EC2 ids of the group's instances that hold a place in it


@dataclass
class Capacity:
    """The providers to write, the cluster's default strategy, and the warnings met."""

    providers: list[Provider] = field(default_factory=list)
    default: list[dict[str, Any]] | None = None
    warnings: list[str] = field(default_factory=list)

    def owners(self) -> dict[str, str]:
        """EC2 instance id -> the provider whose group holds it."""
        return {i: p.name for p in self.providers for i in p.instances}


def asg_name(ref: str) -> str:
    """An Auto Scaling group's name from a capacity provider's ``autoScalingGroupArn``
    (its ARN, ``...:autoScalingGroupName/NAME``, or its name)."""
    return ref.split("autoScalingGroupName/", 1)[-1]


class _Files:
    """The optional export files, each read once, when first needed."""

    def __init__(self, root: Path, limit: int, known: Collection[str] | None) -> None:
        self.root, self.limit, self.known = root, limit, known
        self.docs: dict[str, Any] = {}

    def known_type(self, kind: str, group: str, name: str, where: str) -> str:
        """``kind``, refused (in file ``name`` at ``where``) when the catalog lacks it."""
        if self.known is None or kind in self.known:
            return kind
        close = suggest_type(kind, self.known)
        raise PlannerError(
            f"the Auto Scaling group {group} launches {kind}, which planner's catalog does not "
            "list" + (f" (did you mean {close}?)" if close else "") + ": planner needs "
            "each type's CPU units, memory and ENIs (`planner instance-types` lists the known "
            "ones)",
            file=str(self.path(name)),
            field=where,
        )

    def path(self, name: str) -> Path:
        return self.root / name

    def listing(self, name: str, key: str, missing: str) -> list[dict[str, Any]]:
        """The list ``key`` of ``name``; ``missing`` (after "is missing: ") when absent."""
        if name not in self.docs:
            self.docs[name] = read_export(self.path(name), self.limit, "is missing: " + missing)
        return export_list(self.docs[name], key, self.path(name))


def _names(value: Any, path: Path, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise PlannerError("expected a list of names", file=str(path), field=where)
    return list(value)


def _strategy_names(items: Any, path: Path, where: str) -> list[str]:
    """The providers a capacity provider strategy names, refused unless it is a list of
    items that each name one."""
    if items is None:
        return []
    if not isinstance(items, list):
        raise PlannerError("expected a list of strategy items", file=str(path), field=where)
    out = []
    for k, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("capacityProvider"), str):
            raise PlannerError(
                "expected {capacityProvider, base, weight}", file=str(path), field=f"{where}[{k}]"
            )
        out.append(item["capacityProvider"])
    return out


def _whole(item: dict[str, Any], key: str, path: Path, where: str) -> int:
    value = need(item, key, path, where)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise PlannerError(
            f"expected a whole number ≥ 0, got {value!r}", file=str(path), field=f"{where}.{key}"
        )
    return value


def read_capacity(
    root: Path,
    ec2: list[tuple[int, dict[str, Any]]],
    limit: int,
    known: Collection[str] | None = None,
) -> Capacity:
    """The capacity providers that the cluster lists or its EC2 services use (``ec2``:
    index in services.json and service), with their groups, read from ``root``; the
    instance types they launch must be ``known`` (the catalog's names; None: any).

    Raises
    ------
    PlannerError
        For a file that is needed and missing or garbled, or that does not hold what the
        files before it name; for a provider that a service uses and planner cannot model
        (no Auto Scaling group, instance types chosen by attributes).
    """
    files = _Files(root, limit, known)
    out = Capacity()
    services_path = root / "services.json"
    used: dict[str, str] = {}  # provider -> who uses it first ("service api")
    for k, svc in ec2:
        for name in _strategy_names(
            svc.get("capacityProviderStrategy"),
            services_path,
            f"services[{k}].capacityProviderStrategy",
        ):
            used.setdefault(name, f"service {svc['serviceName']}")
    # a service with neither its own strategy nor a launch type takes the cluster's default
    on_default = [
        svc["serviceName"]
        for _, svc in ec2
        if not svc.get("capacityProviderStrategy") and not svc.get("launchType")
    ]
    listed = _cluster(files, out, used, on_default)
    if listed is None:  # no clusters.json: every provider of capacity-providers.json
        listed = []
        if files.path("capacity-providers.json").exists():
            listed = [
                need(cp, "name", files.path("capacity-providers.json"), f"capacityProviders[{j}]")
                for j, cp in enumerate(
                    files.listing("capacity-providers.json", "capacityProviders", "")
                )
            ]
            if on_default and listed:
                out.warnings.append(
                    f"clusters.json is missing: the cluster's default capacity provider strategy, "
                    f"which {', '.join(on_default)} take{'s' * (len(on_default) == 1)}, is "
                    "unknown; export `aws ecs describe-clusters` to model it"
                )
    wanted = list(dict.fromkeys(n for n in [*listed, *used] if n not in FARGATE))
    if wanted:
        out.providers = _providers(files, wanted, used, out.warnings)
    return out


def _cluster(
    files: _Files, out: Capacity, used: dict[str, str], on_default: list[str]
) -> list[str] | None:
    """The providers clusters.json lists (None without the file); the default strategy into
    ``out`` and, when services take it, its providers into ``used``."""
    path = files.path("clusters.json")
    if not path.exists():
        return None
    clusters = files.listing("clusters.json", "clusters", "")
    if len(clusters) != 1:
        raise PlannerError(
            f"lists {len(clusters)} clusters: export the one imported "
            "(`aws ecs describe-clusters --clusters CLUSTER`)",
            file=str(path),
            field="clusters",
        )
    cluster = clusters[0]
    listed = _names(cluster.get("capacityProviders"), path, "clusters[0].capacityProviders")
    where = "clusters[0].defaultCapacityProviderStrategy"
    default = cluster.get("defaultCapacityProviderStrategy")
    names = _strategy_names(default, path, where)
    if not names:
        return listed
    if any(n in FARGATE for n in names):
        if on_default:
            out.warnings.append(
                f"the cluster's default capacity provider strategy names "
                f"{next(n for n in names if n in FARGATE)}: it is not written, and "
                f"{', '.join(on_default)} (no strategy or launch type of their own) are "
                "judged by where their tasks run"
            )
        return listed
    out.default = strategy(default or [])
    if on_default:
        for name in names:
            used.setdefault(name, "the cluster's default capacity provider strategy")
    return listed


def _providers(
    files: _Files, wanted: list[str], used: dict[str, str], warnings: list[str]
) -> list[Provider]:
    """The providers ``wanted`` that have an Auto Scaling group, in that order."""
    first = wanted[0]
    who = used.get(first, "the cluster")
    path = files.path("capacity-providers.json")
    described = files.listing(
        "capacity-providers.json",
        "capacityProviders",
        f"{who} uses capacity provider {first}: export `aws ecs describe-capacity-providers "
        f"--capacity-providers {first}` {_HOW}"
        if first in used
        else f"the cluster lists capacity provider {first}: export `aws ecs "
        f"describe-capacity-providers --capacity-providers {first}` {_HOW}",
    )
    by_name = {
        need(cp, "name", path, f"capacityProviders[{j}]"): j for j, cp in enumerate(described)
    }
    out = []
    for name in wanted:
        who = used.get(name, "the cluster lists")
        if name not in by_name:
            raise PlannerError(
                f"does not describe capacity provider {name}, which "
                f"{who + ' uses' if name in used else 'the cluster lists'}: export it with "
                f"`aws ecs describe-capacity-providers --capacity-providers {name}`",
                file=str(path),
                field="capacityProviders",
            )
        j = by_name[name]
        where = f"capacityProviders[{j}].autoScalingGroupProvider"
        asgp = described[j].get("autoScalingGroupProvider")
        if not isinstance(asgp, dict) or not asgp.get("autoScalingGroupArn"):
            if name in used:
                raise PlannerError(
                    f"capacity provider {name}, which {who} uses, has no Auto Scaling group: "
                    "planner models Auto Scaling group capacity providers (and sets Fargate "
                    "aside)",
                    file=str(path),
                    field=where,
                )
            warnings.append(
                f"capacity provider {name} has no Auto Scaling group and no service uses it: "
                "left out"
            )
            continue
        scaling = asgp.get("managedScaling")
        if scaling is not None and not isinstance(scaling, dict):
            raise PlannerError(
                "expected managedScaling {status, targetCapacity, ...}",
                file=str(path),
                field=f"{where}.managedScaling",
            )
        kept = {f: v for f, v in (scaling or {}).items() if f in SCALING_FIELDS and v is not None}
        out.append(_provider(files, name, str(asgp["autoScalingGroupArn"]), kept))
    return out


def _provider(files: _Files, name: str, ref: str, scaling: dict[str, Any]) -> Provider:
    """The provider ``name`` whose group ``ref`` (its ARN, or its name) is exported."""
    group_name = asg_name(ref)
    path = files.path("auto-scaling-groups.json")
    command = (
        f"`aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names {group_name}`"
    )
    groups = files.listing(
        "auto-scaling-groups.json",
        "AutoScalingGroups",
        f"capacity provider {name} scales the Auto Scaling group {group_name}: export "
        f"{command} {_HOW}",
    )
    j = next(
        (
            j
            for j, g in enumerate(groups)
            if g.get("AutoScalingGroupARN") == ref or g.get("AutoScalingGroupName") == group_name
        ),
        None,
    )
    if j is None:
        raise PlannerError(
            f"does not describe the Auto Scaling group {group_name} of capacity provider "
            f"{name}: export it with {command}",
            file=str(path),
            field="AutoScalingGroups",
        )
    group, where = groups[j], f"AutoScalingGroups[{j}]"
    instances = group.get("Instances") or []
    if not isinstance(instances, list) or not all(isinstance(i, dict) for i in instances):
        raise PlannerError(
            "expected a list of instances", file=str(path), field=f"{where}.Instances"
        )
    return Provider(
        name=name,
        group=group_name,
        types=_types(files, group, group_name, where),
        zones=_names(
            need(group, "AvailabilityZones", path, where), path, f"{where}.AvailabilityZones"
        ),
        min_size=_whole(group, "MinSize", path, where),
        max_size=_whole(group, "MaxSize", path, where),
        scaling=scaling,
        instances=[
            str(need(i, "InstanceId", path, f"{where}.Instances[{k}]"))
            for k, i in enumerate(instances)
            if i.get("LifecycleState", "InService") in HOLDING
        ],
    )


def launched_from(group: dict[str, Any]) -> tuple[list[str], dict[str, Any] | None, str | None]:
    """Where an Auto Scaling group's instance types come from, the first that it gives:
    its mixed-instances overrides' types; else the launch template (the mixed-instances
    policy's, or its own) as ``{LaunchTemplateId, LaunchTemplateName, Version}``; else its
    launch configuration's name. The others are empty."""
    mixed = group.get("MixedInstancesPolicy")
    spec = group.get("LaunchTemplate")
    if isinstance(mixed, dict):
        template = mixed.get("LaunchTemplate") or {}
        types = [
            o["InstanceType"]
            for o in template.get("Overrides") or []
            if isinstance(o, dict) and isinstance(o.get("InstanceType"), str)
        ]
        if types:
            return list(dict.fromkeys(types)), None, None
        spec = template.get("LaunchTemplateSpecification")
    if isinstance(spec, dict):
        return [], spec, None
    configuration = group.get("LaunchConfigurationName")
    return [], None, str(configuration) if configuration else None


def _types(files: _Files, group: dict[str, Any], name: str, where: str) -> list[str]:
    """The instance types ``group`` launches (:func:`launched_from`), each in the catalog."""
    path = files.path("auto-scaling-groups.json")
    mixed = group.get("MixedInstancesPolicy")
    spec_where = f"{where}.LaunchTemplate"
    if isinstance(mixed, dict):
        mixed_where = f"{where}.MixedInstancesPolicy.LaunchTemplate"
        spec_where = f"{mixed_where}.LaunchTemplateSpecification"
        for k, override in enumerate((mixed.get("LaunchTemplate") or {}).get("Overrides") or []):
            if not isinstance(override, dict):
                continue
            if override.get("InstanceRequirements"):
                raise PlannerError(
                    f"the Auto Scaling group {name} chooses instance types by attributes "
                    "(InstanceRequirements): planner needs the types it launches; list them "
                    "as overrides' InstanceType",
                    file=str(path),
                    field=f"{mixed_where}.Overrides[{k}]",
                )
            if isinstance(override.get("InstanceType"), str):
                at = f"{mixed_where}.Overrides[{k}].InstanceType"
                files.known_type(override["InstanceType"], name, "auto-scaling-groups.json", at)
    types, spec, configuration = launched_from(group)
    if types:
        return types
    if spec is not None:
        return [_template_type(files, spec, name, spec_where)]
    if configuration is not None:
        return [_configuration_type(files, configuration, name)]
    raise PlannerError(
        f"the Auto Scaling group {name} names no launch template, mixed-instances policy or "
        "launch configuration: planner cannot tell which instance types it launches",
        file=str(path),
        field=where,
    )


def _template_type(files: _Files, spec: dict[str, Any], group: str, where: str) -> str:
    """The instance type of the launch template version ``spec`` names (``$Latest``: the
    highest version exported; ``$Default``, or none given: the default one)."""
    ident, label = spec.get("LaunchTemplateId"), spec.get("LaunchTemplateName")
    version = str(spec.get("Version") or "$Default")
    if not ident and not label:
        raise PlannerError(
            "expected LaunchTemplateId or LaunchTemplateName",
            file=str(files.path("auto-scaling-groups.json")),
            field=where,
        )
    which = f"--launch-template-id {ident}" if ident else f"--launch-template-name {label}"
    command = f"`aws ec2 describe-launch-template-versions {which}`"
    path = files.path("launch-template-versions.json")
    versions = files.listing(
        "launch-template-versions.json",
        "LaunchTemplateVersions",
        f"the Auto Scaling group {group} launches launch template {label or ident} "
        f"(version {version}): export {command} {_HOW}",
    )
    mine = [
        (k, v)
        for k, v in enumerate(versions)
        if (ident and v.get("LaunchTemplateId") == ident)
        or (not ident and v.get("LaunchTemplateName") == label)
    ]
    chosen: tuple[int, dict[str, Any]] | None = None
    if version == "$Latest" and mine:
        chosen = max(mine, key=lambda kv: int(kv[1].get("VersionNumber") or 0))
    elif version == "$Default":
        chosen = next(((k, v) for k, v in mine if v.get("DefaultVersion") is True), None)
    else:
        chosen = next(((k, v) for k, v in mine if str(v.get("VersionNumber")) == version), None)
    if chosen is None:
        raise PlannerError(
            f"does not hold version {version} of launch template {label or ident}, which the "
            f"Auto Scaling group {group} launches: export it with {command}",
            file=str(path),
            field="LaunchTemplateVersions",
        )
    k, found = chosen
    kind = (found.get("LaunchTemplateData") or {}).get("InstanceType")
    if not isinstance(kind, str) or not kind:
        raise PlannerError(
            f"launch template {label or ident} version {found.get('VersionNumber')} names no "
            f"instance type: planner needs the types that the Auto Scaling group {group} "
            "launches",
            file=str(path),
            field=f"LaunchTemplateVersions[{k}].LaunchTemplateData.InstanceType",
        )
    at = f"LaunchTemplateVersions[{k}].LaunchTemplateData.InstanceType"
    return files.known_type(kind, group, "launch-template-versions.json", at)


def _configuration_type(files: _Files, name: str, group: str) -> str:
    command = (
        f"`aws autoscaling describe-launch-configurations --launch-configuration-names {name}`"
    )
    path = files.path("launch-configurations.json")
    configurations = files.listing(
        "launch-configurations.json",
        "LaunchConfigurations",
        f"the Auto Scaling group {group} launches launch configuration {name}: export "
        f"{command} {_HOW}",
    )
    for k, lc in enumerate(configurations):
        if lc.get("LaunchConfigurationName") == name:
            kind = str(need(lc, "InstanceType", path, f"LaunchConfigurations[{k}]"))
            at = f"LaunchConfigurations[{k}].InstanceType"
            return files.known_type(kind, group, "launch-configurations.json", at)
    raise PlannerError(
        f"does not describe launch configuration {name}, which the Auto Scaling group {group} "
        f"launches: export it with {command}",
        file=str(path),
        field="LaunchConfigurations",
    )


def capacity_yaml(
    capacity: Capacity, groups: list[dict[str, Any]], order: list[int], tags: list[str | None]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The scenario file's ``cluster.capacityProviders``, and the warnings met.

    ``groups`` are the instance groups (:func:`~planner.inputs.aws.instances.group_alike`
    with ``tags``, so that no group mixes providers), ``order`` the export's instance index
    of every instance of the groups in their order, ``tags`` per exported instance the
    provider whose group holds it. A provider's group whose name a group of another
    provider (or of none) has is renamed by a number ("c5.large in us-east-1a (2)"):
    ``group`` names it, and a name links every group so named (ROLLOUT.md §10); groups of
    one provider a MiB apart keep their shared name.
    """
    group_tags = _group_tags(groups, order, tags)
    taken = {g["name"] for g, tag in zip(groups, group_tags, strict=True) if tag is None}
    renamed: dict[tuple[str, str], str] = {}  # (provider, name) -> the name written
    named: dict[str, list[str]] = {}
    for g, tag in zip(groups, group_tags, strict=True):
        if tag is None:
            continue
        if (tag, g["name"]) not in renamed:
            name, k = g["name"], 2
            while name in taken:
                name, k = f"{g['name']} ({k})", k + 1
            taken.add(name)
            renamed[tag, g["name"]] = name
            named.setdefault(tag, []).append(name)
        g["name"] = renamed[tag, g["name"]]
    registered = {i for g in groups for i in g["instanceIds"]}
    out, warnings = [], []
    for p in capacity.providers:
        asg: dict[str, Any] = {
            "instanceTypes": p.types,
            "availabilityZones": p.zones,
            "minSize": p.min_size,
            "maxSize": p.max_size,
        }
        if named.get(p.name):
            asg["group"] = named[p.name]
        else:
            asg["instances"] = 0
        item: dict[str, Any] = {"name": p.name, "autoScalingGroup": asg}
        if p.scaling:
            item["managedScaling"] = p.scaling
        out.append(item)
        strangers = [i for i in p.instances if i not in registered]
        if strangers:
            n = len(strangers)
            warnings.append(
                f"the Auto Scaling group {p.group} (capacity provider {p.name}) has {n} "
                f"instance{'s' * (n != 1)} that container-instances.json does not list "
                f"({', '.join(strangers[:3])}{', ...' if n > 3 else ''}): "
                f"{'they hold places' if n != 1 else 'it holds a place'} toward MaxSize "
                f"{p.max_size} but planner counts only the container instances (not yet "
                "registered?)"
            )
    return out, warnings


def _group_tags(
    groups: list[dict[str, Any]], order: list[int], tags: list[str | None]
) -> list[str | None]:
    """Per group, the provider of its instances (one: the groups are tagged alike)."""
    out, start = [], 0
    for g in groups:
        out.append(tags[order[start]] if order else None)
        start += g["count"]
    return out
