"""The instance-type catalog: data/instance_types.yaml as read by planner.model.catalog."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from planner.errors import PlannerError
from planner.model.catalog import (
    _ARM_FAMILY,
    CATALOG_REGION,
    DEFAULT_CATALOG_PATH,
    InstanceType,
    catalog_info,
    find_instance_type,
    get_instance_type,
    implied_arch,
    load_catalog,
    shipped_types,
    suggest_type,
)

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
BURSTABLE = ("t2", "t3", "t3a")
BURSTABLE_SIZES = ("micro", "small", "medium", "large", "xlarge", "2xlarge")
FIXED = ("m5", "m6i", "m7i", "m6g", "m7g", "c5", "c6i", "c7g", "r5", "r6i")
FIXED_SIZES = ("large", "xlarge", "2xlarge", "4xlarge")
#: The types of the hand-made catalog that preceded tools/build_catalog.py.
OLD_NAMES = [f"{f}.{s}" for f in BURSTABLE for s in BURSTABLE_SIZES] + [
    f"{f}.{s}" for f in FIXED for s in FIXED_SIZES
]
#: Types the old catalog refused that teams run (issue 23).
NEW_NAMES = ["t4g.small", "c7i.large", "m6a.large", "r7g.xlarge", "m5.8xlarge", "c6g.16xlarge"]
#: Registered memory measured (not estimated), as the old catalog had it: it must not move.
MEASURED = {
    "t2.micro": 993,
    "t2.small": 2001,
    "t2.medium": 3943,
    "t2.large": 7975,
    "t2.xlarge": 16039,
    "t2.2xlarge": 32176,
    "t3.medium": 3884,
    "m5.large": 7680,
    "m5.xlarge": 15576,
    "m5.2xlarge": 31368,
    "m5.4xlarge": 62950,
    "c5.large": 3704,
    "c5.xlarge": 7624,
    "c5.2xlarge": 15463,
    "c5.4xlarge": 31142,
}


@pytest.fixture(scope="module")
def catalog() -> dict[str, InstanceType]:
    return load_catalog()


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.load(DEFAULT_CATALOG_PATH.read_text(encoding="utf-8"), Loader=LOADER)


def test_old_and_new_types_are_present(catalog: dict[str, InstanceType]) -> None:
    assert set(OLD_NAMES + NEW_NAMES) <= set(catalog)
    assert len(catalog) > 1000
    assert {t.arch for t in catalog.values()} == {"x86_64", "arm64"}
    assert not [n for n in catalog if n.startswith("mac")]  # macOS: no ECS


def test_entry_invariants(catalog: dict[str, InstanceType]) -> None:
    for name, t in catalog.items():
        assert t.name == name
        assert t.cpu_units == t.vcpu * 1024
        assert 0 < t.memory_mib < t.nominal_memory_mib, name
        # MemTotal loses a share that falls with size (guards against typos); the rule's
        # fixed part weighs most on t3.nano's 512 MiB and the 1 GiB types.
        assert t.memory_mib > (0.5 if t.nominal_memory_mib < 2048 else 0.85) * (
            t.nominal_memory_mib
        ), name
        assert t.hourly_usd is None or t.hourly_usd > 0
        assert t.enis >= 2
        assert t.arch in ("x86_64", "arm64")


def test_old_types_keep_their_prices(catalog: dict[str, InstanceType]) -> None:
    for name in OLD_NAMES:
        assert catalog[name].hourly_usd is not None and catalog[name].hourly_usd > 0, name


def test_nominal_memory_per_vcpu_by_family(catalog: dict[str, InstanceType]) -> None:
    per_vcpu_gib = {"m": 4, "c": 2, "r": 8}
    for family in FIXED:
        for size in FIXED_SIZES:
            t = catalog[f"{family}.{size}"]
            assert t.nominal_memory_mib == t.vcpu * per_vcpu_gib[family[0]] * 1024


def test_arm_families_follow_ec2s_naming(catalog: dict[str, InstanceType]) -> None:
    """Graviton families have a "g" after their generation digit (the rule
    implied_arch falls back on for a name the catalog lacks): checked on every type."""
    for name, t in catalog.items():
        family = name.split(".")[0]
        assert t.arch == ("arm64" if _ARM_FAMILY.match(family) else "x86_64"), name
    assert {catalog[n].arch for n in ("m6g.large", "m7g.large", "c7g.large")} == {"arm64"}


def test_known_facts() -> None:
    assert get_instance_type("t2.micro").vcpu == 1
    assert get_instance_type("t2.micro").cpu_units == 1024
    m5 = get_instance_type("m5.large")
    assert (m5.vcpu, m5.nominal_memory_mib) == (2, 8192)
    # ECS docs: c5.large has 3 ENIs -> 2 awsvpc tasks; with trunking, 10 tasks.
    c5 = get_instance_type("c5.large")
    assert c5.enis == 3
    assert c5.trunk_enis == 10
    # EC2: t3a.small has only 2 ENIs, unlike t3.small (3).
    assert get_instance_type("t3a.small").enis == 2
    assert get_instance_type("t3.small").enis == 3
    # ECS's table: m5.8xlarge 7 tasks without trunking, 60 with; c5.metal not supported.
    big = get_instance_type("m5.8xlarge")
    assert (big.vcpu, big.nominal_memory_mib, big.enis, big.trunk_enis) == (32, 131072, 8, 60)
    assert get_instance_type("c5.metal").trunk_enis is None
    t4g = get_instance_type("t4g.small")
    assert (t4g.vcpu, t4g.nominal_memory_mib, t4g.arch, t4g.trunk_enis) == (2, 2048, "arm64", None)


def test_trunking_only_where_ecs_lists_the_type(catalog: dict[str, InstanceType]) -> None:
    for name, t in catalog.items():
        if name.split(".")[0] in BURSTABLE or name.startswith("t4g."):
            assert t.trunk_enis is None, name
        if t.trunk_enis is not None:
            assert t.trunk_enis > t.enis - 1, name
    # m7i (Aug 2023) is newer than the ECS table that could be read (April 2023).
    assert get_instance_type("m7i.large").trunk_enis is None
    assert get_instance_type("m6i.large").trunk_enis == 10


def test_memory_grows_with_size(catalog: dict[str, InstanceType]) -> None:
    for family, sizes in [(f, BURSTABLE_SIZES) for f in BURSTABLE] + [
        (f, FIXED_SIZES) for f in FIXED
    ]:
        mems = [catalog[f"{family}.{s}"].memory_mib for s in sizes]
        assert mems == sorted(mems), family


def test_measured_values_stay_and_are_not_marked_estimates(
    catalog: dict[str, InstanceType],
) -> None:
    for name, memory in MEASURED.items():
        assert catalog[name].memory_mib == memory, name
        assert not catalog[name].is_estimated("memory_mib"), name
    assert get_instance_type("t3.medium").estimated == ()
    assert get_instance_type("m6i.large").is_estimated("memory_mib")
    assert get_instance_type("t3a.medium").estimated == ("memory_mib",)
    measured = [n for n, t in catalog.items() if not t.is_estimated("memory_mib")]
    assert sorted(measured) == sorted(MEASURED)


def test_estimates_agree_with_the_file(raw: dict, catalog: dict[str, InstanceType]) -> None:
    for name, entry in raw["types"].items():
        listed = set(entry.get("estimate", []))
        # An estimated memory must come from a documented rule, a measured one from a source.
        source = entry["ecsMemorySource"]
        if "ecsMemoryMiB" in listed:
            assert source in raw["method"], name
        else:
            assert source in raw["sources"], name
        assert len(catalog[name].estimated) == len(listed)


def test_field_sources_name_known_sources(raw: dict) -> None:
    for field, source in raw["fieldSources"].items():
        if field != "ecsMemoryMiB":
            for one in source if isinstance(source, list) else [source]:
                assert one in raw["sources"], field


def test_unknown_name_raises_with_suggestion() -> None:
    with pytest.raises(PlannerError) as err:
        get_instance_type("t3.meduim")
    message = str(err.value)
    assert "unknown instance type 't3.meduim'" in message
    assert "(closest: t3.medium)" in message
    assert "planner instance-types" in message and "known ones" in message


@pytest.mark.parametrize(
    ("name", "names", "expected"),
    [
        ("t4g.smal", None, "t4g.small"),  # a typo: the same architecture
        ("m6g.huge", None, "m6g.large"),
        ("c5.lorge", None, "c5.large"),
        # among x86_64 types only, an arm64 name's closest says it crosses
        ("m6g.large", ["m5.large", "t3.small"], "m5.large (x86_64: needs x86_64 images)"),
        ("m5.large", ["m6g.large", "c7g.large"], "m6g.large (arm64: needs arm64 images)"),
        # an unknown arm64 family still prefers arm64 types
        ("m9g.large", ["m9i.large", "m7g.large"], "m7g.large"),
    ],
)
def test_suggestions_stay_within_the_architecture_or_say_so(name, names, expected) -> None:
    assert suggest_type(name, names) == expected


def test_implied_arch() -> None:
    assert implied_arch("t4g.whatever") == "arm64"  # the family is in the catalog
    assert implied_arch("c9gn.large") == "arm64"  # by EC2's naming
    assert implied_arch("c9i.large") == "x86_64"
    assert implied_arch("nonsense") is None


def test_lazy_lookup_agrees_with_the_full_load(catalog: dict[str, InstanceType]) -> None:
    for name, t in catalog.items():
        assert find_instance_type(name) == t, name
    assert find_instance_type("x9.nope") is None
    assert find_instance_type(" C7I.Large ") == catalog["c7i.large"]
    lazy = shipped_types()
    assert list(lazy) == list(catalog) and len(lazy) == len(catalog)
    assert lazy["m5.large"] == catalog["m5.large"] and "x9.nope" not in lazy
    assert lazy.get("x9.nope") is None


def test_lookup_ignores_case_and_blanks() -> None:
    assert get_instance_type(" M5.Large ").name == "m5.large"


def test_region_and_price_date() -> None:
    info = catalog_info()
    assert info.region == CATALOG_REGION == "us-east-1"
    assert info.price_date.startswith("2026-07-20")
    assert info.path == DEFAULT_CATALOG_PATH
    assert catalog_info(DEFAULT_CATALOG_PATH) == info


def test_default_catalog_is_cached_but_copies_are_returned() -> None:
    a = load_catalog()
    a.pop("m5.large")
    assert "m5.large" in load_catalog()


def test_custom_catalog_path(tmp_path: Path) -> None:
    path = tmp_path / "types.yaml"
    path.write_text(
        "region: eu-west-1\npriceDate: '2024-01'\ntypes:\n"
        "  x1.small: {vcpu: 2, memoryMiB: 2048, ecsMemoryMiB: 1900, enis: 2,"
        " trunkEnis: null, hourlyUsd: null, arch: arm64, estimate: [ecsMemoryMiB]}\n",
        encoding="utf-8",
    )
    t = load_catalog(path)["x1.small"]
    assert (t.cpu_units, t.memory_mib, t.hourly_usd, t.estimated) == (
        2048,
        1900,
        None,
        ("memory_mib",),
    )
    assert catalog_info(path).region == "eu-west-1"


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ("{vcpu: 2, memoryMiB: 2048, ecsMemoryMiB: 4096, enis: 2, arch: x86_64}", "above"),
        ("{vcpu: two, memoryMiB: 2048, ecsMemoryMiB: 1900, enis: 2, arch: x86_64}", "whole"),
        ("{vcpu: 2, memoryMiB: 2048, ecsMemoryMiB: 1900, enis: 2, arch: sparc}", "one of"),
        ("{vcpu: 2, memoryMiB: 2048, enis: 2, arch: x86_64}", "ecsMemoryMiB"),
        (
            "{vcpu: 2, memoryMiB: 2048, ecsMemoryMiB: 1900, enis: 2, arch: x86_64,"
            " estimate: [colour]}",
            "estimate",
        ),
    ],
)
def test_bad_entries_are_reported(tmp_path: Path, entry: str, fragment: str) -> None:
    path = tmp_path / "types.yaml"
    path.write_text(f"types:\n  x1.small: {entry}\n", encoding="utf-8")
    with pytest.raises(PlannerError) as err:
        load_catalog(path)
    assert fragment in str(err.value)
    assert err.value.file == str(path)


def test_missing_or_broken_file(tmp_path: Path) -> None:
    with pytest.raises(PlannerError, match="cannot read"):
        load_catalog(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("types: [\n", encoding="utf-8")
    with pytest.raises(PlannerError, match="not valid YAML"):
        load_catalog(bad)


def test_a_scenario_naming_an_unknown_type_gets_one_of_its_architecture() -> None:
    import planner

    def refused(kind: str) -> str:
        with pytest.raises(PlannerError) as err:
            planner.load_scenario(
                {
                    "cluster": {"instances": [{"type": kind, "count": 1}]},
                    "services": [
                        {
                            "name": "a",
                            "desiredCount": 1,
                            "taskDefinition": {"cpu": 256, "memory": 256},
                        }
                    ],
                }
            )
        return str(err.value)

    assert "did you mean t4g.small?" in refused("t4g.smal")
    assert "did you mean c6g.large?" in refused("c6gn.large")  # arm64, not c6i/c6a
    assert "did you mean m5.large?" in refused("m4.large")
