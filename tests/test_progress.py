"""Progress on long solves: the phases named, shown on a terminal only."""

import io
import time

from builders import at_risk_example
from typer.testing import CliRunner

from planner.cli import app
from planner.deciding.verdict import analyse
from planner.running import progress


def test_the_engine_names_its_phases_in_order():
    said: list[str] = []
    with progress.listening(said.append):
        analyse(at_risk_example(), tries=0, shortcuts=False, time_limit=30)
    assert said[0].startswith("ECS's scheduler as configured")
    assert "ECS's default run" not in said  # the first runs made it: not made again
    assert any(p.startswith("CP-SAT:") for p in said)
    assert said[-1] == "replaying the evidence"
    assert not progress._listeners  # nobody left listening


def test_shown_on_a_terminal_after_a_second_with_the_time_left(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(progress, "SHOW_AFTER", 0.0)
    import rich.console

    real = rich.console.Console
    monkeypatch.setattr(
        rich.console,
        "Console",
        lambda **kw: real(file=out, force_terminal=True, width=100),
    )
    with progress.shown(30, enabled=True):
        progress.phase("CP-SAT: is there any dead state")
        for _ in range(200):  # until the display has caught up (a wait, not a timing claim)
            if "CP-SAT: is there any dead state" in out.getvalue():
                break
            time.sleep(0.05)
    assert "CP-SAT: is there any dead state" in out.getvalue()
    assert "s of 30 s left" in out.getvalue()


def test_silent_into_a_pipe_and_with_json():
    res = CliRunner().invoke(app, ["solve", "scenarios/examples/at-risk.yaml"])
    assert res.exit_code == 1 and res.stderr == ""
    res = CliRunner().invoke(app, ["solve", "scenarios/examples/at-risk.yaml", "-f", "json"])
    assert res.stderr == ""
