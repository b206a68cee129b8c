"""The EC2 instance-type catalog: vCPUs, memory as ECS registers it, ENIs and prices.

The data live in ``data/instance_types.yaml`` at the repository root; that file names
the source of every value and the rule behind every estimate. This module only reads
it. Which fields of a type are estimates is kept in :attr:`InstanceType.estimated`, so
that callers can say so when they show a number.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
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


#: libyaml's safe loader where PyYAML was built with it: the catalog has over a thousand
#: types and every command reads it (about 10 times faster than the pure-Python one).
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlannerError(
            f"cannot read the instance catalog: {exc.strerror}", file=str(path)
        ) from None
    try:
        data = yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - a safe loader
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
    return types, _info(data, path)


def _info(data: dict[str, Any], path: Path) -> CatalogInfo:
    return CatalogInfo(
        region=str(data.get("region", "unknown")),
        price_date=str(data.get("priceDate", "unknown")),
        path=path,
    )


@lru_cache(maxsize=1)
def _load_default() -> tuple[dict[str, InstanceType], CatalogInfo]:
    return _load(DEFAULT_CATALOG_PATH)


# One entry of the shipped catalog as tools/build_catalog.py writes it: a flow mapping on
# one line under ``types:``.
_ENTRY_LINE = re.compile(r"^  ([a-z0-9][a-z0-9.\-]*): (\{[^\n]*\})$", re.MULTILINE)


@lru_cache(maxsize=1)
def _default_lines() -> tuple[dict[str, str], CatalogInfo]:
    """The shipped catalog's entries as their YAML lines, by name, and its header, read
    without parsing every entry: a command names a few types of the thousand and more, and
    parsing them all is most of its start-up. An entry written otherwise (by hand, over
    several lines) is not found here and is looked up by the full load."""
    path = DEFAULT_CATALOG_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return {}, _load_default()[1]  # the full load says why, as a PlannerError
    start = text.find("\ntypes:\n")
    if start < 0:
        return {}, _load_default()[1]
    try:
        header = yaml.load(text[:start], Loader=_SafeLoader)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        return {}, _load_default()[1]
    info = _info(header if isinstance(header, dict) else {}, path)
    return dict(_ENTRY_LINE.findall(text, start)), info


@cache
def _default_entry(name: str) -> InstanceType | None:
    line = _default_lines()[0].get(name)
    if line is None:
        return _load_default()[0].get(name)
    try:
        raw = yaml.load(line, Loader=_SafeLoader)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        return _load_default()[0].get(name)  # the full load says where
    return _parse_type(name, raw, file=str(DEFAULT_CATALOG_PATH))


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
        return _default_lines()[1]
    return _load(Path(path))[1]


def find_instance_type(name: str) -> InstanceType | None:
    """A type of the shipped catalog, or None if it has none of that name.

    Parameters
    ----------
    name
        An EC2 instance type name; surrounding blanks and case are ignored.

    Returns
    -------
    InstanceType or None
        The catalog entry, if any.
    """
    return _default_entry(name.strip().lower())


class _ShippedTypes(Mapping[str, InstanceType]):
    """The shipped catalog as a read-only mapping whose entries are parsed when asked for."""

    def __getitem__(self, name: str) -> InstanceType:
        found = _default_entry(name)
        if found is None:
            raise KeyError(name)
        return found

    def __iter__(self) -> Iterator[str]:
        lines = _default_lines()[0]
        return iter(lines if lines else _load_default()[0])

    def __len__(self) -> int:
        return len(_default_lines()[0]) or len(_load_default()[0])


def shipped_types() -> Mapping[str, InstanceType]:
    """The shipped catalog, each entry parsed only when looked up: for a caller that looks
    up the few types it meets (an import) or needs the names alone. :func:`load_catalog`
    parses them all.

    Returns
    -------
    Mapping[str, InstanceType]
        Name -> type, read-only.
    """
    return _ShippedTypes()


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
        If the catalog does not know ``name``; the message names the closest one (saying
        so when it is of another architecture) and how to list them all.
    """
    found = find_instance_type(name)
    if found is not None:
        return found
    close = suggest_type(name)
    hint = f" (closest: {close})" if close else ""
    raise PlannerError(
        f"unknown instance type {name!r}{hint}; `planner instance-types` lists the "
        f"{len(_load_default()[0])} known ones"
    )


# A Graviton (arm64) family in EC2's naming: a "g" among the letters after the generation
# digit (t4g, m6gd, c7gn, is4gen, g5g), or a1.
_ARM_FAMILY = re.compile(r"^(a1|[a-z]+\d+[a-z]*g[a-z]*)(-[a-z0-9]+)?$")


def implied_arch(name: str) -> str | None:
    """The architecture a type name implies: its family's in the shipped catalog, else what
    EC2's naming says (see ``_ARM_FAMILY``); None for a name with no family.

    Parameters
    ----------
    name
        An instance type name, known or not (``m6g.huge``).

    Returns
    -------
    str or None
        ``x86_64``, ``arm64`` or None.
    """
    key = name.strip().lower()
    if "." not in key:
        return None
    family = key.split(".")[0]
    arches = {t.arch for n, t in _load_default()[0].items() if n.split(".")[0] == family}
    if len(arches) == 1:
        return arches.pop()
    return "arm64" if _ARM_FAMILY.match(family) else "x86_64"


def suggest_type(name: str, names: Iterable[str] | None = None) -> str | None:
    """The known type closest to an unknown ``name``, for a "did you mean": one of the
    architecture ``name`` implies where one is close enough; else the closest of any,
    followed by "(arm64: needs arm64 images)" (or x86_64) when it crosses architectures,
    since images built for one do not run on the other.

    Parameters
    ----------
    name
        The unknown name.
    names
        The candidates; None for every type of the shipped catalog.

    Returns
    -------
    str or None
        The suggestion in words, or None if nothing is close.
    """
    catalog = _load_default()[0]
    key = name.strip().lower()
    pool = sorted(catalog if names is None else names)
    arch = implied_arch(key)
    same = [n for n in pool if n in catalog and catalog[n].arch == arch]
    close = difflib.get_close_matches(key, same, n=1, cutoff=0.5) if arch else []
    if close:
        return close[0]
    close = difflib.get_close_matches(key, pool, n=1, cutoff=0.5)
    if not close:
        return None
    other = catalog[close[0]].arch if close[0] in catalog else None
    if arch and other and other != arch:
        return f"{close[0]} ({other}: needs {other} images)"
    return close[0]


#: Region of the shipped catalog's prices.
CATALOG_REGION: str = "us-east-1"
