"""Load user YAML safely and remember the line each value came from.

Every problem with the input -- a missing or binary file, a syntax error, a
dangerous tag, an alias bomb, a duplicate key -- is raised as
:class:`~planner.errors.PlannerError` with the file and, where known, the line,
so the CLI can print it as ``file:line: field: message``.

How it works: PyYAML's pure-Python ``SafeLoader`` parses and *composes* the node
graph (nodes carry their marks, i.e. line numbers); this module then builds the
plain Python values itself instead of calling PyYAML's constructor, so it sees
every node's line and applies its own rules on the way.

Decisions
---------
* Only plain data: mappings with text keys, lists, text, integers, floats,
  booleans and null. Any other tag (``!!python/...``, ``!!binary``, ``!!set``,
  ``!Ref``, ...) is refused, naming the tag and its line.
* Anchors, aliases and merge keys (``<<: *defaults``) are allowed, because
  scenario files legitimately reuse blocks. Against alias bombs ("billion
  laughs") the builder counts every value it produces, expanding aliases, and
  refuses past :data:`MAX_VALUES`; a recursive alias (an anchor used inside
  itself) is refused outright. Nesting deeper than :data:`MAX_DEPTH` is refused
  while composing, so 10,000 ``[`` never reach Python's recursion limit.
* Dates and times (``2020-01-01``) stay strings: scenario files have no dates and
  a ``datetime.date`` would surprise every caller.
* Other YAML 1.1 scalar rules of ``SafeLoader`` are kept: ``yes/no/on/off`` are
  booleans, ``010`` is octal 8, ``1:30`` is the base-60 integer 90. Keys that
  read as booleans (``on:``) are refused as non-text keys, with a hint to quote
  them.
* Values reached through an alias or a merge key have the line where the anchored
  block is written; a mapping value's line is the line of its key (what a user
  looks for), a list item's line is the line of the item.
* The top level is *not* required to be a mapping here; the caller checks
  :attr:`Located.data`. Only a file with no content at all is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent, ScalarEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from planner.errors import PlannerError
from planner.inputs.files import decode_text, read_limited
from planner.inputs.located import Located, format_path

# Located and format_path (planner.inputs.located) stay importable from here, where the
# readers (schema, loading, taskdef, checks) have always found them.
__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_DEPTH",
    "MAX_VALUES",
    "Located",
    "format_path",
    "load_yaml",
    "load_yaml_text",
]

#: Most keys and values (scalars, lists and mappings, counting each alias
#: expansion) one file may produce. Real scenario files have a few hundred; the
#: classic billion laughs document expands to 10**9.
MAX_VALUES = 100_000

#: Deepest nesting of lists and mappings accepted. Scenario files nest about six
#: levels. The limit keeps composing and building far from Python's recursion
#: limit, and the paths in :attr:`Located.lines` short.
MAX_DEPTH = 50

#: Default :func:`load_yaml` size limit, in bytes.
DEFAULT_MAX_BYTES = 1_000_000

Path_ = tuple[str | int, ...]

_YAML = "tag:yaml.org,2002:"
_STR = _YAML + "str"
_INT = _YAML + "int"
_FLOAT = _YAML + "float"
_BOOL = _YAML + "bool"
_NULL = _YAML + "null"
_MAP = _YAML + "map"
_SEQ = _YAML + "seq"
_MERGE = _YAML + "merge"
# Implicit tags that this loader reads as plain text: timestamps (see Decisions)
# and the YAML 1.1 "value" key ``=``, which SafeLoader cannot construct at all.
_AS_TEXT = {_STR, _YAML + "timestamp", _YAML + "value"}
_SCALAR_TAGS = _AS_TEXT | {_INT, _FLOAT, _BOOL, _NULL}

_KIND = {ScalarNode: "single value", SequenceNode: "list", MappingNode: "mapping"}
_TYPE_NAMES = {_INT: "an integer", _FLOAT: "a number", _BOOL: "a boolean", _NULL: "null"}


def load_yaml(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Located:
    """Read and safely load one YAML file: :func:`load_yaml_text` of its text, with
    the same answer, and a :class:`~planner.errors.PlannerError` also when the file is
    missing, unreadable, too large or not UTF-8 text.

    Parameters
    ----------
    path
        The file. Its name as given is used in error messages.
    max_bytes
        Larger files are refused unread, so a wrong path (a log, a disk image)
        cannot make planner read gigabytes.
    """
    name = str(path)
    raw = read_limited(
        Path(path),
        name,
        max_bytes,
        kind="a YAML file",
        missing="no such file",
        hint="is this the right file?",
    )
    if b"\0" in raw:
        # UTF-16/32 text also has NULs, but scenario files are expected in UTF-8.
        line = raw.count(b"\n", 0, raw.index(b"\0")) + 1
        raise PlannerError(
            "not a text file (YAML expected): it contains NUL bytes", file=name, line=line
        )
    return load_yaml_text(decode_text(raw, name, "YAML"), file=name)


def load_yaml_text(text: str, *, file: str = "<string>") -> Located:
    """Safely load YAML from a string.

    Parameters
    ----------
    text
        The YAML document (exactly one).
    file
        Display name for error messages.

    Returns
    -------
    Located
        The data and the line of each value.

    Raises
    ------
    PlannerError
        For every problem with the text; never another exception.
    """
    if "\0" in text:
        line = text.count("\n", 0, text.index("\0")) + 1
        raise PlannerError(
            "not a text file (YAML expected): it contains NUL characters", file=file, line=line
        )
    loader: _Composer | None = None
    try:
        # Inside the try: PyYAML's reader checks the characters on construction.
        loader = _Composer(text, file)
        root = loader.get_single_node()
        if root is None or (
            isinstance(root, ScalarNode)
            and root.tag == _NULL
            and root.value == ""
            and root.style is None
        ):
            # No document, or only "---" and comments: nothing to read.
            raise PlannerError(
                "the file is empty; expected a mapping of settings (key: value lines)",
                file=file,
            )
        builder = _Builder(loader, file)
        data = builder.build(root, (), depth=0)
        builder.lines[()] = 1
        return Located(data=data, lines=builder.lines, file=file)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, file) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise PlannerError(
            f"character U+{exc.character:04X} is not allowed in YAML ({exc.reason})",
            file=file,
            line=line,
        ) from None
    except yaml.YAMLError as exc:  # any other PyYAML error: still the user's input
        raise PlannerError(f"cannot read YAML: {exc}", file=file) from None
    except RecursionError:
        # MAX_DEPTH should prevent this; kept so a deep stack at the call site
        # still gives a clean message instead of a traceback.
        raise PlannerError("the YAML is nested too deeply", file=file) from None
    finally:
        if loader is not None:
            loader.dispose()


def _syntax_error(exc: yaml.MarkedYAMLError, file: str) -> PlannerError:
    """Turn a PyYAML scanner/parser/composer error into a PlannerError with its line."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    problem = exc.problem or exc.context or "invalid YAML"
    message = f"YAML syntax error: {problem}"
    if exc.context and exc.problem:
        context_line = exc.context_mark.line + 1 if exc.context_mark is not None else None
        where = f" at line {context_line}" if context_line not in (None, line) else ""
        message += f" ({exc.context}{where})"
    if "\\t" in problem or "\t" in problem:
        message += "; indent with spaces, not tabs"
    return PlannerError(message, file=file, line=line)


class _Alias:
    """An alias as it appeared in the text: its target node and its own line.

    PyYAML's composer returns the anchored node itself, losing where the alias
    was written and hiding cycles; this wrapper keeps both visible to the builder.
    """

    __slots__ = ("anchor", "target", "start_mark")

    def __init__(self, anchor: str, target: Node, start_mark: yaml.Mark) -> None:
        self.anchor = anchor
        self.target = target
        self.start_mark = start_mark


class _Composer(yaml.SafeLoader):
    """SafeLoader that composes only, with a depth limit and visible aliases.

    The pure-Python SafeLoader is used (not CSafeLoader) because ``compose_node``
    must be overridden; files are at most ``max_bytes`` so speed is no concern.
    """

    def __init__(self, text: str, file: str) -> None:
        super().__init__(text)
        self._file = file
        self._depth = 0
        self._count = 0

    def compose_node(self, parent: Node | None, index: Any) -> Any:
        """Compose one node; see PyYAML ``Composer.compose_node``."""
        if self.check_event(AliasEvent):
            event = self.get_event()
            if event.anchor not in self.anchors:
                raise yaml.composer.ComposerError(
                    None, None, f"found undefined alias *{event.anchor}", event.start_mark
                )
            return _Alias(event.anchor, self.anchors[event.anchor], event.start_mark)
        event = self.peek_event()
        # Count here too, not only while building: a 1 MB flow list would
        # otherwise be composed in full (seconds) before the builder refuses it.
        self._count += 1
        if self._count > MAX_VALUES:
            raise PlannerError(
                f"the file has more than {MAX_VALUES:,} keys and values",
                file=self._file,
                line=event.start_mark.line + 1,
            )
        if event.anchor is not None and event.anchor in self.anchors:
            raise yaml.composer.ComposerError(
                f"found duplicate anchor &{event.anchor}; first occurrence",
                self.anchors[event.anchor].start_mark,
                "second occurrence",
                event.start_mark,
            )
        if self.check_event(ScalarEvent):
            # Scalars do not nest; skip the depth bookkeeping.
            self.descend_resolver(parent, index)
            node = self.compose_scalar_node(event.anchor)
            self.ascend_resolver()
            return node
        if self._depth >= MAX_DEPTH:
            raise PlannerError(
                f"lists and mappings are nested more than {MAX_DEPTH} levels deep",
                file=self._file,
                line=event.start_mark.line + 1,
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Builder:
    """Builds plain Python values from composed nodes, recording lines."""

    def __init__(self, loader: _Composer, file: str) -> None:
        self.loader = loader
        self.file = file
        self.lines: dict[Path_, int] = {}
        self.count = 0
        # The outermost alias being expanded, and its path: an alias bomb is
        # reported there, not deep inside the expansion.
        self.outer_alias: tuple[_Alias, Path_] | None = None
        # Nodes being built right now: an alias to one of them is a cycle.
        self.active: set[int] = set()

    def fail(self, node: Node | _Alias, path: Path_, message: str) -> PlannerError:
        """Build the error for ``node`` at ``path``."""
        return PlannerError(
            message,
            file=self.file,
            line=node.start_mark.line + 1,
            field=format_path(path) or None,
        )

    def tick(self, node: Node | _Alias, path: Path_) -> None:
        """Count one key or value; refuse past MAX_VALUES (alias bombs)."""
        self.count += 1
        if self.count > MAX_VALUES:
            message = f"the document expands to more than {MAX_VALUES:,} keys and values"
            if self.outer_alias is not None:
                node, path = self.outer_alias
                message += f" (at alias *{node.anchor}; aliases that repeat aliases multiply it)"
            raise self.fail(node, path, message)

    def build(self, node: Node | _Alias, path: Path_, depth: int) -> Any:
        """Return the plain value of ``node``, which sits at ``path``."""
        if isinstance(node, _Alias):
            if id(node.target) in self.active:
                raise self.fail(
                    node, path, f"alias *{node.anchor} is used inside its own anchor (a cycle)"
                )
            if self.outer_alias is None:
                self.outer_alias = (node, path)
                try:
                    return self.build(node.target, path, depth)
                finally:
                    self.outer_alias = None
            node = node.target
        self.tick(node, path)
        if depth > MAX_DEPTH:
            # Aliases can nest an anchored block inside another, going deeper than
            # the text itself (which the composer already limited): report the
            # alias, since the anchored text alone is fine.
            where, where_path = self.outer_alias or (node, path)
            raise self.fail(
                where,
                where_path,
                f"lists and mappings are nested more than {MAX_DEPTH} levels deep",
            )
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        kind_tag = _SEQ if isinstance(node, SequenceNode) else _MAP
        if node.tag != kind_tag:
            raise self.fail(node, path, self.bad_tag_message(node))
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                out = []
                for index, item in enumerate(node.value):
                    self.lines[(*path, index)] = item.start_mark.line + 1
                    out.append(self.build(item, (*path, index), depth + 1))
                return out
            assert isinstance(node, MappingNode)  # the composer makes no other kind
            return self.mapping(node, path, depth)
        finally:
            self.active.discard(id(node))

    def scalar(self, node: ScalarNode, path: Path_) -> Any:
        """Return the Python value of a scalar, refusing tags beyond plain data."""
        tag = node.tag
        if tag not in _SCALAR_TAGS:
            raise self.fail(node, path, self.bad_tag_message(node))
        if tag in _AS_TEXT:
            return node.value
        # An explicit tag (!!int "12") must fit the text; SafeConstructor would
        # otherwise answer "!!null anything" with None or "!!bool x" with KeyError.
        implicit = self.loader.resolve(ScalarNode, node.value, (True, False))
        if implicit != tag and not (tag == _FLOAT and implicit == _INT):
            raise self.fail(
                node, path, f"{_short(tag)} {node.value!r} cannot be read as {_TYPE_NAMES[tag]}"
            )
        try:
            if tag == _INT:
                return self.loader.construct_yaml_int(node)
            if tag == _FLOAT:
                return self.loader.construct_yaml_float(node)
            if tag == _BOOL:
                return self.loader.construct_yaml_bool(node)
            return None
        except ValueError as exc:
            # e.g. Python's 4,300-digit limit on int(str).
            raise self.fail(node, path, f"cannot read {node.value[:40]!r}: {exc}") from None

    def mapping(self, node: MappingNode, path: Path_, depth: int) -> dict[str, Any]:
        """Return a dict from a mapping node: text keys, no duplicates, merges applied."""
        out: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        merged: dict[str, Any] = {}
        merged_lines: dict[Path_, int] = {}
        for key_node, value_node in node.value:
            key_target = key_node.target if isinstance(key_node, _Alias) else key_node
            key_line = key_node.start_mark.line + 1
            self.tick(key_node, path)
            if isinstance(key_target, ScalarNode) and key_target.tag == _MERGE:
                if "<<" in first_line:
                    raise self.fail(
                        key_node,
                        path,
                        f"duplicate merge key <<; first on line {first_line['<<']}",
                    )
                first_line["<<"] = key_line
                self.merge(value_node, path, depth, merged, merged_lines)
                continue
            key = self.key(key_node, key_target, path)
            if key in first_line:
                raise self.fail(
                    key_node,
                    (*path, key),
                    f"duplicate key {key!r}; first defined on line {first_line[key]}",
                )
            first_line[key] = key_line
            self.lines[(*path, key)] = key_line
            out[key] = self.build(value_node, (*path, key), depth + 1)
        if not merged:
            return out
        # Keys written in the mapping win over merged ones (YAML merge rules);
        # keep only the merged lines of keys that survive.
        for sub_path, line in merged_lines.items():
            if sub_path[len(path)] not in out:
                self.lines[sub_path] = line
        return {**{k: v for k, v in merged.items() if k not in out}, **out}

    def merge(
        self,
        value_node: Node | _Alias,
        path: Path_,
        depth: int,
        merged: dict[str, Any],
        merged_lines: dict[Path_, int],
    ) -> None:
        """Apply ``<<: value`` into ``merged``: a mapping, or a list of mappings."""
        target = value_node
        while isinstance(target, _Alias):
            target = target.target
        if isinstance(target, SequenceNode) and target.tag == _SEQ:
            sources = list(target.value)
        else:
            sources = [value_node]
        for source in sources:
            inner = source
            while isinstance(inner, _Alias):
                inner = inner.target
            if not isinstance(inner, MappingNode):
                raise self.fail(source, path, "merge key << needs a mapping or a list of mappings")
            # Build the source at this mapping's own path, into a separate line
            # table, so its lines land under the keys they will have here.
            saved = self.lines
            self.lines = {}
            try:
                value = self.build(source, path, depth)
            finally:
                built_lines, self.lines = self.lines, saved
            # Earlier sources win over later ones (YAML merge rules).
            fresh = {key for key in value if key not in merged}
            merged.update((key, value[key]) for key in value if key in fresh)
            # One pass over the lines (not one per key): a big merged block must
            # not cost keys x lines.
            for sub_path, line in built_lines.items():
                if sub_path[len(path)] in fresh:
                    merged_lines[sub_path] = line

    def key(self, key_node: Node | _Alias, target: Node, path: Path_) -> str:
        """Return a mapping key, which must be text."""
        if not isinstance(target, ScalarNode):
            raise self.fail(
                key_node, path, f"a {_KIND[type(target)]} cannot be a key; keys must be text"
            )
        if target.tag not in _SCALAR_TAGS:
            raise self.fail(key_node, path, self.bad_tag_message(target))
        if target.tag in _AS_TEXT:
            return str(target.value)
        if target.value == "":
            raise self.fail(key_node, path, "a key is empty; keys must be text")
        raise self.fail(
            key_node,
            path,
            f"key {target.value!r} reads as {_TYPE_NAMES[target.tag]}; keys must be text; "
            f'write "{target.value}" in quotes if it is meant as text',
        )

    def bad_tag_message(self, node: Node) -> str:
        """Explain why ``node``'s tag is refused."""
        tag = node.tag
        kind = _KIND[type(node)]
        if tag in _SCALAR_TAGS or tag in (_SEQ, _MAP):
            return f"tag {_short(tag)} cannot be used on a {kind}"
        return (
            f"unsupported YAML tag {_short(tag)}; only plain data is allowed "
            "(mappings, lists, text, numbers, true/false, null)"
        )


def _short(tag: str) -> str:
    """Write a standard tag the way users type it: ``!!int``."""
    return "!!" + tag[len(_YAML) :] if tag.startswith(_YAML) else tag
