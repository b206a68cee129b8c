"""The EC2 instance-type catalog: vCPUs, memory as ECS registers it, ENIs and prices.

The data live in ``data/instance_types.yaml`` at the repository root; that file names
the source of every value and the rule behind every estimate. This module only reads
it. Which fields of a type are estimates is kept in :attr:`InstanceType.estimated`, so
that callers can say so when they show a number.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from planner.errors import PlannerError
from planner.model.units import CPU_UNITS_PER_VCPU


def _shipped_catalog() -> Path:
    """``data/instance_types.yaml``: installed as the package ``planner.data`` (pyproject.toml
    maps it), so a wheel carries it; in a checkout or an editable install, where that
    package is not importable, the same file beside ``planner/``."""
    try:
        return Path(str(files("planner.data") / "instance_types.yaml"))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "data" / "instance_types.yaml"


#: The catalog shipped with planner.
DEFAULT_CATALOG_PATH = _shipped_catalog()

ARCHITECTURES = ("x86_64", "arm64")

# YAML key -> InstanceType field, for the names in an entry's ``estimate`` list.
_FIELD_NAMES = {
    "vcpu": "vcpu",
    "memoryMiB": "nominal_memory_mib",
    "ecsMemoryMiB": "memory_mib",
    "enis": "enis",
    "trunkEnis": "trunk_enis",
    "hourlyUsd": "hourly_usd",
    "arch": "arch",
}
#: The catalog file's name of each field (what JSON output shows), by attribute.
PUBLIC_NAMES = {attr: key for key, attr in _FIELD_NAMES.items()}
#: Each field in words, for a person ("estimated: registered memory").
FIELD_WORDS = {
    "vcpu": "vCPUs",
    "nominal_memory_mib": "nominal memory",
    "memory_mib": "registered memory",
    "enis": "ENI limit",
    "trunk_enis": "trunk ENIs",
    "hourly_usd": "price",
    "arch": "architecture",
}


@dataclass(frozen=True)
class InstanceType:
    """One EC2 instance type as planner sees it.

    Parameters
    ----------
    name
        The EC2 name, e.g. ``m5.large``.
    vcpu
        Number of vCPUs.
    cpu_units
        CPU units the ECS agent registers: ``vcpu`` × 1,024.
    memory_mib
        MiB the ECS agent registers (MemTotal, with ``ECS_RESERVED_MEMORY`` = 0): less
        than the nominal size.
    nominal_memory_mib
        Advertised memory, GiB × 1,024.
    enis
        Maximum network interfaces, the primary one included.
    trunk_enis
        awsvpc tasks the instance can hold with ENI trunking on, or None where ECS does
        not support trunking for the type.
    hourly_usd
        On-demand Linux price per hour in :data:`CATALOG_REGION`, or None if unknown.
    arch
        ``x86_64`` or ``arm64``.
    estimated
        Names of the fields above whose values are estimates rather than sourced,
        e.g. ``("memory_mib",)``.
    """

    name: str
    vcpu: int
    cpu_units: int
    memory_mib: int
    nominal_memory_mib: int
    enis: int
    trunk_enis: int | None
    hourly_usd: float | None
    arch: str
    estimated: tuple[str, ...] = ()

    def is_estimated(self, field: str) -> bool:
        """Tell whether ``field`` (an attribute name, e.g. ``"memory_mib"``) is an estimate."""
        return field in self.estimated


@dataclass(frozen=True)
class CatalogInfo:
    """Where the catalog's prices apply and how old they are, for display.

    Parameters
    ----------
    region
        AWS region of the prices, e.g. ``us-east-1``.
    price_date
        When the prices were taken, as the catalog states it.
    path
        The catalog file.
    """

    region: str
    price_date: str
    path: Path


def _int(raw: Any, where: str, *, file: str, minimum: int = 0) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < minimum:
        raise PlannerError(
            f"must be a whole number ≥ {minimum}, got {raw!r}", file=file, field=where
        )
    return raw


def _parse_type(name: str, raw: Any, *, file: str) -> InstanceType:
    where = f"types.{name}"
    if not isinstance(raw, dict):
        raise PlannerError(f"must be a mapping, got {raw!r}", file=file, field=where)
    for key in ("vcpu", "memoryMiB", "ecsMemoryMiB", "enis", "arch"):
        if key not in raw:
            raise PlannerError(f"missing {key!r}", file=file, field=where)
    vcpu = _int(raw["vcpu"], f"{where}.vcpu", file=file, minimum=1)
    nominal = _int(raw["memoryMiB"], f"{where}.memoryMiB", file=file, minimum=1)
    memory = _int(raw["ecsMemoryMiB"], f"{where}.ecsMemoryMiB", file=file, minimum=1)
    if memory > nominal:
        raise PlannerError(
            f"ecsMemoryMiB {memory} is above the nominal memoryMiB {nominal}",
            file=file,
            field=where,
        )
    enis = _int(raw["enis"], f"{where}.enis", file=file, minimum=1)
    trunk = raw.get("trunkEnis")
    trunk_enis = None if trunk is None else _int(trunk, f"{where}.trunkEnis", file=file)
    price = raw.get("hourlyUsd")
    if price is not None and (isinstance(price, bool) or not isinstance(price, int | float)):
        raise PlannerError(
            f"must be a number or null, got {price!r}", file=file, field=f"{where}.hourlyUsd"
        )
    arch = raw["arch"]
    if arch not in ARCHITECTURES:
        raise PlannerError(
            f"must be one of {', '.join(ARCHITECTURES)}, got {arch!r}",
            file=file,
            field=f"{where}.arch",
        )
    estimate = raw.get("estimate") or []
    if not isinstance(estimate, list) or any(k not in _FIELD_NAMES for k in estimate):
        raise PlannerError(
            f"must be a list of {', '.join(_FIELD_NAMES)}, got {estimate!r}",
            file=file,
            field=f"{where}.estimate",
        )
    return InstanceType(
        name=name,
        vcpu=vcpu,
        cpu_units=vcpu * CPU_UNITS_PER_VCPU,
        memory_mib=memory,
        nominal_memory_mib=nominal,
        enis=enis,
        trunk_enis=trunk_enis,
        hourly_usd=None if price is None else float(price),
        arch=arch,
        estimated=tuple(_FIELD_NAMES[k] for k in estimate),
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlannerError(
            f"cannot read the instance catalog: {exc.strerror}", file=str(path)
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise PlannerError(
            f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
            file=str(path),
            line=mark.line + 1 if mark is not None else None,
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("types"), dict):
        raise PlannerError("must be a mapping with a 'types' mapping", file=str(path))
    return data


def _load(path: Path) -> tuple[dict[str, InstanceType], CatalogInfo]:
    data = _read(path)
    file = str(path)
    types = {name: _parse_type(str(name), raw, file=file) for name, raw in data["types"].items()}
    info = CatalogInfo(
        region=str(data.get("region", "unknown")),
        price_date=str(data.get("priceDate", "unknown")),
        path=path,
    )
    return types, info


@lru_cache(maxsize=1)
def _load_default() -> tuple[dict[str, InstanceType], CatalogInfo]:
    return _load(DEFAULT_CATALOG_PATH)


def load_catalog(path: Path | None = None) -> dict[str, InstanceType]:
    """Read an instance-type catalog.

    Parameters
    ----------
    path
        A catalog YAML file; None for the one shipped with planner (read once, then
        cached).

    Returns
    -------
    dict[str, InstanceType]
        The types by name. A fresh dict each call; the values are immutable.

    Raises
    ------
    PlannerError
        If the file cannot be read or an entry is malformed.
    """
    if path is None:
        return dict(_load_default()[0])
    return _load(Path(path))[0]


def catalog_info(path: Path | None = None) -> CatalogInfo:
    """Region and price date of a catalog, for showing next to prices.

    Parameters
    ----------
    path
        A catalog YAML file; None for the one shipped with planner.

    Returns
    -------
    CatalogInfo
        Region, price date and file of the catalog.
    """
    if path is None:
        return _load_default()[1]
    return _load(Path(path))[1]


def get_instance_type(name: str) -> InstanceType:
    """Look up a type in the shipped catalog.

    Parameters
    ----------
    name
        An EC2 instance type name, e.g. ``t3.medium``; surrounding blanks and case are
        ignored.

    Returns
    -------
    InstanceType
        The catalog entry.

    Raises
    ------
    PlannerError
        If the catalog does not know ``name``; the message lists the known types and the
        closest one.
    """
    catalog = _load_default()[0]
    key = name.strip().lower()
    if key in catalog:
        return catalog[key]
    known = sorted(catalog)
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
    hint = f" (closest: {close[0]})" if close else ""
    raise PlannerError(f"unknown instance type {name!r}; known: {', '.join(known)}{hint}")


#: Region of the shipped catalog's prices.
CATALOG_REGION: str = "us-east-1"
