"""A CloudFormation template (JSON or YAML, ``cdk synth`` output too) read as data, with
the line of every value.

The YAML short forms of the intrinsic functions (``!Ref X``, ``!Sub ...``, ``!GetAtt
A.B``, ...) are read by cfn-flip's loader (``cfn_tools.yaml_loader.CfnYamlLoader``, a
PyYAML ``SafeLoader``), which turns each into its long form (``{"Ref": "X"}``,
``{"Fn::Sub": ...}``, ``{"Fn::GetAtt": ["A", "B"]}``): data, never an object nor a call.
This module subclasses that loader only to guard it and to keep lines:

* the file is read with a size limit (:data:`MAX_TEMPLATE_BYTES`, CloudFormation's own
  limit for a template in S3);
* nesting deeper than :data:`MAX_DEPTH` is refused while composing;
* before anything is constructed, the composed node graph's size *with every alias
  expanded* is counted (memoised per node, so a billion-laughs document costs a few
  nodes to count) and refused past :data:`MAX_VALUES`; an alias used inside its own
  anchor (a cycle) is refused;
* a tag that is not an intrinsic function's short form (``!Bogus``) is refused with its
  line, as are duplicate keys (CloudFormation's behaviour with them is undefined);
* the line of every mapping key and list item is recorded by its path, as
  :class:`~planner.inputs.located.Located` keeps it for scenario files.

A JSON template's values come from :mod:`json`; its lines from the same walk over the
YAML composition of the text (JSON is YAML), or only the top line where PyYAML cannot
read the JSON text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from cfn_tools.yaml_loader import CfnYamlLoader
from yaml.events import AliasEvent, ScalarEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from planner.errors import PlannerError
from planner.inputs.files import decode_text, read_limited
from planner.inputs.located import Located, format_path

#: CloudFormation's limit for a template body kept in S3 (1 MB); larger ones cannot be
#: deployed, so a larger file is not a template.
MAX_TEMPLATE_BYTES = 1_048_576

#: Most keys and values the template may expand to, counting each alias expansion.
MAX_VALUES = 200_000

#: Deepest nesting accepted.
MAX_DEPTH = 64

#: The short forms CloudFormation defines (``!Name``), and the long form each gives.
SHORT_FORMS = {
    name: (name if name in ("Ref", "Condition") else f"Fn::{name}")
    for name in (
        "Ref",
        "Condition",
        "Base64",
        "Cidr",
        "FindInMap",
        "GetAtt",
        "GetAZs",
        "ImportValue",
        "Join",
        "Select",
        "Split",
        "Sub",
        "Transform",
        "And",
        "Equals",
        "If",
        "Not",
        "Or",
        "Length",
        "ToJsonString",
        "ForEach",
        "Contains",
        "EachMemberEquals",
        "EachMemberIn",
        "RefAll",
        "ValueOf",
        "ValueOfAll",
    )
}

Path_ = tuple[str | int, ...]

_YAML = "tag:yaml.org,2002:"
#: Typed scalars: an explicit tag (``!!int 12``) must fit the text.
_TYPED = {_YAML + name for name in ("int", "float", "bool", "null", "timestamp")}
#: The standard tags a template may carry; binary, set, omap, pairs and timestamps given
#: explicitly are refused (implicit dates, ``2010-09-09``, stay what PyYAML makes them).
_PLAIN = _TYPED | {_YAML + name for name in ("str", "map", "seq", "merge")}


class _Unreadable(PlannerError):
    """The text is not YAML PyYAML reads (for a JSON template: only its lines are lost)."""


class _Loader(CfnYamlLoader):
    """cfn-flip's loader, refusing nesting past MAX_DEPTH while composing."""

    def __init__(self, text: str, file: str) -> None:
        super().__init__(text)
        self._file = file
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(AliasEvent) or self.check_event(ScalarEvent):
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        if self._depth >= MAX_DEPTH:
            raise PlannerError(
                f"lists and mappings are nested more than {MAX_DEPTH} levels deep",
                file=self._file,
                line=self.peek_event().start_mark.line + 1,
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1


def load_template(path: str | Path) -> Located:
    """Read one template file: its data (intrinsic functions in their long form) and the
    line of each value.

    Raises
    ------
    PlannerError
        With the file and line: missing, too large, not text, not YAML or JSON, an alias
        bomb, a tag that is no intrinsic function, a duplicate key, not a mapping.
    """
    name = str(path)
    raw = read_limited(
        Path(path),
        name,
        MAX_TEMPLATE_BYTES,
        kind="a CloudFormation template",
        missing="no such template file",
        hint="CloudFormation's own limit for a template is 1 MB; is this a template?",
    )
    return load_template_text(decode_text(raw, name, "a JSON or YAML template"), file=name)


def load_template_text(text: str, *, file: str = "<string>") -> Located:
    """:func:`load_template` of a string."""
    if "\0" in text:
        line = text.count("\n", 0, text.index("\0")) + 1
        raise PlannerError("not a text file: it contains NUL characters", file=file, line=line)
    if text.lstrip().startswith("{"):
        data = _json(text, file)
        try:
            # JSON allows no raw tab inside a string, so tabs are only indentation, which
            # YAML refuses: spaces keep every line where it is.
            lines = _yaml(text.replace("\t", " "), file, construct=False).lines
        except _Unreadable:
            lines = {(): 1}  # JSON text PyYAML cannot read: no lines, the data stands
        located = Located(data=data, lines=lines, file=file)
    else:
        located = _yaml(text, file, construct=True)
    if not isinstance(located.data, dict):
        raise PlannerError(
            "is not a CloudFormation template: expected a mapping with Resources",
            file=file,
            line=1,
        )
    return located


def _json(text: str, file: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlannerError(f"not valid JSON: {exc.msg}", file=file, line=exc.lineno) from None
    except (ValueError, RecursionError) as exc:
        raise PlannerError(f"not valid JSON: {exc}", file=file) from None


def _yaml(text: str, file: str, *, construct: bool) -> Located:
    loader: _Loader | None = None
    try:
        loader = _Loader(text, file)
        root = loader.get_single_node()
        if root is None:
            raise PlannerError("the file is empty; expected a CloudFormation template", file=file)
        walker = _Walker(file, loader)
        walker.size(root)
        walker.walk(root, ())
        walker.lines[()] = 1
        try:
            data = loader.construct_document(root) if construct else None
        except (ValueError, TypeError, AttributeError, OverflowError) as exc:  # see the walk
            raise PlannerError(f"cannot read the template: {exc}", file=file) from None
        return Located(data=data, lines=walker.lines, file=file)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise _Unreadable(
            f"YAML syntax error: {problem}",
            file=file,
            line=mark.line + 1 if mark is not None else None,
        ) from None
    except yaml.YAMLError as exc:
        raise _Unreadable(f"cannot read YAML: {exc}", file=file) from None
    except RecursionError:
        raise PlannerError("the YAML is nested too deeply", file=file) from None
    finally:
        if loader is not None:
            loader.dispose()


class _Walker:
    """Counts the expanded size of a node graph and records the line of each path."""

    def __init__(self, file: str, loader: _Loader) -> None:
        self.file = file
        self.loader = loader
        self.lines: dict[Path_, int] = {}
        self.sizes: dict[int, int] = {}
        self.active: set[int] = set()

    def fail(self, node: Node, message: str, path: Path_ = ()) -> PlannerError:
        return PlannerError(
            message, file=self.file, line=node.start_mark.line + 1, field=format_path(path) or None
        )

    def size(self, node: Node) -> int:
        """Values ``node`` expands to, aliases expanded; refused past MAX_VALUES."""
        known = self.sizes.get(id(node))
        if known is not None:
            return known
        if id(node) in self.active:
            raise self.fail(node, "an alias is used inside its own anchor (a cycle)")
        total = 1
        if isinstance(node, (SequenceNode, MappingNode)):
            self.active.add(id(node))
            try:
                children = (
                    node.value
                    if isinstance(node, SequenceNode)
                    else [n for pair in node.value for n in pair]
                )
                for child in children:
                    total += self.size(child)
                    if total > MAX_VALUES:
                        raise self.fail(
                            child,
                            f"the document expands to more than {MAX_VALUES:,} keys and "
                            "values (aliases that repeat aliases multiply it)",
                        )
            finally:
                self.active.discard(id(node))
        self.sizes[id(node)] = total
        return total

    def walk(self, node: Node, path: Path_) -> None:
        """Record lines below ``node`` (at ``path``); refuse unknown tags, duplicate keys."""
        tag = node.tag or ""
        if tag.startswith("!"):
            long_form = SHORT_FORMS.get(tag[1:])
            if long_form is None:
                raise self.fail(
                    node,
                    f"unknown tag {tag}: not one of CloudFormation's intrinsic functions "
                    f"(!{', !'.join(sorted(SHORT_FORMS)[:8])}, ...)",
                    path,
                )
            if long_form == "Fn::GetAtt" and isinstance(node, MappingNode):
                raise self.fail(node, "!GetAtt takes Resource.Attribute or a list", path)
            path = (*path, long_form)
            self.lines[path] = node.start_mark.line + 1
        elif tag.startswith(_YAML) and tag not in _PLAIN:
            raise self.fail(node, f"tag !!{tag[len(_YAML) :]} is not for a template", path)
        elif isinstance(node, ScalarNode) and tag in _TYPED:
            implicit = self.loader.resolve(ScalarNode, node.value, (True, False))
            if implicit != tag and not (tag == _YAML + "float" and implicit == _YAML + "int"):
                raise self.fail(
                    node, f"!!{tag[len(_YAML) :]} {node.value[:40]!r} is not of that type", path
                )
        if isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                self.lines[(*path, index)] = item.start_mark.line + 1
                self.walk(item, (*path, index))
        elif isinstance(node, MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode):
                    raise self.fail(key_node, "a key must be text", path)
                key = str(key_node.value)
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise self.fail(
                        key_node,
                        f"duplicate key {key!r}; first on line {seen[key]}",
                        (*path, key),
                    )
                seen[key] = line
                self.lines[(*path, key)] = line
                self.walk(value_node, (*path, key))
