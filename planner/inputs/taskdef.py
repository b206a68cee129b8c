"""Task definitions: what one task needs from an instance (ROLLOUT.md §2).

Two forms give a :class:`~planner.model.scenario.TaskDefinition`, by the same rules:

* the short form written in a scenario (:func:`taskdef_from_mapping`), read as a single
  container: ``{cpu, memory, memoryReservation, networkMode, portMappings}``;
* an ECS task-definition JSON file (:func:`task_definition_from_json`), as
  ``aws ecs describe-task-definition`` prints it (``{"taskDefinition": {...}}``) or as
  ``register-task-definition`` takes it (the bare object).

Rules
-----
* CPU units: the task-level ``cpu`` if given (``"256"``, ``256`` or ``"1 vCPU"``), else the
  sum of the containers' ``cpu`` (absent: 0).
* Memory (MiB): the task-level ``memory`` if given, else the sum over containers of
  ``memoryReservation`` if set, else ``memory``; a container with neither, in a task
  without task-level memory, is an error (ECS requires one).
* Host ports, by ``networkMode`` (default ``bridge``): in bridge mode a ``hostPort`` > 0
  is fixed, 0 or absent takes one port of the dynamic range; in host mode the host port
  is the container port; in awsvpc mode the task has its own ENI and takes no host port.
  A ``containerPortRange`` takes its size from the dynamic range (bridge) or every port
  in it (host). One task mapping the same host port twice (same protocol) is an error.

Only the fields above, and ``placementConstraints`` (memberOf, ECS's only kind there),
are read from a JSON file; the many other fields ECS prints are ignored. The short form
refuses unknown fields, like the rest of a scenario.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.inputs import ecs_shapes, schema
from planner.inputs.checks import listing, one_of, port, sized, whole
from planner.inputs.files import decode_text, read_limited
from planner.inputs.yamlsafe import Located, format_path, load_yaml_text
from planner.model.cql import QueryError
from planner.model.cql import parse as parse_query
from planner.model.scenario import NETWORK_MODES, TaskDefinition
from planner.model.units import (
    HOST_PORT,
    describe,
    is_whole,
    parse_cpu,
    parse_memory,
    unknown_field_message,
)

#: Task-definition files larger than this are refused unread.
MAX_JSON_BYTES = 1_000_000

#: Fields of the short form in a scenario (its model's).
SHORT_FORM_FIELDS = tuple(schema.TaskDefinitionShort.model_fields)
#: Fields of a port mapping in the short form (the JSON form ignores others).
PORT_MAPPING_FIELDS = tuple(schema.PortMapping.model_fields)
#: The ECS API's task definition fields, as describe and register print and take them.
ECS_TASK_FIELDS = tuple(
    dict.fromkeys(ecs_shapes.TASK_DEFINITION + ecs_shapes.REGISTER_TASK_DEFINITION)
)
#: Those planner reads (the others are ignored, and listed).
USED_TASK_FIELDS = (
    "family",
    "revision",
    "cpu",
    "memory",
    "networkMode",
    "containerDefinitions",
    "placementConstraints",
)
USED_CONTAINER_FIELDS = ("cpu", "memory", "memoryReservation", "portMappings")
PROTOCOLS = ("tcp", "udp")

Path_ = tuple[str | int, ...]
_RANGE = re.compile(r"\s*(\d+)\s*-\s*(\d+)\s*\Z")


@dataclass(frozen=True)
class _Mapping:
    """One port mapping, checked: where it is, its ports and protocol."""

    path: Path_
    container_ports: tuple[int, ...]
    host_port: int | None
    protocol: str
    is_range: bool


def taskdef_from_mapping(
    data: Any, located: Located, path_prefix: Path_, *, ignored: list[Path_] | None = None
) -> TaskDefinition:
    """Read a task definition written in a scenario: the short form, or the ECS API's.

    Parameters
    ----------
    data
        The mapping found at ``path_prefix`` (already known to be a mapping or not: this
        function checks). With ``containerDefinitions`` it is read as the ECS API's
        ``TaskDefinition`` (pasted from ``describe-task-definition``, whose
        ``{"taskDefinition": {...}}`` wrapper is accepted too), by the rules of a JSON
        file; else as the short form, one container.
    located
        The scenario document, for the line of each error.
    path_prefix
        Where the mapping is, e.g. ``("services", 0, "taskDefinition")``.
    ignored
        Where to add the path of each ECS API field planner does not use (the fields are
        allowed, and have no effect).

    Returns
    -------
    TaskDefinition
        With ``source="inline"``; the same as :func:`task_definition_from_json` gives for
        a JSON file with the same content.

    Raises
    ------
    PlannerError
        At the first unknown field (one in neither the short form nor the ECS shape) or
        bad value.
    """
    what = "a task definition (a mapping of cpu, memory, ...) or the path of a JSON file"
    if not isinstance(data, dict):
        raise located.error(path_prefix, f"must be {what}, got {describe(data)}")
    skipped: list[Path_] = [] if ignored is None else ignored
    if isinstance(data.get("taskDefinition"), dict) and set(data) <= {"taskDefinition", "tags"}:
        skipped += [(*path_prefix, k) for k in data if k != "taskDefinition"]
        path_prefix, data = (*path_prefix, "taskDefinition"), data["taskDefinition"]
    if "containerDefinitions" in data:
        _ecs_fields(located, path_prefix, data, skipped)
        return taskdef_from_ecs(data, located, path_prefix, source="inline")
    td = data
    for key in td:
        if key in SHORT_FORM_FIELDS or key in ("placementConstraints", "family", "revision"):
            continue
        if key not in ECS_TASK_FIELDS:
            raise located.error((*path_prefix, key), unknown_field_message(key, SHORT_FORM_FIELDS))
        skipped.append((*path_prefix, key))
    mode = _network_mode(located, path_prefix, td)
    cpu = 0
    if "cpu" in td:
        cpu = sized(located, (*path_prefix, "cpu"), td["cpu"], parse_cpu)
    memory = _container_memory(located, path_prefix, td, parse=parse_memory)
    if memory is None:
        raise located.error(
            (*path_prefix, "memory"), "is required (or memoryReservation): MiB the task needs"
        )
    mappings = _port_mappings(located, path_prefix, td, strict=True, ignored=skipped)
    host_ports, dynamic = _host_ports(located, mode, mappings)
    member_of = _member_of(located, path_prefix, td)
    return TaskDefinition(cpu, memory, mode, host_ports, dynamic, "inline", _family(td), member_of)


def _ecs_fields(
    located: Located, prefix: Path_, data: dict[str, Any], ignored: list[Path_]
) -> None:
    """Refuse a field in no ECS shape (a typo); list those planner does not use."""

    def check(where: Path_, item: Any, allowed: tuple[str, ...], used: tuple[str, ...]) -> None:
        if not isinstance(item, dict):
            return  # the reader words it
        for key in item:
            if key not in allowed:
                raise located.error((*where, key), unknown_field_message(key, allowed))
            if key not in used:
                ignored.append((*where, key))

    check(prefix, data, ECS_TASK_FIELDS, USED_TASK_FIELDS)
    containers = data.get("containerDefinitions")
    for i, c in enumerate(containers if isinstance(containers, list) else []):
        where = (*prefix, "containerDefinitions", i)
        check(where, c, ecs_shapes.CONTAINER_DEFINITION, USED_CONTAINER_FIELDS)
        mappings = c.get("portMappings") if isinstance(c, dict) else None
        for j, m in enumerate(mappings if isinstance(mappings, list) else []):
            check((*where, "portMappings", j), m, ecs_shapes.PORT_MAPPING, PORT_MAPPING_FIELDS)


def task_definition_from_json(path: str | Path) -> TaskDefinition:
    """Read an ECS task-definition JSON file.

    Parameters
    ----------
    path
        The file: ``aws ecs describe-task-definition`` output or the bare task
        definition. Its name as given is used in messages and as ``source``.

    Returns
    -------
    TaskDefinition
        CPU, memory, network mode and host ports by the module's rules; ``family`` is
        ``family:revision`` where the file has them.

    Raises
    ------
    PlannerError
        If the file is missing, larger than :data:`MAX_JSON_BYTES`, not valid JSON
        (with its line), or breaks a rule (with the line and the field inside the file).
    """
    name = str(path)
    doc = _read_json(Path(path), name)
    data = doc.data
    prefix: Path_ = ()
    if isinstance(data, dict) and isinstance(data.get("taskDefinition"), dict):
        prefix = ("taskDefinition",)
        data = data["taskDefinition"]
    if not isinstance(data, dict):
        raise doc.error(
            prefix,
            "must be a task definition: a JSON object with containerDefinitions, or "
            '{"taskDefinition": {...}} as describe-task-definition prints; '
            f"got {describe(data)}",
        )
    return taskdef_from_ecs(data, doc, prefix, source=name)


def taskdef_from_ecs(
    data: dict[str, Any], located: Located, prefix: Path_, *, source: str
) -> TaskDefinition:
    """Read a task definition object in the ECS API's shape.

    Parameters
    ----------
    data
        The object (``family``, ``cpu``, ``memory``, ``networkMode``,
        ``containerDefinitions``, ...).
    located
        The document it came from, for lines.
    prefix
        Where ``data`` is in the document.
    source
        Recorded as :attr:`TaskDefinition.source`.

    Returns
    -------
    TaskDefinition
        By the module's rules.

    Raises
    ------
    PlannerError
        At the first bad value.
    """
    mode = _network_mode(located, prefix, data)
    if "containerDefinitions" not in data:
        raise located.error(
            (*prefix, "containerDefinitions"),
            "is required but missing (is this an ECS task definition?)",
        )
    containers = listing(
        located,
        (*prefix, "containerDefinitions"),
        data.get("containerDefinitions"),
        non_empty=True,
    )
    member_of = _member_of(located, prefix, data)
    cpu_total = 0
    memory_total = 0
    mappings: list[_Mapping] = []
    for i, container in enumerate(containers):
        where = (*prefix, "containerDefinitions", i)
        if not isinstance(container, dict):
            raise located.error(where, f"must be a container definition, got {describe(container)}")
        if container.get("cpu") is not None:
            cpu_total += whole(located, (*where, "cpu"), container["cpu"])
        memory = _container_memory(located, where, container, parse=None)
        if memory is None and data.get("memory") is None:
            raise located.error(
                where,
                "container needs memory or memoryReservation, since the task definition "
                "has no task-level memory (ECS requires one)",
            )
        memory_total += memory or 0
        mappings.extend(_port_mappings(located, where, container, strict=False))
    cpu = cpu_total
    if data.get("cpu") is not None:
        cpu = sized(located, (*prefix, "cpu"), data["cpu"], parse_cpu)
    memory_mib = memory_total
    if data.get("memory") is not None:
        memory_mib = sized(located, (*prefix, "memory"), data["memory"], parse_memory, minimum=1)
    host_ports, dynamic = _host_ports(located, mode, mappings)
    return TaskDefinition(
        cpu, memory_mib, mode, host_ports, dynamic, source, _family(data), member_of
    )


def _read_json(path: Path, name: str) -> Located:
    """Read and parse a JSON file, keeping each value's line where the text allows."""
    raw = read_limited(
        path,
        name,
        MAX_JSON_BYTES,
        kind="a task-definition JSON file",
        missing="no such task-definition file",
        hint="is this a task definition?",
    )
    content = decode_text(raw, name, "JSON")
    try:
        data = json.loads(content, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise PlannerError(f"not valid JSON: {exc.msg}", file=name, line=exc.lineno) from None
    except (ValueError, RecursionError) as exc:
        raise PlannerError(f"not valid JSON: {exc}", file=name) from None
    # The values come from the JSON parser; the lines from the YAML loader, which reads
    # nearly every JSON text too. Where it cannot, errors name the field without a line.
    try:
        lines = load_yaml_text(content, file=name).lines
    except PlannerError:
        lines = {(): 1}
    return Located(data=data, lines=lines, file=name)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _family(data: dict[str, Any]) -> str | None:
    family = data.get("family")
    if not isinstance(family, str) or not family:
        return None
    revision = data.get("revision")
    return f"{family}:{revision}" if is_whole(revision) else family


def _network_mode(located: Located, prefix: Path_, data: dict[str, Any]) -> str:
    if data.get("networkMode") is None:
        return "bridge"
    return one_of(located, (*prefix, "networkMode"), data["networkMode"], NETWORK_MODES)


def _member_of(located: Located, prefix: Path_, data: dict[str, Any]) -> tuple[str, ...]:
    """Task-definition placement constraints (memberOf only, as ECS allows there): binding
    for the tasks of this revision, beside the service's own (ROLLOUT.md §8)."""
    raw = data.get("placementConstraints")
    if not raw:
        return ()
    where = (*prefix, "placementConstraints")
    out = []
    for i, item in enumerate(listing(located, where, raw)):
        if not isinstance(item, dict):
            raise located.error((*where, i), f"must be a constraint, got {describe(item)}")
        one_of(located, (*where, i, "type"), item.get("type"), ("memberOf",))
        expression = item.get("expression")
        if not isinstance(expression, str) or not expression.strip():
            raise located.error(
                (*where, i, "expression"), "is required: a cluster query language expression"
            )
        try:
            parse_query(expression)
        except QueryError as exc:
            raise located.error((*where, i, "expression"), str(exc)) from None
        out.append(expression)
    return tuple(out)


def _container_memory(
    located: Located,
    where: Path_,
    container: dict[str, Any],
    *,
    parse: Callable[[Any], int] | None,
) -> int | None:
    """MiB a container is placed by: memoryReservation if set, else memory; None if neither.

    ``parse`` reads the values (the short form accepts "0.5 GB"); None for the ECS API's
    whole numbers of MiB.
    """
    values: dict[str, int] = {}
    for key in ("memory", "memoryReservation"):
        if container.get(key) is None:
            continue
        if parse is None:
            values[key] = whole(located, (*where, key), container[key], minimum=1)
        else:
            values[key] = sized(located, (*where, key), container[key], parse, minimum=1)
    if "memory" in values and values.get("memoryReservation", 0) > values["memory"]:
        raise located.error(
            (*where, "memoryReservation"),
            f"must not exceed memory ({values['memory']} MiB), got "
            f"{values['memoryReservation']} MiB",
        )
    return values.get("memoryReservation", values.get("memory"))


def _port_mappings(
    located: Located,
    where: Path_,
    container: dict[str, Any],
    *,
    strict: bool,
    ignored: list[Path_] | None = None,
) -> list[_Mapping]:
    raw = container.get("portMappings")
    if raw is None:
        return []
    items = listing(located, (*where, "portMappings"), raw)
    out: list[_Mapping] = []
    for j, item in enumerate(items):
        path = (*where, "portMappings", j)
        if strict and isinstance(item, dict):
            for key in item:
                if key in PORT_MAPPING_FIELDS:
                    continue
                if key not in ecs_shapes.PORT_MAPPING:
                    raise located.error(
                        (*path, key), unknown_field_message(key, PORT_MAPPING_FIELDS)
                    )
                if ignored is not None:
                    ignored.append((*path, key))
        if not isinstance(item, dict):
            kind = "a mapping" if strict else "a port mapping"
            raise located.error(path, f"must be {kind}, got {describe(item)}")
        protocol = "tcp"
        if item.get("protocol") is not None:
            protocol = one_of(located, (*path, "protocol"), item["protocol"], PROTOCOLS)
        host: int | None = None
        if item.get("hostPort") is not None:
            host = whole(located, (*path, "hostPort"), item["hostPort"], rule=HOST_PORT)
        if item.get("containerPortRange") is not None:
            if item.get("containerPort") is not None:
                raise located.error(
                    (*path, "containerPortRange"),
                    "give containerPort or containerPortRange, not both",
                )
            if host is not None:
                raise located.error(
                    (*path, "hostPort"),
                    "must not be set with containerPortRange (ECS picks the host ports)",
                )
            lo, hi = _port_range(located, (*path, "containerPortRange"), item["containerPortRange"])
            out.append(_Mapping(path, tuple(range(lo, hi + 1)), None, protocol, True))
            continue
        if item.get("containerPort") is None:
            raise located.error((*path, "containerPort"), "is required but missing")
        container_port = port(located, (*path, "containerPort"), item["containerPort"])
        out.append(_Mapping(path, (container_port,), host, protocol, False))
    return out


def _port_range(located: Located, path: Path_, value: Any) -> tuple[int, int]:
    match = _RANGE.match(value) if isinstance(value, str) else None
    if match:
        lo, hi = int(match.group(1)), int(match.group(2))
        if 1 <= lo < hi <= 65535:
            return lo, hi
    raise located.error(
        path,
        'must be a range of ports "first-last" with 1 ≤ first < last ≤ 65535, '
        f"got {describe(value)}",
    )


def _host_ports(
    located: Located, mode: str, mappings: list[_Mapping]
) -> tuple[tuple[int, ...], int]:
    """Fixed host ports (in order of first mapping) and the count of dynamic ones."""
    fixed: dict[tuple[int, str], Path_] = {}
    dynamic = 0
    for m in mappings:
        if mode == "none":
            raise located.error(m.path, 'networkMode "none" has no port mappings')
        if mode in ("host", "awsvpc") and m.host_port not in (None, m.container_ports[0]):
            raise located.error(
                (*m.path, "hostPort"),
                f"in {mode} mode must be absent or equal containerPort "
                f"({m.container_ports[0]}), got {m.host_port}",
            )
        if mode == "awsvpc":
            continue
        if mode == "bridge" and (m.is_range or not m.host_port):
            dynamic += len(m.container_ports)
            continue
        ports = m.container_ports if mode == "host" else (m.host_port or 0,)
        for p in ports:
            if (p, m.protocol) in fixed:
                first = fixed[(p, m.protocol)]
                raise located.error(
                    m.path,
                    f"host port {p}/{m.protocol} is already mapped at "
                    f"{format_path(first)}; a task cannot take one host port twice",
                )
            fixed[(p, m.protocol)] = m.path
    host_ports = tuple(dict.fromkeys(p for p, _ in fixed))
    return host_ports, dynamic
