"""A loaded document and the line of every value in it: what every reader of a user's
file (scenario YAML, task-definition JSON) hands on, so each error names file:line: field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from planner.errors import PlannerError

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


def format_path(path: tuple[str | int, ...]) -> str:
    """Format a value's path the way error messages show fields.

    Parameters
    ----------
    path
        Mapping keys and list indexes from the top of the document.

    Returns
    -------
    str
        For example ``("services", 0, "taskDefinition", "cpu")`` gives
        ``services[0].taskDefinition.cpu``. Keys that are not simple names are
        quoted (``labels["app.kubernetes.io/name"]``) so the path stays
        unambiguous. The empty path gives ``""``.
    """
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _IDENTIFIER.match(part):
            out.append(f".{part}" if out else part)
        else:
            out.append('["' + part.replace("\\", "\\\\").replace('"', '\\"') + '"]')
    return "".join(out)


@dataclass(frozen=True)
class Located:
    """A loaded YAML document and the line of every value in it.

    Parameters
    ----------
    data
        Plain Python data: ``dict`` with ``str`` keys, ``list``, ``str``, ``int``,
        ``float``, ``bool`` or ``None``.
    lines
        1-based line of each value by its path, e.g.
        ``("services", 0, "desiredCount")``; ``()`` maps to 1.
    file
        The file's display name, used in error messages.
    """

    data: Any
    lines: dict[tuple[str | int, ...], int]
    file: str

    def line(self, path: tuple[str | int, ...]) -> int | None:
        """Return the line of ``path``, or of its nearest ancestor that has one.

        Parameters
        ----------
        path
            Keys and indexes, as in :attr:`lines`. A path that does not exist in
            the document (a missing field, say) falls back to its parent, which is
            where the user has to add it.

        Returns
        -------
        int or None
            The 1-based line, or None if not even ``()`` is known.
        """
        for end in range(len(path), -1, -1):
            found = self.lines.get(path[:end])
            if found is not None:
                return found
        return None

    def error(self, path: tuple[str | int, ...], message: str) -> PlannerError:
        """Build an error about the value at ``path``, for the caller to raise.

        Parameters
        ----------
        path
            Where the problem is, e.g. ``("services", 0, "desiredCount")``.
        message
            What was expected and what was found.

        Returns
        -------
        PlannerError
            With this file, the line of ``path`` (see :meth:`line`) and the field
            formatted by :func:`format_path`.
        """
        return PlannerError(
            message, file=self.file, line=self.line(path), field=format_path(path) or None
        )
