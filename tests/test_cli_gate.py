"""The gate's options on the command line (planner/cli/gate.py): ``--fail-on``, ``--format
github``, ``--summary FILE``, on ``solve`` and ``batch``; the hang rate and structured
fixes in JSON; ``planner batch scenarios/`` passing on the repository's own examples."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import app

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "scenarios" / "seed"
PORT = SEED / "port-conflict.yaml"  # hangs
#: at-risk, and every one of the scheduler's 100 sampled runs completes
AT_RISK_ALL_COMPLETE = ROOT / "scenarios" / "examples" / "shop-static-load.yaml"
SAFE = SEED / "port-conflict-two-instances.yaml"


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.mark.parametrize(
    ("fail_on", "safe", "at_risk", "hangs"),
    [
        ([], 0, 1, 1),  # the default: every verdict but safe fails, as before
        (["--fail-on", "hangs"], 0, 0, 1),
        (["--fail-on", "at-risk"], 0, 1, 0),
        (["--fail-on", "hangs,at-risk"], 0, 1, 1),
        (["--fail-on", "hangs", "--fail-on", "at-risk"], 0, 1, 1),
        (["--fail-on", "unknown"], 0, 0, 0),
    ],
)
def test_solve_exit_codes_under_each_policy(fail_on, safe, at_risk, hangs):
    for path, code in ((SAFE, safe), (AT_RISK_ALL_COMPLETE, at_risk), (PORT, hangs)):
        res = run("solve", path, "-f", "json", *fail_on)
        assert res.exit_code == code, (path.name, fail_on, res.output)
        assert json.loads(res.stdout)["verdict"] in ("safe", "at-risk", "hangs")


def test_fail_on_hangs_passes_an_at_risk_whose_sampled_runs_all_complete():
    res = run("solve", AT_RISK_ALL_COMPLETE, "--fail-on", "hangs")
    assert res.exit_code == 0, res.output
    first = " ".join(res.stdout.split("\n  ")[0].split())  # the headline, unwrapped
    assert first.startswith("AT-RISK")
    assert first.endswith("100 of 100 sampled runs of ECS's scheduler as configured complete")


def test_an_unknown_under_a_policy_without_it_exits_0(monkeypatch, volumes_alone, no_first_wave):
    from planner.solvers import cpsat

    def out_of_time(self, time_limit, workers=1, seed=0, local_search=False, portfolio=False):
        return cpsat.Answer("unknown", seconds=time_limit)

    monkeypatch.setattr(cpsat.RolloutModel, "solve", out_of_time)
    monkeypatch.setattr(cpsat, "dead_state_exists", lambda *a, **k: cpsat.Answer("unknown"))
    scenario = ROOT / "scenarios/examples/bigger-revision-four-instances.yaml"
    assert run("solve", scenario, "--time-limit", "2").exit_code == 3
    assert run("solve", scenario, "--time-limit", "2", "--fail-on", "hangs,at-risk").exit_code == 0


def test_bad_input_and_a_bad_policy_exit_2_whatever_the_policy(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(PORT.read_text().replace("expect: {verdict: hangs", "expect: {verdict: hang"))
    res = run("solve", bad, "--fail-on", "hangs")
    assert res.exit_code == 2
    assert f"{bad}:3: expect.verdict: must be one of safe, at-risk, hangs" in res.stderr
    res = run("solve", PORT, "--fail-on", "sometimes")
    assert res.exit_code == 2 and "--fail-on: must be one of" in res.stderr
    assert run("batch", SEED, "--fail-on", "never").exit_code == 2


def test_json_says_the_hang_rate_and_fixes_as_objects():
    data = json.loads(run("solve", AT_RISK_ALL_COMPLETE, "-f", "json").stdout)
    assert data["scheduler"]["hangRate"] == 0.0 and data["scheduler"]["completed"] == 100
    data = json.loads(run("solve", PORT, "-f", "json").stdout)
    assert data["scheduler"]["hangRate"] == 1.0
    by_kind = {f["kind"]: f for f in data["fixes"]}
    assert by_kind["dynamic-host-port"] == {
        "kind": "dynamic-host-port", "service": "rj-api", "field": "hostPort", "value": 0,
        "verdict": "safe", "text": "dynamic host port for rj-api (hostPort 0)",
    }  # fmt: skip
    more = by_kind["more-instances"]
    assert (more["service"], more["group"], more["field"], more["value"], more["added"]) == (
        None, "t3.small", "count", 2, 1,
    )  # fmt: skip
    percent = by_kind["deployment-configuration"]
    assert (percent["service"], percent["field"], percent["value"]) == (
        "rj-api", "minimumHealthyPercent", 0,
    )  # fmt: skip
    assert all(f["verdict"] == "safe" and f["text"] for f in data["fixes"])
    assert (data["expect"], data["asExpected"]) == ({"verdict": "hangs", "reasons": ["port"]}, True)


def test_format_github_prints_annotations_then_the_text(monkeypatch):
    monkeypatch.chdir(ROOT)
    res = run("solve", "scenarios/seed/port-conflict.yaml", "-f", "github")
    assert res.exit_code == 1
    first, *rest = res.stdout.splitlines()
    assert first.startswith(
        "::error file=scenarios/seed/port-conflict.yaml,line=10,title=planner%3A rj-api hangs"
    )
    assert rest[0].lstrip().startswith("HANGS")
    res = run("solve", "scenarios/seed/port-conflict.yaml", "-f", "github", "--fail-on", "at-risk")
    assert res.exit_code == 0 and res.stdout.startswith("::warning file=")


def test_summary_is_appended_one_table_per_run(tmp_path):
    out = tmp_path / "summary.md"
    out.write_text("# before\n")
    for _ in range(2):
        assert run("solve", PORT, "--summary", out, "-f", "json").exit_code == 1
    text = out.read_text()
    assert text.startswith("# before\n")
    assert text.count("### planner solve: fails the gate (exit 1)") == 2
    assert text.count("| scenario | services | verdict |") == 2
    assert run("batch", SEED, "--summary", out, "-f", "github").exit_code == 0
    assert out.read_text().count("### planner batch: passes the gate (exit 0)") == 1
    res = run("solve", PORT, "--summary", tmp_path / "no" / "such" / "dir.md")
    assert res.exit_code == 2 and "cannot write" in res.stderr


def test_batch_honours_each_scenarios_expectation_and_the_policy(tmp_path):
    shutil.copy(PORT, tmp_path / "hangs-as-expected.yaml")
    args = ["batch", tmp_path, "--jobs", "1", "-f", "json"]
    res = run(*args)
    assert res.exit_code == 0, res.output
    [row] = json.loads(res.stdout)["scenarios"]
    assert (row["status"], row["asExpected"], row["unmet"]) == ("hangs", True, [])
    # the same hang, expected safe: not as expected, whatever the policy
    (tmp_path / "hangs-as-expected.yaml").unlink()
    text = PORT.read_text()
    (tmp_path / "expected-safe.yaml").write_text(text.replace("verdict: hangs", "verdict: safe"))
    res = run(*args, "--fail-on", "unknown")
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    assert data["scenarios"][0]["unmet"] == ["verdict hangs, expected safe"]
    assert data["expectations"] == {"notAsExpected": 1} and data["failOn"] == ["unknown"]
    # without an expectation, the policy decides
    (tmp_path / "expected-safe.yaml").unlink()
    plain = "".join(x for x in text.splitlines(True) if not x.startswith("expect:"))
    (tmp_path / "no-expect.yaml").write_text(plain)
    assert run(*args).exit_code == 1
    assert run(*args, "--fail-on", "at-risk").exit_code == 0
    text_out = run("batch", tmp_path, "--jobs", "1").stdout
    assert "as expected" not in text_out


def test_batch_passes_on_the_repositorys_own_scenarios():
    """Every shipped scenario states what it expects: the folder passes its own gate."""
    res = run("batch", ROOT / "scenarios", "-f", "json")
    data = json.loads(res.stdout)
    assert res.exit_code == 0, [r for r in data["scenarios"] if not r.get("asExpected")]
    assert data["expectations"] == {"asExpected": len(data["scenarios"])}
    assert len(data["scenarios"]) >= 40
    assert {"hangs", "at-risk", "safe"} <= set(data["counts"])
