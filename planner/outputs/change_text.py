"""The lines ``solve --change`` prints after the verdict: which files, which services they
deploy and where each is declared, what was skipped and what was taken as ECS's default."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text


def render_change(change: dict[str, Any] | None, console: Console) -> None:
    """Print the ``change`` object of a result (``Result.change``); nothing when None."""
    if change is None:
        return
    console.print()
    head = Text("change", style="bold")
    head.append(f" — {', '.join(change['files'])}")
    console.print(head, soft_wrap=True)
    origins = change.get("origins") or {}
    if not change["deploying"]:
        console.print(f"  {change.get('nothing') or 'touches no service: nothing to deploy'}")
    for name in change["deploying"]:
        o = origins.get(name) or {}
        where = o.get("file") or ""
        if o.get("line"):
            where += f":{o['line']}"
        if o.get("address"):
            where += f" ({o['address']})"
        console.print(f"  deploys {name}" + (f", declared in {where}" if where else ""))
    for line in change.get("notes") or []:
        console.print(f"  note: {line}", highlight=False, soft_wrap=True)
