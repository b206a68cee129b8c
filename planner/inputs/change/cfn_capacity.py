"""Capacity in a CloudFormation template: ``AWS::ECS::CapacityProvider`` with its Auto
Scaling group and launch template or configuration, and the cluster's default strategy,
in the scenario's ``cluster.capacityProviders`` shape. The rules are in
:mod:`planner.inputs.change.cloudformation`."""

from __future__ import annotations

from typing import Any

from planner.inputs.change.cfn_intrinsics import ResourceRef, shown
from planner.inputs.change.cfn_reading import (
    _SCALING,
    CAPACITY_PROVIDER,
    GROUP,
    LAUNCH_CONFIGURATION,
    LAUNCH_TEMPLATE,
    Path_,
    Reading,
    _camel,
)


class CapacityReading(Reading):
    """Reads capacity providers, their groups, and strategies."""

    def strategy(self, at: Path_, value: Any) -> list[dict[str, Any]] | None:
        listed = self.items(at, value, "the capacity provider strategy")
        if listed is None:
            return None
        out = []
        for where, item in listed:
            name = self.provider_name((*where, "CapacityProvider"), item.get("CapacityProvider"))
            entry: dict[str, Any] = {"capacityProvider": name}
            for key in ("Base", "Weight"):
                got = self.whole((*where, key), item.get(key), key)
                if got is not None:
                    entry[_camel(key)] = got
            out.append(entry)
        return out

    def provider_name(self, at: Path_, value: Any) -> str:
        got = self.need(at, value, "the capacity provider's name")
        if self.kind(got) == CAPACITY_PROVIDER:
            assert isinstance(got, ResourceRef)
            return self.capacity_provider_name(got.logical_id)
        if not isinstance(got, str) or not got:
            raise self.error(at, f"must be a capacity provider's name, got {shown(got)}")
        return got

    # -- capacity -------------------------------------------------------------------

    def capacity_provider_name(self, lid: str) -> str:
        named = self.text(
            self.path(lid, "Name"), self.props(lid).get("Name"), "the provider's Name"
        )
        if named:
            return named
        self.note(
            f"capacity provider {lid}: no Name; CloudFormation generates one, so planner "
            f"calls it {lid}"
        )
        return lid

    def capacity_provider(self, lid: str) -> dict[str, Any] | None:
        props = self.props(lid)
        at = self.path(lid, "AutoScalingGroupProvider")
        provider = self.need(at, props.get("AutoScalingGroupProvider"), "AutoScalingGroupProvider")
        if not isinstance(provider, dict):
            self.change.skipped.append(f"{lid} ({CAPACITY_PROVIDER}): no Auto Scaling group")
            return None
        group = provider.get("AutoScalingGroupArn")
        if self.kind(group) != GROUP:
            self.change.skipped.append(
                f"{lid} ({CAPACITY_PROVIDER}): its Auto Scaling group is not in the template; "
                "the cluster's description of the provider is used"
            )
            return None
        assert isinstance(group, ResourceRef)
        name = self.capacity_provider_name(lid)
        out: dict[str, Any] = {"name": name, "autoScalingGroup": self.group(group.logical_id, name)}
        scaling = provider.get("ManagedScaling")
        if isinstance(scaling, dict):
            managed: dict[str, Any] = {}
            for key in _SCALING:
                if scaling.get(key) is None:
                    continue
                where = (*at, "ManagedScaling", key)
                if key == "Status":
                    managed["status"] = self.text(where, scaling[key], key)
                else:
                    managed[_camel(key)] = self.whole(where, scaling[key], key)
            out["managedScaling"] = managed
        out["_group"] = group.logical_id
        return out

    def group(self, lid: str, provider: str) -> dict[str, Any]:
        props = self.props(lid)
        sizes = {}
        for key in ("MinSize", "MaxSize", "DesiredCapacity"):
            sizes[key] = self.whole(self.path(lid, key), props.get(key), f"the group's {key}")
        if sizes["MaxSize"] is None:
            raise self.error(self.path(lid, "MaxSize"), "is required: the group's MaxSize")
        out: dict[str, Any] = {"instanceTypes": self.instance_types(lid, props)}
        zones = self.maybe(props.get("AvailabilityZones"))
        if isinstance(zones, list) and zones and all(isinstance(z, str) for z in zones):
            out["availabilityZones"] = zones
        else:
            self.note(
                f"capacity provider {provider}: its group {lid} names subnets "
                "(VPCZoneIdentifier) or zones planner cannot know; subnets give no zones, so "
                "the provider's zones are the cluster's"
            )
        out["minSize"] = sizes["MinSize"] or 0
        out["maxSize"] = sizes["MaxSize"]
        running = sizes["DesiredCapacity"]
        out["instances"] = running if running is not None else (sizes["MinSize"] or 0)
        return out

    def instance_types(self, lid: str, props: dict[str, Any]) -> list[str]:
        mixed = props.get("MixedInstancesPolicy")
        if isinstance(mixed, dict) and isinstance(mixed.get("LaunchTemplate"), dict):
            at = self.path(lid, "MixedInstancesPolicy", "LaunchTemplate")
            spec = mixed["LaunchTemplate"]
            types = []
            for where, item in (
                self.items((*at, "Overrides"), spec.get("Overrides"), "Overrides") or []
            ):
                if item.get("InstanceRequirements") is not None:
                    raise self.error(
                        (*where, "InstanceRequirements"),
                        "attribute-based instance selection: planner needs the instance "
                        "types; list them as InstanceType overrides",
                    )
                got = self.text((*where, "InstanceType"), item.get("InstanceType"), "InstanceType")
                if got:
                    types.append(got)
            if types:
                return types
            return self.launch_template(
                (*at, "LaunchTemplateSpecification"), spec.get("LaunchTemplateSpecification")
            )
        if props.get("LaunchTemplate") is not None:
            return self.launch_template(self.path(lid, "LaunchTemplate"), props["LaunchTemplate"])
        at = self.path(lid, "LaunchConfigurationName")
        config = self.maybe(props.get("LaunchConfigurationName"))
        if self.kind(config) == LAUNCH_CONFIGURATION:
            assert isinstance(config, ResourceRef)
            where = self.path(config.logical_id, "InstanceType")
            got = self.text(
                where, self.props(config.logical_id).get("InstanceType"), "InstanceType"
            )
            if got:
                return [got]
            raise self.error(where, "is required: the instance type the group launches")
        raise self.error(
            at,
            "the group's launch template or configuration is not in the template; planner "
            "needs its instance type: put it in the template, or give the capacity provider "
            "in the cluster's scenario",
        )

    def launch_template(self, at: Path_, spec: Any) -> list[str]:
        spec = self.need(at, spec, "the launch template") if not isinstance(spec, dict) else spec
        ref = None
        if isinstance(spec, dict):
            for key in ("LaunchTemplateId", "LaunchTemplateName"):
                got = self.maybe(spec.get(key))
                if self.kind(got) == LAUNCH_TEMPLATE:
                    ref = got
        if not isinstance(ref, ResourceRef):
            raise self.error(
                at,
                "the launch template is not in the template; planner needs its instance "
                "type: put it in the template, or give the capacity provider in the "
                "cluster's scenario",
            )
        data_at = self.path(ref.logical_id, "LaunchTemplateData")
        data = self.props(ref.logical_id).get("LaunchTemplateData")
        data = data if isinstance(data, dict) else {}
        if data.get("InstanceRequirements") is not None:
            raise self.error(
                (*data_at, "InstanceRequirements"),
                "attribute-based instance selection: planner needs the instance types; "
                "list them as the group's mixed-instances overrides",
            )
        got = self.text((*data_at, "InstanceType"), data.get("InstanceType"), "InstanceType")
        if not got:
            raise self.error((*data_at, "InstanceType"), "is required: the type the group launches")
        return [got]

    def default_strategy(self, lid: str) -> None:
        props = self.props(lid)
        if "DefaultCapacityProviderStrategy" not in props:
            return
        at = self.path(lid, "DefaultCapacityProviderStrategy")
        strategy = self.strategy(at, props["DefaultCapacityProviderStrategy"])
        if strategy is not None:
            self.change.default_strategy = strategy
