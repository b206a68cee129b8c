"""ecspresso's files read as a change: its config (``ecspresso.yml``) and the service and task
definitions it names, in the ECS API's shapes.

What ecspresso does (kayac/ecspresso v2, ``config.go``, ``ecspresso.go``, ``json.go``,
``util.go``), and how planner follows it:

* The config is YAML (``.yml``/``.yaml``) or Jsonnet (``.json``/``.jsonnet``, evaluated by
  go-jsonnet first). planner reads YAML and plain JSON; a ``.jsonnet`` file (or JSON that
  only Jsonnet reads) is refused with the command that renders it. Its ``service_definition``
  and ``task_definition`` paths are relative to the config's folder; ``cluster`` defaults
  to ``default``. Keys match case-insensitively (Go's ``encoding/json``), as ecspresso's do.
* Definition files are JSON, or Jsonnet by the ``.jsonnet`` extension (refused here). Every
  file goes through go-config's templates first (:mod:`planner.inputs.change.gotemplate`):
  ``env``, ``must_env``, ``json_escape`` are rendered from ``env``; other functions
  (``tfstate``, ``ssm``, ...) are refused where the value decides the verdict, else kept as
  opaque text. In the config only go-config's three exist (plugins load after it).
* Keys: Go decodes ecspresso's structs case-insensitively, so ``desiredCount``,
  ``DesiredCount`` (PascalCase, as the Go SDK prints) and ``desiredcount`` are one field;
  snake_case (``desired_count``) is not. For a task definition ecspresso first upper-cases
  each key's first letter (``walkMap``), except inside ``dockerLabels`` and ``options``, and
  drops null values and empty lists. planner writes every key in the API's camelCase, the
  same way. A key ecspresso would ignore (unknown to the API) is ignored, unless it is close
  to a field planner reads (a typo that would change the verdict): refused.
* A task definition file may be ``describe-task-definition``'s ``{"taskDefinition": ...}``.
* A config without ``service`` registers a task definition only (``ecspresso run``'s
  configs): it rolls out on the cluster's services of its family.

A definition file given alone (``--change ecs-task-def.json``) is read the same way: a
task definition, or a service definition that names its ``serviceName``.

Origins: a service is declared by its service definition file (line 1; messages about its
fields name their own lines there), under the config's ``service`` name; a task definition
by its file, under the config's ``task_definition`` path. Where ECS would refuse the
service's ``networkConfiguration``, the apply step so names the file that holds it.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.inputs import ecs_shapes
from planner.inputs.change.ecspresso_files import (
    CIRCUIT_BREAKER,
    CREATE_SERVICE,
    PLUGIN_FUNCTIONS,
    RENDER_HINT,
    EcspressoDoc,
    check_functions,
    load,
    restored,
    strings,
)
from planner.inputs.change.gotemplate import RENDERED
from planner.inputs.change.model import Change, Origin, ServiceChange, TaskDefinitionChange
from planner.inputs.schema.document import validate
from planner.inputs.schema.services import Service
from planner.inputs.taskdef import taskdef_from_mapping
from planner.model.units import describe, unknown_field_message

Path_ = tuple[str | int, ...]

#: The config's fields planner reads, and those it ignores (ecspresso's others).
CONFIG_FIELDS = ("region", "cluster", "service", "service_definition", "task_definition")
CONFIG_OTHERS: tuple[str, ...] = ("required_version", "plugins", "appspec", "filter_command")
CONFIG_OTHERS += ("timeout", "codedeploy")
#: The service definition's fields planner reads, in the scenario's service shape.
SERVICE_FIELDS = (
    "desiredCount",
    "deploymentConfiguration",
    "deploymentController",
    "schedulingStrategy",
    "placementConstraints",
    "placementStrategy",
    "capacityProviderStrategy",
    "launchType",
    "loadBalancers",
)
#: Where a value decides the verdict (``*``: every item of a list): a template function
#: planner does not run is refused there.
NEEDED_SERVICE: tuple[Path_, ...] = (
    ("desiredCount",),
    ("deploymentConfiguration", "minimumHealthyPercent"),
    ("deploymentConfiguration", "maximumPercent"),
    ("deploymentConfiguration", "deploymentCircuitBreaker"),
    ("deploymentConfiguration", "strategy"),
    ("deploymentConfiguration", "bakeTimeInMinutes"),
    ("deploymentConfiguration", "linearConfiguration"),
    ("deploymentConfiguration", "canaryConfiguration"),
    ("deploymentController",),
    ("schedulingStrategy",),
    ("placementConstraints",),
    ("placementStrategy",),
    ("capacityProviderStrategy",),
    ("launchType",),
    ("loadBalancers", "*", "containerName"),
    ("loadBalancers", "*", "containerPort"),
)
NEEDED_TASK: tuple[Path_, ...] = (
    ("family",),
    ("cpu",),
    ("memory",),
    ("networkMode",),
    ("placementConstraints",),
    ("containerDefinitions", "*", "cpu"),
    ("containerDefinitions", "*", "memory"),
    ("containerDefinitions", "*", "memoryReservation"),
    ("containerDefinitions", "*", "portMappings"),
)
USED_TASK: tuple[str, ...] = ("family", "cpu", "memory", "networkMode", "placementConstraints")
USED_TASK += ("containerDefinitions",)
USED_CONTAINER = ("cpu", "memory", "memoryReservation", "portMappings")


def read_ecspresso(path: str | Path, env: Mapping[str, str] | None = None) -> Change:
    """Read an ecspresso config, or one of its definition files, as a change.

    Parameters
    ----------
    path
        ``ecspresso.yml`` (or ``.yaml``, ``.json``), or a service or task definition file.
    env
        What ``{{ env }}`` and ``{{ must_env }}`` read; default ``os.environ``.

    Returns
    -------
    Change
        Format ``ecspresso``: the config's service (action ``update``; the apply step tells a
        new one) with its task definition, or the task definition alone.

    Raises
    ------
    PlannerError
        Naming the file, line and field: a missing ``must_env`` variable, a value the
        verdict needs that a plugin function gives, a bad value, a missing file, Jsonnet.
    """
    env = os.environ if env is None else env
    name = str(path)
    change = Change(file=name, format="ecspresso")
    doc = load(Path(path), name, env, config=True)
    data = doc.located.data
    if not isinstance(data, dict):
        raise doc.error((), f"must be an ecspresso config (a mapping), got {describe(data)}")
    keys = {str(k).lower() for k in data}
    if not keys & {"service_definition", "task_definition", "service", "cluster", "region"}:
        _alone(doc, Path(path), env, change)
        return change
    check_functions(doc, frozenset(RENDERED), config=True)
    conf = _config(doc)
    folder = Path(path).parent
    td: TaskDefinitionChange | None = None
    if conf.get("task_definition"):
        td = _task_definition(doc, conf, folder, env, change)
    service = conf.get("service")
    if service:
        _service(doc, conf, folder, env, td, change)
    elif td is not None:
        change.task_definitions.append(td)
    else:
        raise doc.error(
            (),
            "names no service and no task_definition: nothing to roll out (ecspresso's "
            "config gives service and service_definition, or task_definition)",
        )
    return change


def _alone(doc: EcspressoDoc, path: Path, env: Mapping[str, str], change: Change) -> None:
    """A definition file given without its config: its plugins unknown, any function
    planner does not render is kept opaque (or refused where the verdict needs it)."""
    keys = {str(k).lower() for k in doc.located.data}
    if not keys & {"containerdefinitions", "taskdefinition", "servicename"}:
        raise doc.error(
            (),
            "is neither an ecspresso config (service_definition, task_definition) nor a "
            "task definition (containerDefinitions), nor a service definition that names "
            "its serviceName: give planner the ecspresso config",
        )
    doc = load(path, doc.file, env, config=False)
    if keys & {"containerdefinitions", "taskdefinition"}:
        change.task_definitions.append(_task_from_doc(doc, doc.file, change))
        return
    name = doc.located.data.get("serviceName")
    if not isinstance(name, str) or not name:
        raise doc.error(("serviceName",), f"must be the service's name, got {describe(name)}")
    _needed(doc, NEEDED_SERVICE)
    fields, network = _service_fields(doc, name)
    origin = Origin(doc.file, doc.located.line(("serviceName",)), name)
    change.services.append(ServiceChange(name, fields, None, "update", origin, None, network))


def _config(doc: EcspressoDoc) -> dict[str, Any]:
    """The config's fields, keys matched as Go matches them; typos of them refused."""
    out: dict[str, Any] = {}
    for key, value in doc.located.data.items():
        known = next((f for f in CONFIG_FIELDS + CONFIG_OTHERS if f == str(key).lower()), None)
        if known is None:
            _typo(doc, (key,), str(key), CONFIG_FIELDS, CONFIG_FIELDS + CONFIG_OTHERS)
            continue
        if known in out:
            raise doc.error((key,), f"{known} is given twice")
        if known in CONFIG_FIELDS and value is not None and not isinstance(value, str):
            raise doc.error((key,), f"must be text, got {describe(value)}")
        out[known] = value
    out["_keys"] = {f: k for k in doc.located.data for f in CONFIG_FIELDS if f == str(k).lower()}
    return out


def _functions(doc: EcspressoDoc) -> frozenset[str]:
    """The template functions ecspresso defines for the definitions of this config."""
    names = set(RENDERED) | set(PLUGIN_FUNCTIONS["ssm"]) | set(PLUGIN_FUNCTIONS["secretsmanager"])
    plugins = next((v for k, v in doc.located.data.items() if str(k).lower() == "plugins"), None)
    for plugin in plugins if isinstance(plugins, list) else []:
        if isinstance(plugin, dict):
            prefix = plugin.get("func_prefix") or ""
            funcs = PLUGIN_FUNCTIONS.get(str(plugin.get("name", "")).lower(), ())
            names |= {f"{prefix}{f}" for f in funcs}
    return frozenset(names)


def _service(
    doc: EcspressoDoc,
    conf: dict[str, Any],
    folder: Path,
    env: Mapping[str, str],
    td: TaskDefinitionChange | None,
    change: Change,
) -> None:
    name = str(conf["service"])
    key = conf["_keys"]["service"]
    if not conf.get("service_definition"):
        raise doc.error(
            (key,),
            "service_definition is required with service: ecspresso v2 deploys the service "
            "from it (its desiredCount, deployment configuration, placement)",
        )
    svc_path = _exists(doc, conf, "service_definition", folder)
    sdoc = load(svc_path, str(svc_path), env, config=False, functions=_functions(doc))
    if not isinstance(sdoc.located.data, dict):
        raise sdoc.error(
            (), f"must be a service definition (a JSON object), got {describe(sdoc.located.data)}"
        )
    _needed(sdoc, NEEDED_SERVICE)
    fields, network = _service_fields(sdoc, name)
    cluster = str(conf.get("cluster") or "default").rsplit("/", 1)[-1]
    origin = Origin(sdoc.file, 1, name)
    change.services.append(ServiceChange(name, fields, td, "update", origin, cluster, network))


def referenced_files(path: str | Path, env: Mapping[str, str] | None = None) -> list[Path]:
    """The definition files an ecspresso config names (``service_definition``,
    ``task_definition``), relative to its folder: parts of the config's change, not changes
    of their own (``batch --change FOLDER``). Empty for a file that is not a config, or one
    that cannot be read (reading it as a change says why)."""
    env = os.environ if env is None else env
    try:
        doc = load(Path(path), str(path), env, config=True)
        if not isinstance(doc.located.data, dict):
            return []
        conf = _config(doc)
    except PlannerError:
        return []
    folder = Path(path).parent
    fields = ("service_definition", "task_definition")
    return [_beside(folder, str(conf[f])) for f in fields if conf.get(f)]


def _beside(folder: Path, given: str) -> Path:
    path = Path(given)
    return path if path.is_absolute() else folder / path


def _task_definition(
    doc: EcspressoDoc, conf: dict[str, Any], folder: Path, env: Mapping[str, str], change: Change
) -> TaskDefinitionChange:
    given = str(conf["task_definition"])
    path = _exists(doc, conf, "task_definition", folder)
    tdoc = load(path, str(path), env, config=False, functions=_functions(doc))
    return _task_from_doc(tdoc, given, change)


def _exists(doc: EcspressoDoc, conf: dict[str, Any], field: str, folder: Path) -> Path:
    """The file a config field names, relative to the config's folder; refused if missing."""
    path = _beside(folder, str(conf[field]))
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "does not exist"
        raise doc.error(
            (conf["_keys"][field],),
            f"names {path}, which {what} (a path relative to the config's folder)",
        )
    return path


def _task_from_doc(doc: EcspressoDoc, address: str, change: Change) -> TaskDefinitionChange:
    data = doc.located.data
    prefix: Path_ = ()
    if isinstance(data, dict) and isinstance(data.get("taskDefinition"), dict):
        prefix, data = ("taskDefinition",), data["taskDefinition"]
    if not isinstance(data, dict):
        raise doc.error(prefix, f"must be a task definition (a JSON object), got {describe(data)}")
    _needed(doc, tuple((*prefix, *p) for p in NEEDED_TASK))
    definition = _known(doc, prefix, data, ecs_shapes.REGISTER_TASK_DEFINITION, USED_TASK)
    containers = definition.get("containerDefinitions")
    if isinstance(containers, list):
        kept = []
        for i, c in enumerate(containers):
            where = (*prefix, "containerDefinitions", i)
            if isinstance(c, dict):
                c = _known(doc, where, c, ecs_shapes.CONTAINER_DEFINITION, USED_CONTAINER)
            kept.append(c)
        definition["containerDefinitions"] = kept
    definition = restored(doc, definition)
    checked = taskdef_from_mapping(definition, doc.located, prefix)
    family = definition.get("family")
    if not isinstance(family, str) or not family:
        raise doc.error((*prefix, "family"), "is required: the task definition's family")
    if "networkMode" not in definition:
        change.assumptions.append(
            f"task definition {family} ({doc.file}): networkMode not set; ECS's default "
            f"{checked.network_mode} on EC2 Linux"
        )
    return TaskDefinitionChange(family, definition, Origin(doc.file, 1, address))


def _service_fields(doc: EcspressoDoc, name: str) -> tuple[dict[str, Any], str | None]:
    """The service definition's fields, checked as a scenario's service, and whether it
    gives a networkConfiguration."""
    data = _known(doc, (), doc.located.data, (*ecs_shapes.SERVICE, *CREATE_SERVICE), SERVICE_FIELDS)
    fields = {k: data[k] for k in SERVICE_FIELDS if k in data}
    config = fields.get("deploymentConfiguration")
    if isinstance(config, dict):
        config = _known(
            doc,
            ("deploymentConfiguration",),
            config,
            ecs_shapes.DEPLOYMENT_CONFIGURATION,
            ecs_shapes.DEPLOYMENT_CONFIGURATION,
        )
        breaker = config.get("deploymentCircuitBreaker")
        if isinstance(breaker, dict):
            where = ("deploymentConfiguration", "deploymentCircuitBreaker")
            config["deploymentCircuitBreaker"] = _known(
                doc, where, breaker, CIRCUIT_BREAKER, CIRCUIT_BREAKER
            )
        fields["deploymentConfiguration"] = config
    fields = restored(doc, fields)
    raw = {"name": name, "taskDefinition": "(ecspresso)", **fields}
    if "desiredCount" not in raw:
        raw["desiredCount"] = 0  # not set: the cluster's count stays (checked there)
    validate(Service, doc.located, raw)
    controller = fields.get("deploymentController")
    if isinstance(controller, dict):
        fields["deploymentController"] = controller["type"]
    network = "networkConfiguration" if data.get("networkConfiguration") else None
    return fields, network


def _known(
    doc: EcspressoDoc,
    where: Path_,
    data: dict[str, Any],
    allowed: tuple[str, ...],
    used: tuple[str, ...],
) -> dict[str, Any]:
    """``data`` without the keys the API does not know (ecspresso ignores them); a key close
    to one planner reads is refused as a typo."""
    out = {}
    for key, value in data.items():
        if key in allowed:
            out[key] = value
        else:
            _typo(doc, (*where, key), key, used, allowed)
    return out


def _typo(
    doc: EcspressoDoc, path: Path_, key: str, used: tuple[str, ...], allowed: tuple[str, ...]
) -> None:
    by_lower = {u.lower(): u for u in used}
    if difflib.get_close_matches(key.lower(), list(by_lower), n=1, cutoff=0.75):
        raise doc.error(path, unknown_field_message(key, allowed))


def _needed(doc: EcspressoDoc, patterns: tuple[Path_, ...]) -> None:
    """Refuse a template function planner does not run where the verdict needs the value."""
    for pattern in patterns:
        for path, value in _matches(doc.located.data, (), pattern):
            for at, text in strings(value, path):
                for action in doc.rendered.find(text):
                    raise doc.error(
                        at,
                        f"comes from {action.text}, which planner does not run (it reads "
                        "AWS or Terraform state as ecspresso runs), and the verdict needs it: "
                        f"write the value in the file, or {RENDER_HINT}",
                    )


def _matches(value: Any, path: Path_, pattern: Path_) -> list[tuple[Path_, Any]]:
    if not pattern:
        return [(path, value)]
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        items = enumerate(value) if isinstance(value, list) else iter(())
        return [m for i, v in items for m in _matches(v, (*path, i), rest)]
    if isinstance(value, dict) and head in value:
        return _matches(value[head], (*path, head), rest)
    return []
