"""The instance-type catalog: data/instance_types.yaml as read by planner.model.catalog."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from planner.errors import PlannerError
from planner.model.catalog import (
    CATALOG_REGION,
    DEFAULT_CATALOG_PATH,
    InstanceType,
    catalog_info,
    get_instance_type,
    load_catalog,
)

BURSTABLE = ("t2", "t3", "t3a")
BURSTABLE_SIZES = ("micro", "small", "medium", "large", "xlarge", "2xlarge")
FIXED = ("m5", "m6i", "m7i", "m6g", "m7g", "c5", "c6i", "c7g", "r5", "r6i")
FIXED_SIZES = ("large", "xlarge", "2xlarge", "4xlarge")
ALL_NAMES = [f"{f}.{s}" for f in BURSTABLE for s in BURSTABLE_SIZES] + [
    f"{f}.{s}" for f in FIXED for s in FIXED_SIZES
]


@pytest.fixture(scope="module")
def catalog() -> dict[str, InstanceType]:
    return load_catalog()


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(DEFAULT_CATALOG_PATH.read_text(encoding="utf-8"))


def test_every_listed_family_and_size_is_present(catalog: dict[str, InstanceType]) -> None:
    assert sorted(catalog) == sorted(ALL_NAMES)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_entry_invariants(catalog: dict[str, InstanceType], name: str) -> None:
    t = catalog[name]
    assert t.name == name
    assert t.cpu_units == t.vcpu * 1024
    assert 0 < t.memory_mib < t.nominal_memory_mib
    # MemTotal loses a few percent, never a large share (guards against typos).
    assert t.memory_mib > 0.85 * t.nominal_memory_mib
    assert t.nominal_memory_mib % 1024 == 0
    assert t.hourly_usd is not None and t.hourly_usd > 0
    assert t.enis >= 2
    assert t.arch in ("x86_64", "arm64")


def test_nominal_memory_per_vcpu_by_family(catalog: dict[str, InstanceType]) -> None:
    per_vcpu_gib = {"m": 4, "c": 2, "r": 8}
    for family in FIXED:
        for size in FIXED_SIZES:
            t = catalog[f"{family}.{size}"]
            assert t.nominal_memory_mib == t.vcpu * per_vcpu_gib[family[0]] * 1024


def test_arm_families(catalog: dict[str, InstanceType]) -> None:
    for name, t in catalog.items():
        graviton = name.split(".")[0] in ("m6g", "m7g", "c7g")
        assert t.arch == ("arm64" if graviton else "x86_64"), name


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


def test_trunking_only_where_supported(catalog: dict[str, InstanceType]) -> None:
    for name, t in catalog.items():
        if name.split(".")[0] in BURSTABLE:
            assert t.trunk_enis is None, name
        else:
            assert t.trunk_enis is not None and t.trunk_enis > t.enis - 1, name


def test_memory_grows_with_size(catalog: dict[str, InstanceType]) -> None:
    for family, sizes in [(f, BURSTABLE_SIZES) for f in BURSTABLE] + [
        (f, FIXED_SIZES) for f in FIXED
    ]:
        mems = [catalog[f"{family}.{s}"].memory_mib for s in sizes]
        assert mems == sorted(mems), family


def test_measured_values_are_not_marked_estimates() -> None:
    assert get_instance_type("m5.large").memory_mib == 7680
    assert not get_instance_type("m5.large").is_estimated("memory_mib")
    assert get_instance_type("t3.medium").estimated == ()
    assert get_instance_type("m6i.large").is_estimated("memory_mib")
    assert get_instance_type("t3a.medium").estimated == ("memory_mib",)


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
            assert source in raw["sources"], field


def test_unknown_name_raises_with_suggestion() -> None:
    with pytest.raises(PlannerError) as err:
        get_instance_type("t3.meduim")
    message = str(err.value)
    assert "unknown instance type 't3.meduim'" in message
    assert "(closest: t3.medium)" in message
    assert "m5.large" in message


def test_lookup_ignores_case_and_blanks() -> None:
    assert get_instance_type(" M5.Large ").name == "m5.large"


def test_region_and_price_date() -> None:
    info = catalog_info()
    assert info.region == CATALOG_REGION == "us-east-1"
    assert info.price_date
    assert info.path == DEFAULT_CATALOG_PATH


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
