"""``planner batch --junit FILE``: the batch as JUnit XML, which CI systems show as tests.

The format is the one Ant's JUnit task wrote and CI systems read (GitLab, GitHub
actions that publish test reports, Jenkins, Azure Pipelines): ``testsuites`` holding one
``testsuite`` holding a ``testcase`` per scenario. A case passes when the scenario is
safe; hangs and at-risk are a ``failure`` (the deployment would fail the gate), with
ECS's words as the message (after the outcome line, on a cluster that reacts: how the
deployment ends) and the why, fixes and proof as its text; unknown, bad input and a
planner failure are an ``error`` (no verdict). As the gate judges (``--fail-on``, a
scenario's ``expect:``): a verdict the policy lets through passes; a scenario with an
expectation passes when it is met and is a ``failure`` (type ``not-as-expected``) when
not. The schema holds no properties per case,
so the outcome is in the message and the text, not a property. ``tests/data/junit.xsd`` is the
schema the tests check it against.

Every string is XML-escaped by :mod:`xml.etree.ElementTree`; characters XML 1.0 cannot
hold at all (control characters) are replaced, so no input makes the file unreadable.
"""

from __future__ import annotations

import re
import socket
import time
import xml.etree.ElementTree as ET
from typing import Any

from planner.deciding.batch import BatchResult
from planner.deciding.gate import expectation_words, row_exit
from planner.deciding.verdicts import Verdict
from planner.outputs.formatting import message, minimum_text
from planner.outputs.reacting_text import outcome_line

#: XML 1.0 allows tab, newline, carriage return and printable characters only.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: What kind of JUnit outcome each status is (None: passed).
OUTCOME: dict[str, str | None] = {
    Verdict.SAFE: None, Verdict.AT_RISK: "failure", Verdict.HANGS: "failure",
    Verdict.UNKNOWN: "error", "bad-input": "error", "failed": "error",
}  # fmt: skip


def _clean(text: Any) -> str:
    return _NOT_XML.sub("\ufffd", str(text))


def case_kind(row: dict[str, Any], fail_on: frozenset[str]) -> str | None:
    """A row's JUnit outcome (None: passed) as the gate judges it
    (:func:`planner.deciding.gate.row_exit`): a met expectation passes, a missed one is a
    failure; a verdict the policy lets through passes."""
    status = row["status"]
    if status in ("bad-input", "failed"):
        return "error"
    if row_exit(row, fail_on) == 0:
        return None
    if row.get("asExpected") is False:
        return "failure"
    return OUTCOME[status]  # a failure (hangs, at-risk) or an error (unknown)


def _classname(scenario: str) -> str:
    """The folder of a scenario, dotted, as JUnit's class name (``planner.scenarios.seed``):
    CI systems group cases by it."""
    parts = [p for p in re.split(r"[\\/]+", scenario)[:-1] if p not in ("", ".", "..")]
    return ".".join(["planner", *parts])


def _details(row: dict[str, Any]) -> str:
    from planner.deciding.fixes import checked_words

    lines = [f"verdict: {row['status']}"]
    if said := expectation_words(row):
        lines.append(said)
    if row.get("outcome"):
        lines.append(outcome_line(row["outcome"]))
    if row.get("reasons"):
        lines.append(f"reasons: {', '.join(row['reasons'])}")
    lines += [f"why: {w}" for w in row.get("why", [])]
    lines += [f"fix (checked: {checked_words(f)}): {f}" for f in row.get("fixes", [])]
    if row.get("proof"):
        lines.append(f"proof: {row['proof']}")
    if row.get("error"):
        lines.append(f"error: {row['error']}")
    if minimum_text(row.get("minimum")):
        lines.append(f"minimum: {minimum_text(row.get('minimum'))}")
    lines.append(f"planner solve {row['scenario']}: the plan, why and the fixes")
    return "\n".join(lines)


def to_junit(result: BatchResult, name: str = "planner batch") -> str:
    """The JUnit XML document of a batch."""
    kinds = [case_kind(r, result.fail_on) for r in result.rows]
    failures, errors = kinds.count("failure"), kinds.count("error")
    total = f"{result.wall_seconds:.3f}"
    counts = {"tests": str(len(result.rows)), "failures": str(failures), "errors": str(errors)}
    root = ET.Element("testsuites", {"name": _clean(name), **counts, "time": total})
    suite = ET.SubElement(
        root,
        "testsuite",
        {
            "name": "planner",
            **counts,
            "skipped": "0",
            "time": total,
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()),
            "hostname": _clean(socket.gethostname()),
        },
    )
    props = ET.SubElement(suite, "properties")
    ET.SubElement(
        props,
        "property",
        {"name": "timeLimitSecondsPerScenario", "value": f"{result.time_limit:g}"},
    )
    ET.SubElement(props, "property", {"name": "exitCode", "value": str(result.exit_code)})
    for row in result.rows:
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "name": _clean(row["scenario"]),
                "classname": _clean(_classname(row["scenario"])),
                "time": f"{row.get('wallSeconds') or 0:.3f}",
            },
        )
        kind = case_kind(row, result.fail_on)
        if kind is not None:
            said = message(row)
            if row.get("outcome"):  # how it ends first: what a gate acts on
                said = " — ".join(x for x in (outcome_line(row["outcome"]), said) if x)
            kind_word = row["status"]
            if row.get("asExpected") is False:
                kind_word, said = "not-as-expected", expectation_words(row)
            outcome = ET.SubElement(
                case, kind, {"type": kind_word, "message": _clean(said or row["status"])}
            )
            outcome.text = _clean(_details(row))
        else:
            out = ET.SubElement(case, "system-out")
            out.text = _clean(_details(row))
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
