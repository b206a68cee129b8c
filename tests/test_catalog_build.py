"""tools/build_catalog.py and the datasets in data/sources/: the shipped catalog is what
they give, its registered-memory rule is the one stated, and its header names every source
with its licence."""

from __future__ import annotations

import gzip
import importlib.util
import json
import math
import re
from pathlib import Path

import pytest
import yaml

from planner.model.catalog import DEFAULT_CATALOG_PATH, load_catalog

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ROOT = Path(__file__).resolve().parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location("build_catalog", ROOT / "tools/build_catalog.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_catalog = _tool()


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.load(DEFAULT_CATALOG_PATH.read_text(encoding="utf-8"), Loader=LOADER)


@pytest.fixture(scope="module")
def ec2() -> dict:
    return json.loads(build_catalog.EC2_FILE.read_text(encoding="utf-8"))


def test_the_shipped_catalog_is_what_the_sources_give() -> None:
    assert DEFAULT_CATALOG_PATH.read_text(encoding="utf-8") == build_catalog.build()
    assert build_catalog.main(["--check"]) == 0


def _rule(raw: dict, name: str) -> tuple[float, float, float, int]:
    """(a, b, c, stated max error) read back from the header's words."""
    words = raw["method"][name]
    m = re.search(r"loss = ([0-9.]+)(?: \+ ([0-9.]+) \* vcpu)? \+ ([0-9.]+) \* memoryMiB", words)
    assert m, words
    err = re.search(r"\(max (\d+) MiB", words)
    assert err, words
    return float(m[1]), float(m[2] or 0), float(m[3]), int(err[1])


def test_every_estimated_memory_is_the_stated_rule(raw: dict, ec2: dict) -> None:
    rules = {k: _rule(raw, k) for k in ("rule-nitro", "rule-xen")}
    n = 0
    for name, entry in raw["types"].items():
        if "ecsMemoryMiB" not in entry.get("estimate", []):
            continue
        a, b, c, _ = rules[entry["ecsMemorySource"]]
        loss = a + b * entry["vcpu"] + c * entry["memoryMiB"]
        expect = math.floor(entry["memoryMiB"] - loss)
        assert entry["ecsMemoryMiB"] == expect, name
        hyp = "xen" if ec2[name]["hypervisor"] == "xen" else "nitro"
        assert entry["ecsMemorySource"] == f"rule-{hyp}", name
        n += 1
    assert n > 1000


def test_the_rule_reproduces_the_measured_values_within_its_stated_error(raw: dict) -> None:
    measured = yaml.safe_load(build_catalog.MEASURED_FILE.read_text(encoding="utf-8"))["types"]
    rules = {k: _rule(raw, k) for k in ("rule-nitro", "rule-xen")}
    worst = {k: 0 for k in rules}
    for name, m in measured.items():
        entry = raw["types"][name]
        assert entry["ecsMemoryMiB"] == m["ecsMemoryMiB"]  # measured values stay
        hyp = "rule-xen" if name.startswith("t2.") else "rule-nitro"
        a, b, c, stated = rules[hyp]
        loss = a + b * entry["vcpu"] + c * entry["memoryMiB"]
        off = abs(math.floor(entry["memoryMiB"] - loss) - m["ecsMemoryMiB"])
        assert off <= stated, name
        worst[hyp] = max(worst[hyp], off)
    # the stated error is the real one, not a loose bound, and it is small
    assert worst == {k: r[3] for k, r in rules.items()}
    assert all(r[3] <= 150 for r in rules.values())


def test_the_header_names_every_source_its_version_and_licence(raw: dict) -> None:
    for key in ("ec2-types", "prices", "trunking"):
        source = raw["sources"][key]
        assert re.fullmatch(r"[0-9a-f]{40}", source["commit"]), key
        assert source["repository"].startswith("https://github.com/"), key
        assert source["licence"] and source["date"], key
        assert (ROOT / source["file"]).is_file(), key
    assert "Apache-2.0" in raw["sources"]["ec2-types"]["licence"]
    assert "Apache-2.0" in raw["sources"]["prices"]["licence"]
    assert "CC BY-SA 4.0" in raw["sources"]["trunking"]["licence"]
    assert "CC BY-SA 4.0" in build_catalog.TRUNKING_FILE.read_text(encoding="utf-8")[:400]
    assert raw["priceDate"].startswith("2026-07-20")
    counts = raw["counts"]
    assert counts["types"] == len(raw["types"]) == counts["x86_64"] + counts["arm64"]
    assert counts["ecsMemoryMeasured"] + counts["ecsMemoryEstimated"] == counts["types"]


def test_the_ec2_extract_agrees_with_the_installed_moto(ec2: dict) -> None:
    """The copy in data/sources against the moto of the dev environment (an older copy of
    the same EC2 data): every type in both has the same vCPUs, memory, ENIs and
    architectures."""
    moto = pytest.importorskip("moto")
    path = Path(moto.__file__).parent / "ec2" / "resources" / "instance_types.json.gz"
    if not path.is_file():
        pytest.skip("this moto keeps its instance types elsewhere")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        installed = json.load(f)
    shared = [n for n in ec2 if n in installed]
    assert len(shared) > 1000
    for name in shared:
        t = installed[name]
        assert (
            t["VCpuInfo"]["DefaultVCpus"],
            t["MemoryInfo"]["SizeInMiB"],
            t["NetworkInfo"]["MaximumNetworkInterfaces"],
            t["ProcessorInfo"]["SupportedArchitectures"],
        ) == (ec2[name]["vcpu"], ec2[name]["memoryMiB"], ec2[name]["enis"], ec2[name]["archs"])


def test_ecs_table_enis_agree_with_ec2_but_on_two_card_types(ec2: dict) -> None:
    """The table's "task limit without trunking" + 1 is EC2's ENI limit (the page says so)
    for every listed type EC2 still describes, except ten with two network cards."""
    table = build_catalog.trunking_table(build_catalog.TRUNKING_FILE.read_text(encoding="utf-8"))
    assert len(table) > 400
    differ = sorted(
        n for n, (without, _) in table.items() if n in ec2 and without + 1 != ec2[n]["enis"]
    )
    assert len(differ) == 10
    assert all(ec2[n]["networkCards"] == 2 for n in differ)
    catalog = load_catalog()
    for name in differ:
        if name in catalog:
            assert catalog[name].enis == table[name][0] + 1  # ECS's number wins


def test_prices_of_the_old_catalog_are_unchanged() -> None:
    catalog = load_catalog()
    # us-east-1 on-demand Linux list prices the hand-made catalog had
    for name, usd in {
        "t2.micro": 0.0116,
        "t3.micro": 0.0104,
        "m5.large": 0.096,
        "m7i.large": 0.1008,
        "m6g.large": 0.077,
        "c7g.large": 0.0725,
        "r6i.4xlarge": 1.008,
    }.items():
        assert catalog[name].hourly_usd == usd, name


def test_selection_keeps_previous_families_and_drops_mac(ec2: dict) -> None:
    catalog = load_catalog()
    for name, t in ec2.items():
        family = name.split(".")[0]
        mac = any(a.endswith("_mac") for a in t["archs"])
        wanted = not mac and (t["currentGeneration"] or family in build_catalog.KEPT_FAMILIES)
        assert (name in catalog) == wanted, name
