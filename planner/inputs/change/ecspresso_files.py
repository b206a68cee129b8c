"""ecspresso's files, one at a time: read, templates rendered
(:mod:`planner.inputs.change.gotemplate`), parsed with the line of every value, and a
definition's keys written in the ECS API's camelCase as Go's case-insensitive decoding
reads them (:mod:`planner.inputs.change.ecspresso` reads what they mean)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.inputs import ecs_shapes
from planner.inputs.change.gotemplate import Rendered, render
from planner.inputs.files import decode_text, read_limited
from planner.inputs.located import Located
from planner.inputs.yamlsafe import load_yaml_text

Path_ = tuple[str | int, ...]

#: Files larger than this are refused unread.
MAX_BYTES = 1_000_000
#: Template functions of ecspresso's plugins, by plugin; ssm and secretsmanager always load.
PLUGIN_FUNCTIONS = {
    "ssm": ("ssm",),
    "secretsmanager": ("secretsmanager_arn",),
    "tfstate": ("tfstate", "tfstatef"),
    "cloudformation": ("cfn_output", "cfn_export"),
}
#: ``CreateService``'s fields beside the ``Service`` shape's (ecspresso's Service struct).
CREATE_SERVICE = (
    "cluster",
    "clientToken",
    "role",
    "serviceConnectConfiguration",
    "volumeConfigurations",
    "vpcLatticeConfigurations",
)
CIRCUIT_BREAKER = (*ecs_shapes.DEPLOYMENT_CIRCUIT_BREAKER, "thresholdConfiguration")
CIRCUIT_BREAKER += ("resetOnHealthyTask",)
TOKEN = "__planner_template_"
RENDER_HINT = (
    "render it first (ecspresso render config servicedef taskdef --config CONFIG, or "
    "jsonnet FILE > FILE.json) and give planner the result"
)
#: Every camelCase name of the ECS shapes, by its lower case: how keys are written back.
KNOWN = {
    n.lower(): n
    for shape in ecs_shapes.SHAPES.values()
    for n in (*shape, *CREATE_SERVICE, *CIRCUIT_BREAKER)
}
KNOWN |= {
    n.lower(): n
    for n in ("awsvpcConfiguration", "subnets", "securityGroups", "assignPublicIp", "options")
}


@dataclass(frozen=True)
class EcspressoDoc:
    """One of ecspresso's files, rendered and loaded: keys in the API's camelCase."""

    located: Located
    rendered: Rendered

    @property
    def file(self) -> str:
        return self.located.file

    def error(self, path: Path_, message: str) -> PlannerError:
        return self.located.error(path, message)


def load(
    path: Path,
    name: str,
    env: Mapping[str, str],
    *,
    config: bool,
    functions: frozenset[str] | None = None,
) -> EcspressoDoc:
    """Read, render and parse one of ecspresso's files; a definition's keys in camelCase.

    ``functions``: the template functions ecspresso defines for it (others refused), or
    None to check none yet.
    """
    suffix = path.suffix.lower()
    if suffix in (".jsonnet", ".libsonnet"):
        raise PlannerError(
            "is Jsonnet, which planner does not evaluate (it runs no code of a change); "
            f"render it to JSON first: jsonnet {name} > {path.with_suffix('.json').name}, "
            "or ecspresso render config servicedef taskdef --config CONFIG",
            file=name,
        )
    yaml_text = config and suffix in (".yml", ".yaml")
    if config and not yaml_text and suffix != ".json":
        raise PlannerError(
            f"ecspresso reads a config by its extension (.yml, .yaml, .json, .jsonnet), got "
            f"{suffix or 'none'}",
            file=name,
        )
    raw = read_limited(
        path,
        name,
        MAX_BYTES,
        kind="an ecspresso file",
        missing="no such file",
        hint="is this an ecspresso file?",
    )
    text = decode_text(raw, name, "an ecspresso file")
    if "\0" in text or TOKEN in text:
        raise PlannerError(
            "not an ecspresso file (it holds NUL bytes or planner's own placeholder text)",
            file=name,
        )
    rendered = render(text, file=name, env=env, json_text=not yaml_text, token=TOKEN)
    if yaml_text:
        located = load_yaml_text(rendered.text, file=name)
    else:
        located = _json(rendered.text, name, config)
    if not config:
        located = _camel(located)
    doc = EcspressoDoc(located, rendered)
    _unset(doc)
    if functions is not None:
        check_functions(doc, functions, config=config)
    return doc


def check_functions(doc: EcspressoDoc, allowed: frozenset[str], *, config: bool) -> None:
    """Refuse a function ecspresso does not define here: it refuses the file too."""
    for action in doc.rendered.actions.values():
        if action.function is not None and action.function not in allowed:
            raise PlannerError(
                f"{action.text}: function {action.function} is not defined: ecspresso defines "
                + (
                    "only env, must_env and json_escape when it reads its config (plugins "
                    "load after it)"
                    if config
                    else f"{', '.join(sorted(allowed))} here (a plugin's functions need the "
                    "plugin in the config's plugins)"
                ),
                file=doc.file,
                line=action.line,
            )


def _json(text: str, name: str, config: bool) -> Located:
    """Values from the JSON parser, lines from the YAML loader (which reads most JSON)."""
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        hint = (
            " (ecspresso evaluates a .json config as Jsonnet: if it is Jsonnet, render it "
            f"with jsonnet {name} > rendered.json)"
            if config
            else ""
        )
        raise PlannerError(f"not valid JSON: {exc.msg}{hint}", file=name, line=exc.lineno) from None
    except (ValueError, RecursionError) as exc:
        raise PlannerError(f"not valid JSON: {exc}", file=name) from None
    try:
        lines = load_yaml_text(text, file=name).lines
    except PlannerError:
        lines = {(): 1}
    return Located(data, lines, name)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _camel(located: Located) -> Located:
    """Keys as the ECS API writes them: what Go's case-insensitive match reads; nulls
    dropped (ecspresso's walkMap); keys of dockerLabels and options kept as written."""
    lines: dict[Path_, int] = {}

    def walk(value: Any, old: Path_, new: Path_, keep: bool) -> Any:
        if old in located.lines:
            lines[new] = located.lines[old]
        if isinstance(value, list):
            return [walk(v, (*old, i), (*new, i), False) for i, v in enumerate(value)]
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] = {}
        given: dict[str, str] = {}
        for key, item in value.items():
            if item is None:
                continue
            k = str(key)
            camel = k if keep else KNOWN.get(k.lower(), k[:1].lower() + k[1:])
            if camel in out:
                raise located.error(
                    (*old, key), f"is {camel} again (given as {given[camel]} before): give it once"
                )
            given[camel] = k
            out[camel] = walk(item, (*old, key), (*new, camel), k.lower() in _KEPT)
        return out

    data = walk(located.data, (), (), False)
    lines.setdefault((), 1)
    return Located(data, lines, located.file)


_KEPT = ("dockerlabels", "options")


def _unset(doc: EcspressoDoc) -> None:
    """A ``must_env`` variable that is not set: ecspresso stops; so does planner."""
    missing = [a for a in doc.rendered.actions.values() if a.missing is not None]
    if not missing:
        return
    action = min(missing, key=lambda a: a.line)
    for at, text in strings(doc.located.data, ()):
        if action in doc.rendered.find(text):
            raise doc.error(at, _unset_message(action.missing))
    raise PlannerError(_unset_message(action.missing), file=doc.file, line=action.line)


def _unset_message(variable: str | None) -> str:
    return (
        f"must_env: environment variable {variable} is not set, and ecspresso stops without "
        f"it: set {variable}"
    )


def strings(value: Any, path: Path_) -> list[tuple[Path_, str]]:
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in strings(v, (*path, k))]
    if isinstance(value, list):
        return [s for i, v in enumerate(value) for s in strings(v, (*path, i))]
    return []


def restored(doc: EcspressoDoc, value: Any) -> Any:
    """``value`` with each placeholder token back to the action as written (opaque)."""
    if isinstance(value, str):
        return doc.rendered.restore(value) if TOKEN in value else value
    if isinstance(value, dict):
        return {k: restored(doc, v) for k, v in value.items()}
    if isinstance(value, list):
        return [restored(doc, v) for v in value]
    return value
