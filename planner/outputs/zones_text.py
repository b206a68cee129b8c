"""``planner zones`` for a person: each zone's loss (what went, which services end short,
by how many tasks over the orders tried, and why in ECS's words), then the least fleet
that survives the loss of any one zone. Plain lines that the console wraps to its width:
nothing is cut."""

from __future__ import annotations

import textwrap
from typing import Any

from rich.console import Console
from rich.text import Text

from planner.deciding.verdicts import Verdict
from planner.deciding.zones import WITNESS, ZoneLoss, ZoneLosses
from planner.outputs.render import COLOURS, tasks

#: rich styles of a zone's status.
STATUS_STYLES = {
    "whole": COLOURS[Verdict.SAFE],
    "short": COLOURS[Verdict.HANGS],
    "unknown": COLOURS[Verdict.UNKNOWN],
}
#: What the verdict engine's verdict on a restart means, in words.
RESTART_WORDS = {
    Verdict.SAFE: "every run by ECS rules restores every service",
    Verdict.AT_RISK: "a plan restores every service, but a run by ECS rules leaves one short",
    Verdict.HANGS: "no plan restores every service",
    Verdict.UNKNOWN: "the time limit came before a proof",
}


def fleet_text(fleet: list[dict[str, Any]]) -> str:
    """``9 × m5.large, 2 × c5.large``."""
    return ", ".join(f"{g['count']} × {g['type']}" for g in fleet)


def headline(result: ZoneLosses) -> str:
    """One line: how the losses end, and the exit code."""
    n = len(result.zones)
    short = [z.zone for z in result.zones if z.status == "short"]
    unknown = [z.zone for z in result.zones if z.status == "unknown"]
    if short and len(short) == n > 1:
        said = f"losing any one of the {n} zones leaves a service short"
    elif short:
        said = f"losing {' or '.join(short)} leaves a service short"
    elif unknown:
        said = f"no loss found to leave a service short, but {', '.join(unknown)} undecided"
    else:
        said = f"losing any one of {n} zone{'s' if n != 1 else ''} leaves no service short"
    return f"{said} (exit {result.exit_code})"


def _say(console: Console, text: str, indent: int, style: str = "", hang: int = 0) -> None:
    """``text`` indented, wrapped lines indented alike (``hang`` more)."""
    pad = " " * indent
    filled = textwrap.fill(
        text,
        width=max(console.width, indent + hang + 20),
        initial_indent=pad,
        subsequent_indent=pad + " " * hang,
        break_long_words=False,  # a long word stays whole; the console folds it, never cuts
        break_on_hyphens=False,
    )
    console.print(Text(filled, style=style))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _range(lo: int, hi: int) -> str:
    if lo == hi:
        return f"short {tasks(hi)} in every order tried"
    return f"short {lo}–{hi} tasks, by who goes first"


def render_zone(zone: ZoneLoss, console: Console) -> None:
    """One zone's loss."""
    head = Text(f"\nzone {zone.zone}: ", style="bold")
    head.append(zone.status.upper(), style=STATUS_STYLES[zone.status])
    lost = ", ".join(f"{k} {n}" for k, n in zone.lost_tasks.items() if n) or "no task"
    head.append(f"  {_plural(zone.lost_instances, 'instance')} lost, with {lost}")
    console.print(head)
    for g in zone.relaunched:
        _say(
            console,
            f"{g['capacityProvider']} relaunches {g['count']} × {g['type']} in its other zones",
            2,
        )
    for g in zone.grown:
        _say(
            console,
            f"{g['capacityProvider']} grows by up to {g['count']} × {g['type']} more "
            "(managed scaling)",
            2,
        )
    for s in zone.short:
        line = Text("  ")
        line.append(s.service, style="bold")
        line.append(f"  {_range(s.fewest, s.tasks)}  [{s.reason}]")
        console.print(line)
        if s.message:
            _say(console, s.message, 4)
        if s.detail:
            _say(console, s.detail, 4, "dim")
    if zone.short and len(zone.runs) > 1:
        for name, short in zone.runs:
            said = ", ".join(f"{k} {n}" for k, n in short.items()) or "none short"
            who = "the verdict engine's dead end" if name == WITNESS else name
            _say(console, f"{who}: {said}", 4, "dim")
    _say(console, f"{RESTART_WORDS[zone.verdict]} ({zone.verdict}): {zone.proof}", 2, "dim")


def render_zones(result: ZoneLosses, console: Console) -> None:
    """Every zone's loss, the least fleet, how it was found, and the assumptions."""
    head = Text()
    head.append(" ZONES ", style="bold reverse")
    head.append(f"  {result.scenario}: {headline(result)}")
    console.print(head)
    for zone in result.zones:
        render_zone(zone, console)
    search = result.search
    if search:
        line = Text("\nLeast fleet that survives the loss of any one zone: ", style="bold")
        if result.least_fleet is not None:
            line.append(fleet_text(result.least_fleet))
            if result.least_fleet == search["from"]:
                line.append(" (the fleet as it is; fewer instances were not tried)")
            else:
                line.append(f" (from {fleet_text(search['from'])}")
                line.append(
                    "; every cheaper fleet tried loses a service)"
                    if search["proven"]
                    else f"; cheaper ones undecided: {'; '.join(search['undecided'])})"
                )
        else:
            line.append(f"none found: {search['bound']}")
        console.print(line)
        for cp in search.get("maxSizeRaised", []):
            _say(
                console,
                f"with capacity provider {cp['capacityProvider']}'s maxSize raised to "
                f"{cp['maxSize']}",
                2,
            )
    console.print()
    _say(console, f"How: {result.method}.", 0, "dim")
    _say(console, "Assumptions:", 0, "dim")
    for a in result.assumptions:
        _say(console, f"- {a}", 2, "dim", hang=2)
