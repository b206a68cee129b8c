"""Build ``data/instance_types.yaml`` from the public datasets kept in ``data/sources/``.

    python tools/build_catalog.py            # write data/instance_types.yaml
    python tools/build_catalog.py --check    # exit 1 if the committed file differs

Refreshing a dataset (then update its commit and date in data/sources/SOURCES.yaml):

    python tools/build_catalog.py extract-ec2 PATH/TO/moto/ec2/resources/instance_types.json[.gz]
    python tools/build_catalog.py extract-prices PATH/TO/zz_generated.pricing_aws.go
    python tools/build_catalog.py extract-trunking PATH/TO/doc_source/container-instance-eni.md

What goes in, and every rule applied, is written into the catalog's header; the output
depends on the files in data/sources/ only (same files, same bytes).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "data" / "sources"
CATALOG = ROOT / "data" / "instance_types.yaml"

EC2_FILE = SOURCES / "ec2-instance-types.json"
PRICES_FILE = SOURCES / "ec2-on-demand-us-east-1.json"
TRUNKING_FILE = SOURCES / "ecs-eni-trunking.md"
MEASURED_FILE = SOURCES / "ecs-registered-memory.yaml"
PROVENANCE_FILE = SOURCES / "SOURCES.yaml"

#: Families of the catalog before it was generated: every size of these is kept even where
#: EC2 now calls the family a previous generation, so that scenarios naming them load.
KEPT_FAMILIES = (
    "t2",
    "t3",
    "t3a",
    "m5",
    "m6i",
    "m7i",
    "m6g",
    "m7g",
    "c5",
    "c6i",
    "c7g",
    "r5",
    "r6i",
)

#: How many decimals each coefficient of the registered-memory rule keeps; the rounded
#: coefficients are the rule (they reproduce every value in the file exactly).
_DECIMALS = {"a": 1, "b": 2, "c": 5}


# ---------------------------------------------------------------- extracting the datasets


def extract_ec2(path: Path) -> None:
    """The fields planner uses of every type in moto's copy of EC2 DescribeInstanceTypes."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        raw = json.load(f)
    out = {}
    for name in sorted(raw):
        t = raw[name]
        net = t["NetworkInfo"]
        out[name] = {
            "vcpu": t["VCpuInfo"]["DefaultVCpus"],
            "memoryMiB": t["MemoryInfo"]["SizeInMiB"],
            "enis": net["MaximumNetworkInterfaces"],
            "networkCards": net.get("MaximumNetworkCards", 1),
            "archs": t["ProcessorInfo"]["SupportedArchitectures"],
            "currentGeneration": t["CurrentGeneration"],
            "bareMetal": t["BareMetal"],
            "hypervisor": t.get("Hypervisor"),
        }
    _write_json(EC2_FILE, out)


def extract_prices(path: Path) -> None:
    """The us-east-1 block of Karpenter's generated on-demand price map."""
    text = path.read_text(encoding="utf-8")
    start = text.index('"us-east-1": {')
    end = text.index("\n\t},", start)
    prices = {
        m.group(1): float(m.group(2))
        for m in re.finditer(r'"([a-z0-9.\-]+)": ([0-9.]+)', text[start:end])
        if m.group(1) != "us-east-1"
    }
    stamp = re.search(r"// generated at (\S+) for us-east-1", text)
    _write_json(
        PRICES_FILE,
        {"generatedAt": stamp.group(1) if stamp else None, "prices": dict(sorted(prices.items()))},
    )


def extract_trunking(path: Path) -> None:
    """The "Supported Amazon EC2 instance types" section of the ECS guide's ENI trunking
    page, verbatim (CC BY-SA 4.0: kept as its own file, with its licence noted)."""
    text = path.read_text(encoding="utf-8")
    start = text.index("## Supported Amazon EC2 instance types")
    header = (
        "<!-- Excerpt of doc_source/container-instance-eni.md, Amazon ECS Developer Guide,\n"
        "     awsdocs/amazon-ecs-developer-guide (see data/sources/SOURCES.yaml for the\n"
        "     commit). (c) Amazon Web Services, licensed CC BY-SA 4.0\n"
        "     (https://creativecommons.org/licenses/by-sa/4.0/). Unchanged. -->\n\n"
    )
    TRUNKING_FILE.write_text(header + text[start:], encoding="utf-8")


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """JSON with one line per entry (per type), so that a refresh diffs line by line."""
    lines = []
    for key, value in data.items():
        if isinstance(value, dict) and key == "prices":
            inner = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in value.items())
            lines.append(f"{json.dumps(key)}: {{\n{inner}\n}}")
        else:
            lines.append(f"{json.dumps(key)}: {json.dumps(value)}")
    path.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")


# ---------------------------------------------------------------- reading them


def trunking_table(text: str) -> dict[str, tuple[int, int]]:
    """Type -> (task limit without trunking, task limit with trunking), from the tables."""
    rows = {}
    for m in re.finditer(r"^\| ([a-z0-9\\.\-]+) \| (\d+) \| (\d+) \|", text, re.MULTILINE):
        rows[m.group(1).replace("\\", "")] = (int(m.group(2)), int(m.group(3)))
    return rows


def trunking_refused(text: str) -> tuple[set[str], set[str]]:
    """The types and the families the page's "Important" note says trunking does not
    support, "although other instance types are supported in the same instance family"."""
    types: set[str] = set()
    families: set[str] = set()
    for line in text.splitlines():
        names = {n.replace("\\", "") for n in re.findall(r"`([^`]+)`", line)}
        if "instance types are not supported" in line:
            types |= names
        elif "instance families are not supported" in line:
            families |= names
    return types, families


def arch_of(archs: list[str]) -> str | None:
    """planner's architecture of EC2's SupportedArchitectures; None for Mac (not ECS)."""
    if any(a.endswith("_mac") for a in archs):
        return None
    return "arm64" if "arm64" in archs else "x86_64"


def selected(ec2: dict[str, dict[str, Any]]) -> list[str]:
    """The types the catalog lists: EC2's current generation but Mac, and every size of the
    families the catalog had before (:data:`KEPT_FAMILIES`)."""
    names = []
    for name, t in ec2.items():
        if arch_of(t["archs"]) is None:
            continue
        if t["currentGeneration"] or name.split(".")[0] in KEPT_FAMILIES:
            names.append(name)
    return sorted(names, key=lambda n: (n.split(".")[0], ec2[n]["vcpu"], ec2[n]["memoryMiB"], n))


def hypervisor_of(t: dict[str, Any]) -> str:
    """``xen`` or ``nitro``: bare metal (no hypervisor) counts as nitro, whose kernels and
    drivers it shares."""
    return "xen" if t["hypervisor"] == "xen" else "nitro"


# ---------------------------------------------------------------- the registered-memory rule


def _solve(rows: list[list[float]], ys: list[float]) -> list[float]:
    """Least squares by the normal equations (a handful of points, two or three unknowns)."""
    n = len(rows[0])
    m = [[sum(r[i] * r[j] for r in rows) for j in range(n)] for i in range(n)]
    v = [sum(r[i] * y for r, y in zip(rows, ys, strict=True)) for i in range(n)]
    for col in range(n):  # Gauss-Jordan with partial pivoting
        piv = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[piv], v[col], v[piv] = m[piv], m[col], v[piv], v[col]
        for r in range(n):
            if r != col:
                f = m[r][col] / m[col][col]
                m[r] = [a - f * b for a, b in zip(m[r], m[col], strict=True)]
                v[r] -= f * v[col]
    return [v[i] / m[i][i] for i in range(n)]


def fit_rule(measured: dict[str, int], ec2: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per hypervisor: loss = a + b·vCPU + c·MiB fitted by least squares on the measured
    registrations of that hypervisor's types (xen: b = 0, see the header's words), the
    coefficients rounded, and the residuals of the rounded rule."""
    rules = {}
    for hyp in ("nitro", "xen"):
        names = sorted(n for n in measured if hypervisor_of(ec2[n]) == hyp)
        with_vcpu = hyp == "nitro"
        rows = [
            [1.0, *([float(ec2[n]["vcpu"])] if with_vcpu else []), float(ec2[n]["memoryMiB"])]
            for n in names
        ]
        ys = [float(ec2[n]["memoryMiB"] - measured[n]) for n in names]
        coef = _solve(rows, ys)
        a, b, c = (coef[0], coef[1], coef[2]) if with_vcpu else (coef[0], 0.0, coef[1])
        rule = {
            "a": round(a, _DECIMALS["a"]),
            "b": round(b, _DECIMALS["b"]),
            "c": round(c, _DECIMALS["c"]),
        }
        residuals = {n: registered(rule, ec2[n]) - measured[n] for n in names}
        rule["points"] = names
        rule["residuals"] = residuals
        rule["maxError"] = max(abs(r) for r in residuals.values())
        rule["rmsError"] = round(math.sqrt(sum(r * r for r in residuals.values()) / len(names)), 1)
        rules[hyp] = rule
    return rules


def registered(rule: dict[str, Any], t: dict[str, Any]) -> int:
    """The rule's registered memory of type ``t`` (MiB, rounded down)."""
    loss = rule["a"] + rule["b"] * t["vcpu"] + rule["c"] * t["memoryMiB"]
    return math.floor(t["memoryMiB"] - loss)


# ---------------------------------------------------------------- building the catalog


def entries(
    ec2: dict[str, dict[str, Any]],
    prices: dict[str, float],
    trunk: dict[str, tuple[int, int]],
    measured: dict[str, dict[str, Any]],
    rules: dict[str, dict[str, Any]],
    refused: tuple[set[str], set[str]] = (set(), set()),
) -> list[tuple[str, dict[str, Any]]]:
    """One (name, fields) per selected type, in the catalog's order."""
    out = []
    for name in selected(ec2):
        t = ec2[name]
        estimate = []
        if name in measured:
            memory, memory_source = measured[name]["ecsMemoryMiB"], measured[name]["source"]
        else:
            hyp = hypervisor_of(t)
            memory, memory_source = registered(rules[hyp], t), f"rule-{hyp}"
            estimate.append("ecsMemoryMiB")
        if name in trunk:
            enis, trunk_enis = trunk[name][0] + 1, trunk[name][1]
            if name in refused[0] or name.split(".")[0] in refused[1]:
                trunk_enis = None  # listed, but the note says trunking does not support it
        else:
            enis, trunk_enis = t["enis"], None
            if t["networkCards"] > 1:
                estimate.append("enis")
        fields: dict[str, Any] = {
            "vcpu": t["vcpu"],
            "memoryMiB": t["memoryMiB"],
            "ecsMemoryMiB": memory,
            "ecsMemorySource": memory_source,
            "enis": enis,
            "trunkEnis": trunk_enis,
            "hourlyUsd": prices.get(name),
            "arch": arch_of(t["archs"]),
        }
        if not t["currentGeneration"]:
            fields["generation"] = "previous"
        if t["bareMetal"]:
            fields["bareMetal"] = True
        if estimate:
            fields["estimate"] = estimate
        out.append((name, fields))
    return out


def _flow(fields: dict[str, Any]) -> str:
    parts = []
    for key, value in fields.items():
        if value is None:
            text = "null"
        elif isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, list):
            text = "[" + ", ".join(value) + "]"
        else:
            text = str(value)
        parts.append(f"{key}: {text}")
    return "{" + ", ".join(parts) + "}"


def _block(value: Any, indent: int = 0) -> str:
    """A small mapping as block YAML (the header's parts), keys in the order given."""
    return yaml.safe_dump(value, sort_keys=False, width=92, allow_unicode=True, indent=2).replace(
        "\n", "\n" + " " * indent
    )


def build() -> str:
    """The catalog's text."""
    ec2 = json.loads(EC2_FILE.read_text(encoding="utf-8"))
    price_doc = json.loads(PRICES_FILE.read_text(encoding="utf-8"))
    trunk_text = TRUNKING_FILE.read_text(encoding="utf-8")
    trunk, refused = trunking_table(trunk_text), trunking_refused(trunk_text)
    measured = yaml.safe_load(MEASURED_FILE.read_text(encoding="utf-8"))["types"]
    provenance = yaml.safe_load(PROVENANCE_FILE.read_text(encoding="utf-8"))
    rules = fit_rule({n: m["ecsMemoryMiB"] for n, m in measured.items()}, ec2)
    rows = entries(ec2, price_doc["prices"], trunk, measured, rules, refused)
    return _header(provenance, rules, rows, price_doc["generatedAt"]) + _types(rows)


def _counts(rows: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    def n(pred: Any) -> int:
        return sum(1 for _, f in rows if pred(f))

    return {
        "types": len(rows),
        "x86_64": n(lambda f: f["arch"] == "x86_64"),
        "arm64": n(lambda f: f["arch"] == "arm64"),
        "previousGeneration": n(lambda f: f.get("generation") == "previous"),
        "bareMetal": n(lambda f: f.get("bareMetal")),
        "ecsMemoryMeasured": n(lambda f: "ecsMemoryMiB" not in f.get("estimate", [])),
        "ecsMemoryEstimated": n(lambda f: "ecsMemoryMiB" in f.get("estimate", [])),
        "enisEstimated": n(lambda f: "enis" in f.get("estimate", [])),
        "withTrunking": n(lambda f: f["trunkEnis"] is not None),
        "withPrice": n(lambda f: f["hourlyUsd"] is not None),
    }


def _rule_words(rules: dict[str, dict[str, Any]]) -> dict[str, str]:
    out = {}
    for hyp, r in rules.items():
        vcpu = f" + {r['b']} * vcpu" if r["b"] else ""
        resid = ", ".join(f"{n} {d:+d}" for n, d in r["residuals"].items())
        out[f"rule-{hyp}"] = (
            f"Types on {'Xen' if hyp == 'xen' else 'Nitro (and bare metal)'}: loss = {r['a']}"
            f"{vcpu} + {r['c']} * memoryMiB; ecsMemoryMiB = floor(memoryMiB - loss). "
            f"Least squares on the {len(r['points'])} measured {hyp} values of this file; "
            f"rule minus measured: {resid} (max {r['maxError']} MiB, rms {r['rmsError']} MiB)."
        )
    return out


def _header(
    provenance: dict[str, Any],
    rules: dict[str, dict[str, Any]],
    rows: list[tuple[str, dict[str, Any]]],
    price_stamp: str | None,
) -> str:
    lines = [
        "# EC2 instance-type catalog for planner (read only by planner/model/catalog.py).",
        "#",
        "# GENERATED by tools/build_catalog.py from the datasets in data/sources/ - do not edit",
        "# by hand; change the sources or the script and run it again.",
        "#",
        "# Every number comes from a named source (`sources`, `fieldSources`) or from a stated",
        "# rule (`method`). An entry lists the fields that are estimates in its `estimate:`",
        "# list; anything not listed there was taken from a source. Nothing estimated is",
        "# presented as measured.",
        "#",
        "# Units: memoryMiB and ecsMemoryMiB in MiB; hourlyUsd in US dollars per hour.",
        "",
        "schemaVersion: 1",
        "region: us-east-1",
        f'priceDate: "{price_stamp} (AWS Price List API, on-demand Linux, as Karpenter'
        ' generated it; see sources.prices)"',
        "",
    ]
    method = {
        "selection": provenance["selection"],
        **{k: v for k, v in provenance["method"].items()},
        **_rule_words(rules),
    }
    doc = {
        "counts": _counts(rows),
        "sources": provenance["sources"],
        "fieldSources": provenance["fieldSources"],
        "method": method,
    }
    return "\n".join(lines) + _block(doc) + "\n"


def _types(rows: list[tuple[str, dict[str, Any]]]) -> str:
    out = ["types:"]
    family = None
    for name, fields in rows:
        fam = name.split(".")[0]
        if fam != family:
            out.append(f"  # {fam}")
            family = fam
        out.append(f"  {name}: {_flow(fields)}")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    sub = parser.add_subparsers(dest="command")
    for name in ("extract-ec2", "extract-prices", "extract-trunking"):
        sub.add_parser(name).add_argument("path", type=Path)
    args = parser.parse_args(argv)
    if args.command:
        {"extract-ec2": extract_ec2, "extract-prices": extract_prices}.get(
            args.command, extract_trunking
        )(args.path)
        return 0
    text = build()
    if args.check:
        same = CATALOG.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{CATALOG} differs from what the sources give")
        return 0 if same else 1
    CATALOG.write_text(text, encoding="utf-8")
    print(f"wrote {CATALOG}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
