"""ecspresso's templates, rendered without running anything.

ecspresso reads its config and definition files through kayac/go-config: Go's
``text/template`` with the functions ``env``, ``must_env`` and ``json_escape``, and those of
its plugins (``tfstate``, ``tfstatef``, ``ssm``, ``secretsmanager_arn``, ``cfn_output``,
...). This module renders exactly the first three, as go-config defines them:

* ``{{ must_env `NAME` }}``: the variable's value (set and empty is a value); unset, ecspresso
  stops (here: :class:`Action` with ``missing``, raised by the reader with the field).
* ``{{ env `NAME` `default` }}``: the first argument that is a set, non-empty variable, else
  the last argument as written (go-config's loop: ``env "A" "B"`` looks up ``B`` too).
* ``json_escape``: a string as the inside of a JSON string (Go's ``json.Marshal``, which also
  escapes ``<``, ``>``, ``&``).

Arguments are Go strings, raw (backquoted) or interpreted (double-quoted); ``|`` pipes a value
in as the last argument, ``( )`` nests. An action calling any other function is not
evaluated: it becomes a placeholder token, and the reader refuses it where the value is needed
for the verdict, else keeps the action's text as an opaque string. ``if``, ``range``,
``with`` and the other control actions change the file's shape and are refused.

Rendering keeps every line where it is (the reader's messages name lines of the file as
written): a value with a line break is refused, and a trim marker (``{{-``, ``-}}``) trims
spaces and tabs on its own line only (a JSON file reads the same either way).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from planner.errors import PlannerError

#: Functions rendered here (go-config's).
RENDERED = ("env", "must_env", "json_escape")
#: Control actions of text/template: they decide the file's text, so cannot stay opaque.
CONTROL = ("if", "else", "end", "range", "with", "define", "template", "block", "break")

_ACTION = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_TOKEN = re.compile(
    r"""\s+|(?P<raw>`[^`]*`)|(?P<quoted>"(?:[^"\\\n]|\\.)*")|(?P<punct>[|()])"""
    r"""|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<number>-?\d+(?:\.\d+)?)"""
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "'": "'", "a": "\a"}
_ESCAPES |= {"b": "\b", "f": "\f", "v": "\v"}


@dataclass(frozen=True)
class Action:
    """An action left in the text as a placeholder token.

    Parameters
    ----------
    text
        The action as written, ``{{ tfstate `aws_subnet.a.id` }}``: what an opaque value
        keeps.
    line
        Its 1-based line.
    function
        The first function it calls that planner does not render (for messages), or None.
    missing
        The ``must_env`` variable that is not set, or None.
    """

    text: str
    line: int
    function: str | None = None
    missing: str | None = None


@dataclass(frozen=True)
class Rendered:
    """A file's text with the functions rendered, and its placeholder tokens."""

    text: str
    actions: dict[str, Action]

    def find(self, value: str) -> list[Action]:
        """The actions whose tokens ``value`` holds, in order."""
        return [a for token, a in self.actions.items() if token in value]

    def restore(self, value: str) -> str:
        """``value`` with each token replaced by its action as written."""
        for token, action in self.actions.items():
            if token in value:
                value = value.replace(token, action.text)
        return value


class _Misused(Exception):  # noqa: N818 (a signal)
    """A rendered function called as ecspresso would refuse it."""


class _Opaque(Exception):  # noqa: N818 (a signal)
    """The action calls a function that is not rendered here."""

    def __init__(self, function: str | None, missing: str | None = None) -> None:
        super().__init__(function)
        self.function = function
        self.missing = missing


def render(
    text: str, *, file: str, env: Mapping[str, str], json_text: bool, token: str
) -> Rendered:
    """Render ``env``, ``must_env`` and ``json_escape`` in ``text``; leave the rest as tokens.

    Parameters
    ----------
    text
        The file as written.
    file
        Its name, for messages.
    env
        The environment the functions read.
    json_text
        Whether the file is JSON: a token outside a JSON string is then written quoted, so
        the file still parses (a YAML plain scalar needs no quotes).
    token
        The placeholder's stem, not found in ``text``; ``{token}{n}__`` is the n-th.

    Raises
    ------
    PlannerError
        With the file and line, for a control action (``if``, ``range``, ...), an action
        planner cannot read, a value with a line break, or a function called wrongly.
    """
    out: list[str] = []
    actions: dict[str, Action] = {}
    pos = 0
    in_string = False
    for match in _ACTION.finditer(text):
        before = text[pos : match.start()]
        body = match.group(1)
        line = text.count("\n", 0, match.start()) + 1
        left = body.startswith(("- ", "-\t", "-\n"))
        right = body.endswith((" -", "\t-", "\n-"))
        if left:
            stripped = before.rstrip(" \t")
            before = stripped
        in_string = _scan(before, in_string)
        out.append(before)
        pos = match.end()
        if right:
            rest = len(text[pos:]) - len(text[pos:].lstrip(" \t"))
            pos += rest
        inner = body[1 if left else 0 : -1 if right else None].strip()
        if inner.startswith("/*"):
            if not inner.endswith("*/"):
                raise PlannerError("a template comment must end with */", file=file, line=line)
            out.append("\n" * body.count("\n"))  # keep later lines where they are
            continue
        if "\n" in body:
            raise PlannerError(
                f"a template action over several lines ({_short(match.group(0))}); planner "
                "keeps each line where it is, so write it on one line",
                file=file,
                line=line,
            )
        try:
            value = _evaluate(_parse(inner, file, line), env)
        except _Misused as exc:
            raise PlannerError(f"{_short(match.group(0))}: {exc}", file=file, line=line) from None
        except _Opaque as opaque:
            name = f"{token}{len(actions)}__"
            actions[name] = Action(match.group(0), line, opaque.function, opaque.missing)
            out.append(f'"{name}"' if json_text and not in_string else name)
            continue
        if "\n" in value or "\r" in value:
            raise PlannerError(
                f"{_short(match.group(0))} gives a value with a line break; ecspresso would "
                "write it as it is, which breaks the file (use json_escape)",
                file=file,
                line=line,
            )
        out.append(value)
        in_string = _scan(value, in_string)
    out.append(text[pos:])
    rendered = "".join(out)
    _unclosed(text, pos, file)
    return Rendered(rendered, actions)


def _unclosed(text: str, pos: int, file: str) -> None:
    """A ``{{`` after the last action opens one that never closes: Go refuses the file."""
    at = text.find("{{", pos)
    if at >= 0:
        raise PlannerError(
            "a template action {{ that is not closed with }} (ecspresso refuses the file too)",
            file=file,
            line=text.count("\n", 0, at) + 1,
        )


def _short(action: str) -> str:
    return action if len(action) <= 60 else action[:57] + "..."


def _scan(text: str, in_string: bool) -> bool:
    """Whether a JSON string is open after ``text`` (strings do not span lines)."""
    escaped = False
    for ch in text:
        if ch == "\n":
            in_string, escaped = False, False
        elif in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
    return in_string


# An argument: a string, a number (kept as text), or a nested pipeline.
_Arg = Any
_Command = tuple[str, list[_Arg]]


def _parse(body: str, file: str, line: int) -> list[_Command]:
    """One action's pipeline: commands of a function name and its arguments."""
    tokens: list[tuple[str, str]] = []
    at = 0
    while at < len(body):
        m = _TOKEN.match(body, at)
        if m is None:
            raise PlannerError(
                f"cannot read the template action {{{{ {body} }}}} (at {body[at : at + 10]!r}); "
                "planner renders env, must_env and json_escape and keeps other functions' "
                "results opaque",
                file=file,
                line=line,
            )
        at = m.end()
        if m.lastgroup is not None:
            tokens.append((m.lastgroup, m.group(m.lastgroup)))
    if tokens and tokens[0] == ("name", tokens[0][1]) and tokens[0][1] in CONTROL:
        raise PlannerError(
            f"{{{{ {body} }}}}: the template's {tokens[0][1]} decides the file's text, and "
            "planner does not run templates; render the file first (ecspresso render "
            "config|servicedef|taskdef --config CONFIG) and give planner the result",
            file=file,
            line=line,
        )
    pipeline, rest = _pipeline(tokens, body, file, line)
    if rest:
        raise PlannerError(
            f"cannot read the template action {{{{ {body} }}}}", file=file, line=line
        )
    return pipeline


def _pipeline(
    tokens: list[tuple[str, str]], body: str, file: str, line: int
) -> tuple[list[_Command], list[tuple[str, str]]]:
    commands: list[_Command] = []
    while True:
        if not tokens or tokens[0][0] != "name":
            raise PlannerError(
                f"cannot read the template action {{{{ {body} }}}}: a function name expected",
                file=file,
                line=line,
            )
        name, args = tokens[0][1], list[_Arg]()
        tokens = tokens[1:]
        while tokens and tokens[0][1] not in ("|", ")"):
            kind, text = tokens[0]
            tokens = tokens[1:]
            if text == "(":
                nested, tokens = _pipeline(tokens, body, file, line)
                if not tokens or tokens[0][1] != ")":
                    raise PlannerError(
                        f"cannot read the template action {{{{ {body} }}}}: ( without )",
                        file=file,
                        line=line,
                    )
                tokens = tokens[1:]
                args.append(nested)
            elif kind == "raw":
                args.append(text[1:-1])
            elif kind == "quoted":
                args.append(_unquote(text[1:-1]))
            elif kind == "number":
                args.append(text)
            else:
                args.append([(text, [])])  # a function called without arguments
        commands.append((name, args))
        if not tokens or tokens[0][1] != "|":
            return commands, tokens
        tokens = tokens[1:]


def _unquote(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if nxt in "xuU":
                width = {"x": 2, "u": 4, "U": 8}[nxt]
                try:
                    out.append(chr(int(text[i + 2 : i + 2 + width], 16)))
                    i += 2 + width
                    continue
                except ValueError:
                    pass
        out.append(ch)
        i += 1
    return "".join(out)


def _names(pipeline: list[_Command]) -> list[str]:
    found: list[str] = []
    for name, args in pipeline:
        found.append(name)
        for arg in args:
            if isinstance(arg, list):
                found += _names(arg)
    return found


def _evaluate(pipeline: list[_Command], env: Mapping[str, str]) -> str:
    other = [n for n in _names(pipeline) if n not in RENDERED]
    if other:
        raise _Opaque(other[0])
    value: str | None = None
    for name, raw_args in pipeline:
        args = [a if isinstance(a, str) else _evaluate(a, env) for a in raw_args]
        if value is not None:
            args.append(value)
        value = _call(name, args, env)
    assert value is not None
    return value


def _call(name: str, args: list[str], env: Mapping[str, str]) -> str:
    if name == "must_env":
        if len(args) != 1:
            raise _Misused(f"must_env takes one variable name, got {len(args)} arguments")
        if args[0] not in env:
            raise _Opaque(None, missing=args[0])
        return env[args[0]]
    if name == "env":
        if not args:
            raise _Misused("env takes a variable name (and a default)")
        value = ""
        for key in args:  # go-config: the first set, non-empty variable, else the last key
            value = env.get(key, "")
            if value:
                return value
            value = key
        return value
    if len(args) != 1:
        raise _Misused(f"json_escape takes one string, got {len(args)} arguments")
    return json_escape(args[0])


def json_escape(text: str) -> str:
    """go-config's ``json_escape``: Go's ``json.Marshal`` of a string, without its quotes."""
    out: list[str] = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ch in "<>&\u2028\u2029":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)
