"""Every scenario planner ships or tests, loaded: the same Scenario or the same message.

The golden file records, for each shipped scenario and test file, the loaded scenario's
repr or the error, and for every value of ``tests/data/full.yaml`` replaced by each of a
dozen odd values, the message (or that it loads). A change to the reader that changes any
of them shows here; a message made more precise is recorded by regenerating the file
(``PLANNER_REGOLD=1``) and reviewing its diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from builders import paths, replaced

from planner.errors import PlannerError
from planner.inputs.loading import load_scenario, scenario_from_data
from planner.inputs.yamlsafe import Located, load_yaml_text
from planner.model.providers import Reacting

REPO = Path(__file__).parent.parent
GOLDEN = REPO / "tests" / "data" / "loading-golden.txt"
ODD = [None, True, -1, 0, 1.5, 70000, "", "x", [], [1], {}, {"type": "x"}]


def _files() -> list[str]:
    found = sorted((REPO / "scenarios").rglob("*.yaml")) + sorted(
        (REPO / "tests" / "data").glob("*.yaml")
    )
    found += sorted((REPO / "tests" / "data" / "bad").glob("*.yaml"))
    return [str(p.relative_to(REPO)) for p in found]


def _outcome(load) -> str:  # noqa: ANN001
    try:
        return _shown(repr(load()))
    except PlannerError as exc:
        return f"error: {exc}"


#: The cluster that reacts (ROLLOUT.md §10) at its defaults, as repr shows it: left out of
#: the record, so that a scenario without it is recorded as it was before it existed.
_REACTING_DEFAULTS = (
    ", capacity_provider_strategy=None, launch_type=None, circuit_breaker=None)",
    f", capacity_providers=(), default_strategy=(), reacting={Reacting()!r})",
)


def _shown(text: str) -> str:
    text = text.replace(", expect=None", "")  # no expect: field, recorded as before it was
    for default in _REACTING_DEFAULTS:
        text = text.replace(default, ")")
    return text


def _record() -> str:
    lines = [f"{name}\n  {_outcome(lambda n=name: load_scenario(n))}" for name in _files()]
    full = "tests/data/full.yaml"
    good = load_yaml_text((REPO / full).read_text(), file=full)
    for path in paths(good.data):
        for value in ODD:
            doc = Located(replaced(good.data, path, value), good.lines, good.file)
            shown = _outcome(lambda d=doc: scenario_from_data(d, base_dir=REPO / "tests/data"))
            if not shown.startswith("error: "):
                shown = "loads"
            lines.append(f"{full} {path!r} = {value!r}\n  {shown}")
    # the repository's own path (a task-definition path in a message) is machine-specific
    return "\n".join(lines).replace(str(REPO.resolve()), "<repo>") + "\n"


def test_every_file_loads_as_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    now = _record()
    if os.environ.get("PLANNER_REGOLD"):
        GOLDEN.write_text(now, encoding="utf-8")
    was = GOLDEN.read_text(encoding="utf-8")
    recorded = {line for line in was.splitlines() if not line.startswith(" ")}
    new = [f for f in _files() if f not in recorded]
    assert not new, f"not in the golden record yet (PLANNER_REGOLD=1 records them): {new}"
    assert now == was
