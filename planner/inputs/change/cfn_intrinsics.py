"""CloudFormation's intrinsic functions, evaluated as far as a verdict needs them.

:class:`Resolver` evaluates a template value: ``Ref`` to a parameter (its ``Default``,
or the value passed for it), ``Fn::Sub``, ``Fn::If`` with the template's ``Conditions``
(``Fn::Equals``, ``Fn::Not``, ``Fn::And``, ``Fn::Or``, ``Condition``),
``Fn::FindInMap``, ``Fn::Select``, ``Fn::Join``, ``Fn::Split`` and ``AWS::NoValue``.
A ``Ref`` or ``Fn::GetAtt`` to a resource of the template gives a :class:`ResourceRef`
for the reader to interpret (a service's ``TaskDefinition`` is the task definition
resource it names). What only AWS knows at deploy time (``Fn::ImportValue``,
``Fn::GetAZs``, the region, a resource's physical id inside a string, an SSM
parameter's value) raises :class:`Unresolved`, which the reader turns into an error only
where the verdict needs the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from planner.model.units import describe

#: Stands for ``Ref: AWS::NoValue``: the property is left out.
NO_VALUE = object()

_SUB = re.compile(r"\$\{([^}]*)\}")


@dataclass(frozen=True)
class ResourceRef:
    """``Ref`` (attribute None) or ``Fn::GetAtt`` to a resource of the template."""

    logical_id: str
    attribute: str | None = None


def shown(value: Any) -> str:
    """A value as messages quote it: ``"text"``, ``a list``, ``resource Web``."""
    if isinstance(value, ResourceRef):
        attribute = f".{value.attribute}" if value.attribute else ""
        return f"a reference to resource {value.logical_id}{attribute}"
    return describe(value)


class Unresolved(Exception):  # noqa: N818 (a signal the reader words)
    """A value planner cannot know from the template.

    Parameters
    ----------
    reason
        What the value is (``Fn::ImportValue of vpc-id: another stack's export``).
    hint
        What the user can do (``pass --parameter Count=VALUE``).
    """

    def __init__(self, reason: str, hint: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


_DEPLOY = "known only when the stack deploys"


class Resolver:
    """Evaluates intrinsic functions of one template.

    Parameters
    ----------
    template
        The template's data.
    values
        Each parameter's value: the value passed for it, else its ``Default``; pseudo
        parameters (``AWS::Region``) only where passed. A ``List<...>`` or
        ``CommaDelimitedList`` parameter's value is a list.
    missing
        Parameters without a value, with why (no Default; an SSM parameter).
    """

    def __init__(
        self, template: dict[str, Any], values: dict[str, Any], missing: dict[str, str]
    ) -> None:
        self.resources = _mapping(template.get("Resources"))
        self.mappings = _mapping(template.get("Mappings"))
        self.conditions = _mapping(template.get("Conditions"))
        self.values = values
        self.missing = missing
        self._evaluated: dict[str, bool] = {}
        self._evaluating: set[str] = set()

    # -- values ---------------------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        """``value`` with every intrinsic function evaluated; :data:`NO_VALUE` for
        ``AWS::NoValue``; a :class:`ResourceRef` for a resource of the template."""
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, arg),) = value.items()
                if key == "Ref" or (isinstance(key, str) and key.startswith("Fn::")):
                    return self.function(key, arg)
            out = {}
            for k, v in value.items():
                got = self.resolve(v)
                if got is not NO_VALUE:
                    out[k] = got
            return out
        if isinstance(value, list):
            return [got for got in map(self.resolve, value) if got is not NO_VALUE]
        return value

    def function(self, name: str, arg: Any) -> Any:
        """The value of ``{name: arg}``."""
        if name == "Ref":
            return self.ref(arg)
        handler = _FUNCTIONS.get(name)
        if handler is None:
            raise Unresolved(
                f"{name} is {_DEPLOY} (planner does not evaluate it)",
                "write the value itself, or a parameter, in the template",
            )
        return handler(self, arg)

    def ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            raise Unresolved(f"Ref takes a name, got {shown(name)}", "fix the template")
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.values:
            return self.values[name]
        if name in self.missing:
            raise Unresolved(f"Ref {name}: {self.missing[name]}", f"pass --parameter {name}=VALUE")
        if name.startswith("AWS::"):
            raise Unresolved(
                f"Ref {name}: the stack's {name[5:]}, {_DEPLOY}", f"pass --parameter {name}=VALUE"
            )
        if name in self.resources:
            return ResourceRef(name)
        raise Unresolved(
            f"Ref {name}: no parameter or resource of that name in the template",
            "fix the template",
        )

    def text(self, value: Any) -> str:
        """A value used inside a string: it must resolve to text (or a number)."""
        got = self.resolve(value)
        if isinstance(got, ResourceRef):
            what = f"{got.logical_id}.{got.attribute}" if got.attribute else got.logical_id
            raise Unresolved(
                f"{what}: a resource's physical id or attribute, {_DEPLOY}",
                "write the value itself, or a parameter, in the template",
            )
        if isinstance(got, bool) or not isinstance(got, (str, int, float)):
            raise Unresolved(f"expected text, got {shown(got)}", "fix the template")
        return str(got)

    # -- conditions -----------------------------------------------------------------

    def condition(self, name: Any) -> bool:
        """The value of the template's condition ``name``."""
        if not isinstance(name, str) or name not in self.conditions:
            raise Unresolved(f"no condition {shown(name)} in Conditions", "fix the template")
        if name in self._evaluated:
            return self._evaluated[name]
        if name in self._evaluating:
            raise Unresolved(f"condition {name} refers to itself", "fix the template")
        self._evaluating.add(name)
        try:
            result = self.truth(self.conditions[name])
        finally:
            self._evaluating.discard(name)
        self._evaluated[name] = result
        return result

    def truth(self, value: Any) -> bool:
        """A condition function's value."""
        if isinstance(value, dict) and len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Condition":
                return self.condition(arg)
        got = self.resolve(value)
        if isinstance(got, bool):
            return got
        if got in ("true", "false"):
            return bool(got == "true")
        raise Unresolved(f"a condition must be true or false, got {shown(got)}", "fix the template")


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _args(arg: Any, count: int, name: str) -> list[Any]:
    if not isinstance(arg, list) or len(arg) != count:
        raise Unresolved(f"{name} takes a list of {count}, got {shown(arg)}", "fix the template")
    return arg


def _if(r: Resolver, arg: Any) -> Any:
    name, yes, no = _args(arg, 3, "Fn::If")
    return r.resolve(yes if r.condition(name) else no)


def _equals(r: Resolver, arg: Any) -> bool:
    a, b = _args(arg, 2, "Fn::Equals")
    return r.text(a) == r.text(b)


def _not(r: Resolver, arg: Any) -> bool:
    (a,) = _args(arg, 1, "Fn::Not")
    return not r.truth(a)


def _and(r: Resolver, arg: Any) -> bool:
    if not isinstance(arg, list):
        raise Unresolved("Fn::And takes a list", "fix the template")
    return all(r.truth(a) for a in arg)


def _or(r: Resolver, arg: Any) -> bool:
    if not isinstance(arg, list):
        raise Unresolved("Fn::Or takes a list", "fix the template")
    return any(r.truth(a) for a in arg)


def _find_in_map(r: Resolver, arg: Any) -> Any:
    if not isinstance(arg, list) or len(arg) not in (3, 4):
        raise Unresolved("Fn::FindInMap takes [map, key, key]", "fix the template")
    name, top, second = (r.text(a) for a in arg[:3])
    table = r.mappings.get(name)
    if not isinstance(table, dict):
        raise Unresolved(f"Fn::FindInMap: no mapping {name} in Mappings", "fix the template")
    row = table.get(top)
    if isinstance(row, dict) and second in row:
        return r.resolve(row[second])
    if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
        return r.resolve(arg[3]["DefaultValue"])
    raise Unresolved(f"Fn::FindInMap: {name} has no {top}.{second}", "fix the template")


def _select(r: Resolver, arg: Any) -> Any:
    index, items = _args(arg, 2, "Fn::Select")
    position = r.text(index)
    listed = r.resolve(items)
    if not position.isdigit() or not isinstance(listed, list) or int(position) >= len(listed):
        raise Unresolved(f"Fn::Select: no item {position} in {shown(listed)}", "fix the template")
    return listed[int(position)]


def _join(r: Resolver, arg: Any) -> str:
    delimiter, items = _args(arg, 2, "Fn::Join")
    listed = r.resolve(items)
    if not isinstance(listed, list):
        raise Unresolved(f"Fn::Join takes a list, got {shown(listed)}", "fix the template")
    return r.text(delimiter).join(r.text(item) for item in listed)


def _split(r: Resolver, arg: Any) -> list[str]:
    delimiter, source = _args(arg, 2, "Fn::Split")
    separator = r.text(delimiter)
    if not separator:
        raise Unresolved("Fn::Split needs a delimiter that is not empty", "fix the template")
    return r.text(source).split(separator)


def _sub(r: Resolver, arg: Any) -> str:
    variables: dict[str, Any] = {}
    if isinstance(arg, list):
        pattern, given = _args(arg, 2, "Fn::Sub")
        variables = given if isinstance(given, dict) else {}
    else:
        pattern = arg
    if not isinstance(pattern, str):
        raise Unresolved(f"Fn::Sub takes a string, got {shown(pattern)}", "fix the template")

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name in variables:
            return r.text(variables[name])
        if "." in name and name.split(".", 1)[0] in r.resources:
            res, att = name.split(".", 1)
            return r.text({"Fn::GetAtt": [res, att]})
        return r.text({"Ref": name})

    return _SUB.sub(one, pattern)


def _get_att(r: Resolver, arg: Any) -> ResourceRef:
    if isinstance(arg, str):
        arg = arg.split(".", 1)
    if (
        not isinstance(arg, list)
        or len(arg) != 2
        or not isinstance(arg[0], str)
        or arg[0] not in r.resources
    ):
        raise Unresolved(f"Fn::GetAtt {shown(arg)}: no such resource in the template", "fix it")
    return ResourceRef(str(arg[0]), str(r.text(arg[1])))


def _import(r: Resolver, arg: Any) -> Any:
    try:
        name = r.text(arg)
    except Unresolved:
        name = "a value"
    raise Unresolved(
        f"Fn::ImportValue {name}: another stack's export, {_DEPLOY}",
        "write the value, or a parameter (then pass --parameter Name=VALUE), in its place",
    )


def _get_azs(r: Resolver, arg: Any) -> Any:
    raise Unresolved(
        f"Fn::GetAZs: the zones of the region, {_DEPLOY}",
        "write the zones in the template, or a parameter",
    )


_FUNCTIONS = {
    "Fn::If": _if,
    "Fn::Equals": _equals,
    "Fn::Not": _not,
    "Fn::And": _and,
    "Fn::Or": _or,
    "Fn::FindInMap": _find_in_map,
    "Fn::Select": _select,
    "Fn::Join": _join,
    "Fn::Split": _split,
    "Fn::Sub": _sub,
    "Fn::GetAtt": _get_att,
    "Fn::ImportValue": _import,
    "Fn::GetAZs": _get_azs,
}
