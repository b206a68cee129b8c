# mypy: disable-error-code="valid-type"
"""The whole scenario file: its model, the rules across the document, validating a
loaded document, and the JSON Schema that ``planner schema`` prints.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from planner.errors import PlannerError
from planner.inputs.schema.cluster import Cluster, group_name, strategy_problem
from planner.inputs.schema.expect import ExpectField
from planner.inputs.schema.fields import FileModel, Path_, Text, field_title, problem
from planner.inputs.schema.reacting import Reacting
from planner.inputs.schema.services import Service, Services, Timing
from planner.inputs.yamlsafe import Located
from planner.model.scenario import (
    first_repeat,
)
from planner.model.units import (
    describe,
)


class ScenarioFile(FileModel):
    """A planner scenario: an ECS cluster, its services and the deployment to check."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        field_title_generator=field_title,
        title="planner scenario",
        json_schema_extra=lambda s, m: s.update(
            {"$schema": "https://json-schema.org/draft/2020-12/schema"}
        ),
    )
    WHAT: ClassVar[str] = "a mapping of name, cluster, services and timing"
    REQUIRED: ClassVar[tuple[str, ...] | None] = ("cluster", "services")

    name: Text = None
    cluster: Cluster
    services: Services
    timing: Timing | None = None
    reacting: Reacting | None = Field(
        None,
        description="settings for what AWS does not document about a cluster that reacts "
        "(ROLLOUT.md §10): each an assumption, named in the output",
    )
    expect: ExpectField = Field(
        None,
        description="the verdict this scenario is written to give: planner batch passes "
        "the scenario when it is met (hangs, or {verdict: hangs, reasons: [port]})",
    )

    @model_validator(mode="after")
    def _across(self, info: ValidationInfo) -> ScenarioFile:
        groups: list[Any] = list(self.cluster.instances or [])
        ids: list[tuple[str, int, int]] = []
        for g, group in enumerate(groups):
            ids += [(name, g, k) for k, name in enumerate(group.instanceIds or [])]
        twice = first_repeat([name for name, _, _ in ids])
        if twice is not None:
            name, g, k = ids[twice[0]]
            raise problem(
                f"instance id {describe(name)} is used twice",
                ("cluster", "instances", g, "instanceIds", k),
            )
        services: list[Any] = list(self.services or [])
        names = self.cluster.provider_names
        for k, svc in enumerate(services):
            found = strategy_problem(svc.capacityProviderStrategy, names)
            if found is not None:
                raise problem(found[1], ("services", k, "capacityProviderStrategy", *found[0]))
        cps: list[Any] = list(self.cluster.capacityProviders or [])
        added = sum(cp.autoScalingGroup.instances or 0 for cp in cps)
        for k, svc in enumerate(services):
            for key in ("newPlacement", "placement"):
                if getattr(svc, key) is not None:
                    _placement(groups, added, svc, key, ("services", k, key))
        twice = first_repeat([svc.name for svc in services])
        if twice is not None:
            k, j = twice
            doc = (info.context or {}).get("doc")
            line = doc.line(("services", j, "name")) if doc is not None else None
            raise problem(
                f"duplicate service name {describe(services[k].name)}; also services[{j}].name"
                + (f" (line {line})" if line else ""),
                ("services", k, "name"),
            )
        return self


def _placement(groups: list[Any], added: int, svc: Service, key: str, where: Path_) -> None:
    """Tasks per instance: the old ones (``placement``), adding up to the desired count
    unless new ones run beside them (a snapshot); or the new ones already running
    (``newPlacement``), at most the desired count. The instances: those of
    cluster.instances, then the ``added`` ones capacity providers run (``instances: N``)."""
    counts: list[int] = getattr(svc, key)
    open_groups = [group_name(g) for g in groups if g.count is None]
    if open_groups:
        raise problem(
            "needs every instance group's count (it lists old tasks per instance); "
            f"no count for {', '.join(open_groups)}",
            where,
        )
    n = sum(g.count or 0 for g in groups) + added
    if len(counts) != n:
        raise problem(
            f"must list one count per instance, {n} in file order, got {len(counts)}", where
        )
    desired = svc.desiredCount or 0
    target, what = (n, "the instance count (DAEMON)") if svc.daemon else (desired, "desiredCount")
    if key == "newPlacement":
        if sum(counts) > target:
            raise problem(f"must add up to at most {what}, {target}, got {sum(counts)}", where)
    elif svc.newPlacement is None and sum(counts) != target:
        raise problem(
            f"must add up to {what}, {target}, got {sum(counts)} (mid-deployment, list the "
            "new tasks in newPlacement)",
            where,
        )


# --- validating a document -----------------------------------------------------------


@dataclass(frozen=True)
class Validated:
    """A document checked against a model: the model, and the ECS fields it ignored."""

    model: Any
    #: ``(path, field)`` of every ECS API field planner does not use, in file order.
    ignored: tuple[Path_, ...]


def validate(
    model: type[BaseModel], doc: Located, raw: Any = None, prefix: Path_ = ()
) -> Validated:
    """Check ``raw`` (default the whole document) at ``prefix`` of ``doc`` against ``model``.

    Raises
    ------
    PlannerError
        At the first problem in the file's order, with its file, line and field.
    """
    data = doc.data if raw is None and not prefix else raw
    context: dict[str, Any] = {"doc": doc}
    try:
        validated = model.model_validate(data, context=context)
    except ValidationError as exc:
        raise _located(doc, exc, prefix) from None
    where = _paths_by_id(data, prefix)
    ignored = tuple((*where[i], key) for i, key in context.get("ignored", []) if i in where)
    return Validated(validated, tuple(sorted(ignored, key=lambda p: doc.line(p) or 0)))


def _paths_by_id(value: Any, prefix: Path_) -> dict[int, Path_]:
    out: dict[int, Path_] = {}
    stack: list[tuple[Any, Path_]] = [(value, prefix)]
    while stack:
        v, path = stack.pop()
        if isinstance(v, dict):
            out[id(v)] = path
            stack += [(x, (*path, k)) for k, x in v.items()]
        elif isinstance(v, list):
            stack += [(x, (*path, i)) for i, x in enumerate(v)]
    return out


def check_document(doc: Located) -> Validated:
    """Check a loaded scenario document against :class:`ScenarioFile` (every rule but
    those on task-definition content and files, which :mod:`planner.inputs.taskdef`
    reads)."""
    return validate(ScenarioFile, doc)


def _located(doc: Located, exc: ValidationError, prefix: Path_) -> PlannerError:
    """The first of the errors in the file's order, worded as planner words them."""
    errors = exc.errors(include_url=False)
    ours = [e for e in errors if e["type"] == "planner"] or errors

    def where(err: Any) -> Path_:
        path = tuple(p for p in err["loc"] if not _is_union_tag(p))
        return (*prefix, *path, *(err.get("ctx") or {}).get("at", ()))

    err = min(ours, key=lambda e: doc.line(where(e)) or 0)
    if err["type"] == "planner":
        message = err["ctx"]["message"]
    elif err["type"] == "missing":
        message = "is required but missing"
    else:  # pragma: no cover - every field's type words its own messages
        message = f"{err['msg'][0].lower()}{err['msg'][1:]}, got {describe(err.get('input'))}"
    return doc.error(where(err), message)


def _is_union_tag(part: Any) -> bool:
    """pydantic names the union member it tried (``TypedGroup``, ``int``, ...) in ``loc``."""
    return isinstance(part, str) and (
        part[:1].isupper()
        or part in ("int", "str", "float", "bool", "list", "dict", "none")
        or part.startswith(("constrained-", "literal[", "function-", "nullable[", "lax-"))
    )


def scenario_schema() -> dict[str, Any]:
    """The scenario file's JSON Schema (draft 2020-12)."""
    return ScenarioFile.model_json_schema()


def schema_text() -> str:
    return json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n"
