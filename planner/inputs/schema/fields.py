# mypy: disable-error-code="valid-type"
"""The scenario file's field types and the plumbing of its messages.

Each field type checks its value by a rule of :mod:`planner.model.units` and raises
:func:`problem`, which :func:`~planner.inputs.schema.document.validate` turns into a
file:line: field: message; :class:`FileModel` is the base of every mapping of the file
(unknown fields refused, the ECS API's own fields ignored and listed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from planner.errors import PlannerError
from planner.model.catalog import get_instance_type, load_catalog, suggest_type
from planner.model.scenario import (
    INSTANCE_STATUSES,
    NETWORK_MODES,
    SCHEDULING,
    STRATEGIES,
    first_repeat,
)
from planner.model.units import (
    CANARY_PERCENT,
    HOST_PORT,
    OPEN_PERCENT,
    PERCENT,
    POSITIVE,
    STEP_PERCENT,
    WHOLE,
    ShareRule,
    WholeRule,
    boolean_problem,
    describe,
    list_problem,
    number_problem,
    one_of_problem,
    parse_cpu,
    parse_memory,
    port_problem,
    read_size,
    text_problem,
    unknown_field_message,
)

Path_ = tuple[str | int, ...]

#: A size as ECS accepts it in a task definition: ``256``, ``"256"``, ``"0.25 vCPU"``,
#: ``"2 GB"`` (the reader checks the unit).
SIZE_PATTERN = r"^\s*([0-9]+(?:\.[0-9]+)?|\.[0-9]+)\s*([A-Za-z]*)\s*$"

# --- problems, worded once -----------------------------------------------------------


def problem(message: str, at: Path_ = ()) -> PydanticCustomError:
    """A validation error with planner's message, ``at`` a path below the value checked."""
    return PydanticCustomError("planner", "{message}", {"message": message, "at": at})


def check(found: str | None, at: Path_ = ()) -> None:
    if found is not None:
        raise problem(found, at)


def field_type(
    kind: Any,
    rule: Callable[[Any], str | None],
    schema: dict[str, Any],
    convert: Callable[[Any], Any] | None = None,
    *,
    required: bool = False,
) -> Any:
    """A field type whose values ``rule`` words; ``null`` is the field left out, unless
    the field is ``required``."""

    def validate(value: Any) -> Any:
        if value is None and not required:
            return None
        check(rule(value))
        return value if convert is None else convert(value)

    if required:
        return Annotated[kind, BeforeValidator(validate), WithJsonSchema(schema)]
    nullable = {"anyOf": [schema, {"type": "null"}]}
    return Annotated[kind | None, BeforeValidator(validate), WithJsonSchema(nullable)]


def share_type(rule: ShareRule) -> Any:
    """A percent of traffic (LINEAR's step, CANARY's canary), kept as written: 10 or 12.5."""
    schema = {
        "type": "number",
        "minimum": rule.minimum,
        "maximum": 100,
        "description": f"a percent from {rule.minimum:g} to 100, a multiple of 0.1",
    }
    return field_type(int | float, rule.problem, schema)


def whole_type(rule: WholeRule) -> Any:
    schema: dict[str, Any] = {"type": "integer", "minimum": rule.minimum}
    if rule.maximum is not None:
        schema["maximum"] = rule.maximum
    return field_type(int, rule.problem, schema)


def words_type(allowed: tuple[str, ...], *, required: bool = False) -> Any:
    return field_type(
        str, lambda v: one_of_problem(v, allowed), {"enum": list(allowed)}, required=required
    )


Whole = whole_type(WHOLE)
Positive = whole_type(POSITIVE)
Percent = whole_type(PERCENT)
OpenPercent = whole_type(OPEN_PERCENT)
StepPercent = share_type(STEP_PERCENT)
CanaryPercent = share_type(CANARY_PERCENT)
TEXT_SCHEMA = {"type": "string", "minLength": 1, "pattern": r"\S"}
Text = field_type(str, text_problem, TEXT_SCHEMA)
RequiredText = field_type(str, text_problem, TEXT_SCHEMA, required=True)
Bool = field_type(bool, boolean_problem, {"type": "boolean"})
Minutes = field_type(float, number_problem, {"type": "number", "minimum": 0}, float)
Port = field_type(int, port_problem, {"type": "integer", "minimum": 1, "maximum": 65535})
HostPort = whole_type(HOST_PORT)
InstanceStatus = words_type(INSTANCE_STATUSES)
Strategy = words_type(STRATEGIES)
Scheduling = words_type(SCHEDULING)
NetworkMode = words_type(NETWORK_MODES)
Protocol = words_type(("tcp", "udp"))
SIZE_SCHEMA = {
    "anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": SIZE_PATTERN}]
}


def listing(
    item: Any,
    *,
    non_empty: bool = False,
    most: int | None = None,
    too_many: Any = None,
    required: bool = False,
) -> Any:
    """A list of ``item``; more than ``most`` entries refused with ``too_many(n)``; null
    is the field left out unless it is ``required``."""

    def validate(value: Any) -> Any:
        if value is None and not required:
            return None
        check(list_problem(value, non_empty=non_empty))
        if most is not None and len(value) > most:
            raise problem(too_many(len(value)))
        return value

    limits: dict[str, Any] = {}
    if non_empty:
        limits["min_length"] = 1
    if most is not None:
        limits["max_length"] = most
    if required:
        return Annotated[list[item], Field(**limits), BeforeValidator(validate)]
    return Annotated[Annotated[list[item], Field(**limits)] | None, BeforeValidator(validate)]


def field_title(name: str, _info: Any) -> str:
    return name  # the file's own field names, as editors show them


def ecs_properties(schema: dict[str, Any], model: type[Any]) -> None:
    """The model's fields in the file's order (:meth:`FileModel.field_order`), then the ECS
    shape's: allowed, and said to be ignored."""
    props = schema.get("properties", {})
    order = model.field_order()
    schema["properties"] = {k: props[k] for k in order if k in props} | props
    ignored = getattr(model, "ECS_IGNORED", ())
    for name in ignored:
        if name not in schema.get("properties", {}):
            schema.setdefault("properties", {})[name] = {
                "description": "a field of the ECS API's shape; planner ignores it"
            }


class FileModel(BaseModel):
    """A mapping of the file: its fields, no others (ECS's own are ignored and listed)."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        field_title_generator=field_title,
        json_schema_extra=ecs_properties,
    )
    #: How messages name the mapping when the value is something else.
    WHAT: ClassVar[str] = "a mapping"
    #: Fields of the ECS API's shape of this object that planner does not use.
    ECS_IGNORED: ClassVar[tuple[str, ...]] = ()
    #: The fields checked present before the others (None: those without a default).
    REQUIRED: ClassVar[tuple[str, ...] | None] = None
    #: Messages for required fields that say more than "is required but missing".
    MISSING: ClassVar[dict[str, str]] = {}

    @classmethod
    def field_order(cls) -> tuple[str, ...]:
        """The fields as messages and the JSON Schema list them."""
        return tuple(cls.model_fields)

    @classmethod
    def unknown(cls, key: str) -> str:
        return unknown_field_message(key, cls.field_order())

    @classmethod
    def required(cls, raw: dict[str, Any]) -> tuple[str, ...]:
        if cls.REQUIRED is not None:
            return cls.REQUIRED
        return tuple(k for k, f in cls.model_fields.items() if f.is_required())

    @classmethod
    def before(cls, raw: dict[str, Any]) -> None:
        """Rules on the raw mapping, checked before its fields (as the reader did)."""

    @classmethod
    def missing(cls, key: str, raw: dict[str, Any]) -> str:
        """What a message says of a required field left out."""
        return cls.MISSING.get(key, "is required but missing")

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, raw: Any, info: ValidationInfo) -> Any:
        if not isinstance(raw, dict):
            raise problem(f"must be {cls.WHAT}, got {describe(raw)}")
        kept = {}
        for key, value in raw.items():
            if key in cls.model_fields:
                kept[key] = value
            elif key in cls.ECS_IGNORED:
                if info.context is not None:
                    info.context.setdefault("ignored", []).append((id(raw), key))
            else:
                raise problem(cls.unknown(key), (key,))
        for key in cls.required(raw):
            if key not in raw:
                raise problem(cls.missing(key, raw), (key,))
        cls.before(raw)
        return kept


def _cpu(value: Any) -> int:
    return _sized(value, "cpu", 1)


def _sized(value: Any, kind: str, minimum: int) -> int:
    try:
        return read_size(value, parse_cpu if kind == "cpu" else parse_memory, minimum)
    except ValueError as exc:
        raise problem(str(exc)) from None


CpuSize = field_type(int, lambda v: None, SIZE_SCHEMA, _cpu)
MemorySize = field_type(int, lambda v: None, SIZE_SCHEMA, lambda v: _sized(v, "memory", 1))
#: vcpu and cpu of an inline group: either may be left out, neither given as null.
GivenVcpu = field_type(int, POSITIVE.problem, {"type": "integer", "minimum": 1}, required=True)
GivenCpu = field_type(int, lambda v: None, SIZE_SCHEMA, _cpu, required=True)
RequiredMemory = field_type(
    int, lambda v: None, SIZE_SCHEMA, lambda v: _sized(v, "memory", 1), required=True
)


# --- shared by the cluster's models ---------------------------------------------------


def texts_once(what: str) -> Callable[[Any], Any]:
    def validate(value: Any) -> Any:
        if value is None:
            return None
        check(list_problem(value, non_empty=True))
        for k, item in enumerate(value):
            check(text_problem(item), (k,))
        if what == "zone":
            twice = first_repeat(list(value))
            if twice is not None:
                k, _ = twice
                raise problem(f"zone {describe(value[k])} is listed twice", (k,))
        return value

    return validate


Zones = Annotated[
    Annotated[list[str], Field(min_length=1)] | None, BeforeValidator(texts_once("zone"))
]


def _catalog_type(value: Any) -> Any:
    check(text_problem(value))
    try:
        get_instance_type(value)
    except PlannerError:
        raise problem(_unknown_type(value)) from None
    return value


def _unknown_type(name: str) -> str:
    """Explain an instance type the catalog does not know, with the closest one."""
    known = load_catalog()
    close = suggest_type(name)
    hint = f"; did you mean {close}?" if close else ""
    return (
        f"unknown instance type {describe(name)}{hint} (`planner instance-types` lists the "
        f"{len(known)} known ones; or give the type inline with name, vcpu and memory)"
    )


CatalogType = Annotated[
    str, BeforeValidator(_catalog_type), WithJsonSchema({"type": "string", "minLength": 1})
]
