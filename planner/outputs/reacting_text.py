"""How a deployment ends on a cluster that reacts (ROLLOUT.md §10), in one line a deploy
gate can act on: CONTRACT.md's ``outcome`` in words, for the text, the page, the batch
summary and JUnit alike.

``completes (…)``, ``completes after scale-out (+2 m5.large in general; at most 2 on any
run; about 3 min 10 s)``, ``rolls back after about 3 failed placements (about 30 min); the
rollback completes``, ``fails after about 3 failed placements (…): the deployment is
FAILED, tasks stay as they are``, ``stuck (IN_PROGRESS): api — general is at its maxSize
2; no circuit breaker``; for at-risk ``may roll back (on some runs; others complete) …``.
Every name and number is said whole: a long line wraps, it is never cut.

Also the words for a wave's scale-out (``+2 m5.large launched in general``), which the plan
tables print beside what the wave stops and starts.
"""

from __future__ import annotations

import re
from typing import Any

from planner.deciding.verdicts import Verdict

__all__ = [
    "KIND_STATUS",
    "about",
    "launch_words",
    "launchable_kinds",
    "launchable_legend",
    "outcome_line",
    "outcome_status",
]

#: The status (verdict colour and CSS class) each outcome kind is shown in: a deployment
#: that completes is green, one that ends without completing but leaves the service whole
#: (a rollback that completes) amber, one that fails or waits forever red.
KIND_STATUS: dict[str, Verdict] = {
    "completes": Verdict.SAFE,
    "completes-after-scale-out": Verdict.SAFE,
    "rolls-back": Verdict.AT_RISK,
    "fails": Verdict.HANGS,
    "stuck": Verdict.HANGS,
    "unknown": Verdict.UNKNOWN,
}

#: At-risk (``someRuns``): what the dead path's kind becomes ("may …").
_MAY = {"rolls-back": "may roll back", "fails": "may fail", "stuck": "may get stuck"}
_SOME_RUNS = "on some runs; others complete"


def about(seconds: int | float) -> str:
    """An estimated time, whole: ``24 h``, ``30 min``, ``3 min 10 s``, ``40 s``."""
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    if h and not m and not s:
        return f"{h} h"
    m += 60 * h
    if m and s:
        return f"{m} min {s} s"
    return f"{m} min" if m else f"{s} s"


def outcome_status(outcome: dict[str, Any]) -> str:
    """The status the outcome is shown in (:data:`KIND_STATUS`); a rollback that does not
    complete makes a rolling back red."""
    status = KIND_STATUS.get(outcome.get("kind", "unknown"), Verdict.UNKNOWN)
    rollback = outcome.get("rollback")
    if status == Verdict.AT_RISK and rollback and rollback.get("verdict") != Verdict.SAFE:
        return Verdict.HANGS
    return status


def outcome_line(outcome: dict[str, Any]) -> str:
    """The outcome in one line, ``outcome: …`` (module docstring)."""
    kind = outcome.get("kind", "unknown")
    if kind == "unknown":
        return "outcome: unknown (the time limit came before a proof)"
    if kind in ("completes", "completes-after-scale-out"):
        return "outcome: " + _completes(outcome)
    return "outcome: " + _ends(outcome)


def _completes(o: dict[str, Any]) -> str:
    said: list[str] = []
    added = o.get("added") or []
    if added:
        said.append(
            ", ".join(f"+{a['count']} {a['type']} in {a['capacityProvider']}" for a in added)
        )
    if "mostAdded" in o:
        most = o["mostAdded"]
        bound = " (a bound: every instance up to maxSize)" if o.get("mostAddedIsBound") else ""
        if not added and most == 0:  # (a bound of 0: the groups are at maxSize already)
            said.append("no instance launched on any run")
        else:
            if not added:
                said.append("no instance launched on this plan")
            said.append(f"at most {most} on any run{bound}")
    if o.get("estimatedSeconds") is not None:
        said.append(f"about {about(o['estimatedSeconds'])}")
    head = "completes after scale-out" if o["kind"] == "completes-after-scale-out" else "completes"
    return f"{head} ({'; '.join(said)})" if said else head


def _after(item: dict[str, Any], *, breaker_words: bool) -> str:
    """``after about 3 failed placements (about 30 min)`` for one ending (or the whole)."""
    if "failedPlacements" not in item:
        return ""
    text = f"after about {item['failedPlacements']} failed placements"
    inside = [f"about {about(item['estimatedSeconds'])}"] if "estimatedSeconds" in item else []
    if breaker_words:
        inside.append("breaker on, rollback off")
    return text + (f" ({'; '.join(inside)})" if inside else "")


def _ends(o: dict[str, Any]) -> str:
    """rolls-back, fails, stuck: the dead path's end, each service's where they differ,
    then the rollback."""
    kind = o["kind"]
    services: list[dict[str, Any]] = o.get("services", [])
    some = bool(o.get("someRuns"))
    if kind == "stuck":
        verb = "may get stuck (IN_PROGRESS, " + _SOME_RUNS + ")" if some else "stuck (IN_PROGRESS)"
        said: dict[str, list[str]] = {}  # services stuck for the same reasons: named together
        for e in services:
            if e.get("kind") == "stuck":
                said.setdefault(_stuck_words(e), []).append(e["service"])
        text = f"{verb}: " + "; ".join(f"{', '.join(n)} — {w}" for w, n in said.items())
        others = [_service_end(e) for e in services if e.get("kind") != "stuck"]
        text += "".join(f"; {x}" for x in others)
    else:
        verb = _MAY[kind] if some else ("rolls back" if kind == "rolls-back" else "fails")
        kinds = {e.get("kind") for e in services}
        if len(services) > 1 and len(kinds) == 1:  # which services: all end alike
            verb += f" ({', '.join(e['service'] for e in services)})"
        if some:
            verb += f" ({_SOME_RUNS})"
        native = [e for e in services if "after" in e]
        if kind == "rolls-back" and native and "failedPlacements" not in o:
            text = f"{verb} ({native[0]['after']})"
        else:  # (the whole's failedPlacements is set where some service rolls back)
            placements = [e["failedPlacements"] for e in services if "failedPlacements" in e]
            whole = {"failedPlacements": max(placements)} if placements else {}
            whole |= {k: o[k] for k in ("failedPlacements", "estimatedSeconds") if k in o}
            text = f"{verb} {_after(whole, breaker_words=kind == 'fails')}".rstrip()
        if kind == "fails":
            text += ": the deployment is FAILED, tasks stay as they are"
        if len(kinds) > 1:  # which service ends how
            text += ": " + ", ".join(_short_end(e) for e in services)
    return text + _rollback_words(o, some)


def _short_end(e: dict[str, Any]) -> str:
    return {
        "rolls-back": f"{e['service']} rolls back",
        "fails": f"{e['service']} fails (breaker on, rollback off)",
    }.get(e.get("kind", ""), f"{e['service']} is stuck — {_stuck_words(e)}")


def _service_end(e: dict[str, Any]) -> str:
    """One service's end beside those stuck: it rolls back or fails, after how long."""
    if e.get("kind") == "fails":
        return f"{e['service']} fails {_after(e, breaker_words=True)}".rstrip()
    if "after" in e:
        return f"{e['service']} rolls back: {e['after']}"
    return f"{e['service']} rolls back {_after(e, breaker_words=False)}".rstrip()


def _stuck_words(e: dict[str, Any]) -> str:
    """Why a service waits forever: why its group does not grow (where it has one), and
    why no breaker ends it."""
    parts: list[str] = []
    if e.get("scaleOutWhy"):
        parts += [_group_words(x) for x in e["scaleOutWhy"].split("; ")]
    elif e.get("reason") == "deployment-configuration":
        parts.append("its bounds stop and start nothing")
    elif e.get("reason"):
        parts.append(f"no instance takes its task ({e['reason']})")
    why = e.get("why", "")
    if why.startswith("no circuit breaker"):
        why = "no circuit breaker"
    if why:
        parts.append(why)
    return "; ".join(parts)


#: outcome.py's words why a group does not grow, as the line says them (group, then why).
_GROUP_WORDS = (
    (re.compile(r"^(.+): the group is at its maxSize (\d+)$"), r"\1 is at its maxSize \2"),
    (
        re.compile(r"^(.+): the task does not fit an empty (\S+) \(the group's smallest type\).*$"),
        r"\1 does not grow: the task does not fit an empty \2, its smallest type",
    ),
)


def _group_words(part: str) -> str:
    """``general is at its maxSize 2`` for ``general: the group is at its maxSize 2``;
    other words as they are."""
    for pattern, words in _GROUP_WORDS:
        if pattern.match(part):
            return pattern.sub(words, part)
    return part


def _rollback_words(o: dict[str, Any], some: bool) -> str:
    """``; the rollback completes`` / ``; the rollback is stuck: api ends 2 tasks short
    (cpu)``; for a native blue/green, the note of its rollback."""
    rb = o.get("rollback")
    if rb is None:
        native = [e["rollback"] for e in o.get("services", []) if "rollback" in e]
        if not native:
            return ""
        rb = native[0]
    verdict = rb.get("verdict")
    if verdict == Verdict.SAFE:
        note = f" ({rb['note']})" if rb.get("note") else ""
        return f"; the rollback completes{note}"
    if verdict == Verdict.UNKNOWN:
        return "; whether the rollback completes is unknown (no proof in time)"
    verb = "may get stuck" if verdict == Verdict.AT_RISK else "is stuck"
    dead = (rb.get("deadState") or {}).get("services", [])
    shorts = []
    for d in dead:
        n = d.get("short", 0)
        if n > 0:
            tasks = "1 task" if n == 1 else f"{n} tasks"
            ends = "can end" if verdict == Verdict.AT_RISK else "ends"
            shorts.append(f"{d['name']} {ends} {tasks} short ({d['reason']})")
        else:
            shorts.append(f"{d['name']} cannot finish ({d['reason']})")
    if not shorts and rb.get("reasons"):
        shorts.append(", ".join(rb["reasons"]))
    return f"; the rollback {verb}" + (f": {', '.join(shorts)}" if shorts else "")


def launch_words(wave: Any, groups: Any) -> str:
    """What a wave's scale-out launches: ``+2 m5.large launched in general`` (per group,
    joined); ``groups`` are the problem's (:class:`planner.model.scaling.Group`), or
    None where the result has no problem (then the groups are numbered)."""
    launch = getattr(wave, "launch", ()) or ()
    parts = []
    for k, n in enumerate(launch):
        if not n:
            continue
        if groups is not None and k < len(groups):
            parts.append(f"+{n} {groups[k].type} launched in {groups[k].name}")
        else:
            parts.append(f"+{n} launched in group {k + 1}")
    return ", ".join(parts)


def launchable_kinds(problem: Any) -> dict[int, str]:
    """Per launchable instance (its index), how a plan names where tasks go on it:
    ``launched m5.large in us-east-1a`` (its zone where it has one)."""
    out: dict[int, str] = {}
    if problem is None:
        return out
    for g in problem.groups:
        for i in g.launchable:
            zone = problem.instances[i].zone
            out[i] = f"launched {g.type}" + (f" in {zone}" if zone else "")
    return out


def launchable_legend(problem: Any) -> list[str]:
    """``2–5: m5.large that general may launch``: what the launchable instances' numbers
    stand for, one entry per group that may grow."""
    out: list[str] = []
    for g in getattr(problem, "groups", ()) or ():
        if g.launchable:
            first, last = g.launchable[0], g.launchable[-1]
            span = f"{first}" if first == last else f"{first}–{last}"
            out.append(f"{span}: {g.type} that {g.name} may launch")
    return out
