"""planner batch: what counts as a scenario, one row each, the worst exit code, and the
summary as text, JSON, CSV, HTML and JUnit XML checked against the schema CI reads."""

import csv
import io
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.deciding.batch import EXIT_CODES, SEVERITY, BatchResult, batch, discover
from planner.errors import PlannerError
from planner.outputs.junit import to_junit

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "scenarios" / "seed"
EXPORT = ROOT / "tests" / "data" / "exports" / "stuck-deployment"
XSD = ROOT / "tests" / "data" / "junit.xsd"


def _repo(tmp_path: Path) -> Path:
    """A repository: two seed scenarios (one hangs), an import folder, a table spec, a
    bad file, a README and a hidden folder."""
    repo = tmp_path / "repo"
    (repo / "svc" / "api").mkdir(parents=True)
    # without its expect: field, a hang fails the gate (with it, it is as expected)
    hangs = (SEED / "port-conflict.yaml").read_text()
    (repo / "svc" / "api" / "hangs.yaml").write_text(
        "".join(x for x in hangs.splitlines(True) if not x.startswith("expect:"))
    )
    shutil.copy(SEED / "port-conflict-two-instances.yaml", repo / "svc" / "safe.yml")
    shutil.copytree(EXPORT, repo / "live" / "stuck")
    shutil.copy(ROOT / "scenarios/tables/web-tier.table.yml", repo / "svc" / "web.table.yml")
    (repo / "svc" / "bad.yaml").write_text("name: bad\ncluster: {instances: []}\nservices: 4\n")
    (repo / "README.md").write_text("# not a scenario\n")
    (repo / ".git").mkdir()
    (repo / ".git" / "x.yaml").write_text("not: read\n")
    return repo


def _schema():
    xmlschema = pytest.importorskip("xmlschema", reason="xmlschema is in the dev extra")
    return xmlschema.XMLSchema(str(XSD))


def test_discover_takes_scenarios_and_import_folders_not_table_specs(tmp_path):
    repo = _repo(tmp_path)
    found = [p.relative_to(repo).as_posix() for p in discover([repo])]
    assert found == ["live/stuck", "svc/bad.yaml", "svc/safe.yml", "svc/api/hangs.yaml"]
    # a file named on the command line is taken whatever its name; each path once
    spec = repo / "svc" / "web.table.yml"
    assert discover([spec, repo / "svc" / "safe.yml", spec]) == [spec, repo / "svc" / "safe.yml"]
    assert discover([repo / "live" / "stuck"]) == [repo / "live" / "stuck"]


def test_discover_refuses_a_missing_path_and_a_folder_with_nothing_to_check(tmp_path):
    with pytest.raises(PlannerError, match="no such file or folder"):
        discover([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(PlannerError, match="holds no scenario"):
        discover([tmp_path / "empty"])


@pytest.mark.parametrize("jobs", [1, 2])
def test_one_row_per_scenario_bad_input_included_and_the_worst_exit_code(tmp_path, jobs):
    repo = _repo(tmp_path)
    result = batch([repo], time_limit=20, jobs=jobs)
    rows = {Path(r["scenario"]).relative_to(repo).as_posix(): r for r in result.rows}
    assert [r["status"] for r in rows.values()] == ["hangs", "bad-input", "safe", "hangs"]
    assert rows["svc/bad.yaml"]["error"].startswith(str(repo / "svc" / "bad.yaml"))
    assert ":2: cluster.instances: must list at least one entry" in rows["svc/bad.yaml"]["error"]
    hang = rows["svc/api/hangs.yaml"]
    assert hang["reasons"] == ["port"] and "already using a port" in hang["why"][0]
    assert hang["fixes"]  # checked fixes come along
    assert rows["live/stuck"]["stuckNow"] is True
    assert rows["svc/safe.yml"]["waves"] >= 1 and rows["svc/safe.yml"]["estimatedDurationSeconds"]
    assert result.worst == "bad-input" and result.exit_code == 2
    assert result.counts() == {"safe": 1, "hangs": 2, "bad-input": 1}


def test_the_exit_code_is_the_worst_rows():
    assert SEVERITY[-1] == "failed" and SEVERITY[0] == "safe"
    for statuses, code in (
        (["safe", "safe"], 0),
        (["safe", "unknown"], 3),
        (["unknown", "at-risk"], 1),
        (["hangs", "unknown", "safe"], 1),
        (["hangs", "bad-input"], 2),
        (["bad-input", "failed", "safe"], 4),
    ):
        rows = [{"scenario": f"s{k}", "status": s} for k, s in enumerate(statuses)]
        assert BatchResult(rows, 10).exit_code == code, statuses
    assert set(EXIT_CODES) == set(SEVERITY)


def test_the_batch_time_limit_leaves_the_rest_unknown(tmp_path):
    repo = _repo(tmp_path)
    result = batch([repo], time_limit=20, total_time_limit=1e-6, jobs=1)
    solved = [r for r in result.rows if r["status"] != "bad-input"]
    assert solved and all(r["status"] == "unknown" for r in solved)
    assert all("batch's time limit" in r["proof"] for r in solved)


def test_junit_is_valid_and_says_failures_and_errors(tmp_path):
    repo = _repo(tmp_path)
    out = tmp_path / "report.xml"
    res = CliRunner().invoke(app, ["batch", str(repo), "--junit", str(out), "-f", "json"])
    assert res.exit_code == 2, res.output  # the bad file is the worst
    summary = json.loads(res.stdout)
    assert summary["exitCode"] == 2 and len(summary["scenarios"]) == 4
    _schema().validate(str(out))
    root = ET.parse(out).getroot()
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "2", "1")
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    hang = cases[str(repo / "svc" / "api" / "hangs.yaml")]
    failure = hang.find("failure")
    assert failure is not None and failure.get("type") == "hangs"
    assert failure.get("message", "").startswith("[port] service rj-api was unable to place")
    assert "fix (checked: safe)" in (failure.text or "")
    assert hang.get("classname") == "planner." + ".".join(
        p for p in (repo / "svc" / "api").parts if p != "/"
    )
    bad = cases[str(repo / "svc" / "bad.yaml")].find("error")
    assert bad is not None and bad.get("type") == "bad-input"
    safe = cases[str(repo / "svc" / "safe.yml")]
    assert safe.find("failure") is None and safe.find("error") is None


def test_junit_unknown_is_an_error_and_no_input_breaks_the_xml():
    rows = [
        {"scenario": "a\x00b<&>.yaml", "status": "unknown", "proof": "time limit \x1b[31m"},
        {"scenario": "ok.yaml", "status": "safe", "proof": "counting", "wallSeconds": 0.25},
        {"scenario": "x/lost.yaml", "status": "failed", "error": "KilledWorker: gone"},
    ]
    text = to_junit(BatchResult(rows, 5, 1.5))
    schema = _schema()
    schema.validate(text)
    root = ET.fromstring(text)
    cases = root.find("testsuite").findall("testcase")  # type: ignore[union-attr]
    assert cases[0].get("name") == "a\ufffdb<&>.yaml"  # escaped, the NUL replaced
    err = cases[0].find("error")
    assert err is not None and err.get("type") == "unknown"
    assert cases[2].find("error").get("message") == "KilledWorker: gone"  # type: ignore[union-attr]
    assert root.get("errors") == "2" and root.get("failures") == "0"


def test_text_csv_and_html(tmp_path):
    repo = _repo(tmp_path)
    res = CliRunner().invoke(app, ["batch", str(repo / "svc"), "--time-limit-per-scenario", "20"])
    assert res.exit_code == 2
    lines = res.stdout.splitlines()
    assert lines[0].startswith(" BATCH   3 scenarios: 1 safe, 1 hangs, 1 bad-input")
    assert max(len(line) for line in lines) <= 100
    assert any(line.startswith("  HANGS     ") for line in lines)
    res = CliRunner().invoke(app, ["batch", str(repo / "svc"), "-f", "csv"])
    table = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["status"] for r in table] == ["bad-input", "safe", "hangs"]
    assert table[2]["reasons"] == "port" and "already using a port" in table[2]["message"]
    out = tmp_path / "b.html"
    res = CliRunner().invoke(app, ["batch", str(repo / "svc"), "-f", "html", "-o", str(out)])
    page = out.read_text()
    assert page.startswith("<!doctype html>") and "<script" not in page
    assert '<td class="hangs">hangs</td>' in page and '<td class="failed">bad-input</td>' in page


def test_a_missing_path_is_bad_usage(tmp_path):
    res = CliRunner().invoke(app, ["batch", str(tmp_path / "nope")])
    assert res.exit_code == 2 and "no such file or folder" in res.stderr


# ---------------------------------------------------------------- how it ends (§10)
# Cases built in Python (tests/builders.py): no scenario file holds capacity providers
# yet, so the batch reads them through a stand-in for its reader.


@pytest.fixture
def reacting_repo(tmp_path, monkeypatch):
    """Three files the batch finds, each read as a cluster that reacts: one grows and
    completes, one rolls back, one is stuck at its group's maxSize."""
    from builders import REACTING

    from planner.deciding import batch as batch_module

    cases = {"grows.yaml": "after-scale-out", "rolls.yaml": "rolls-back", "stuck.yaml": "stuck"}
    for name in cases:
        (tmp_path / name).write_text("# read by the stand-in below\n")
    monkeypatch.setattr(batch_module, "read", lambda path: REACTING[cases[path.name]]())
    return tmp_path


STUCK = "stuck (IN_PROGRESS): api — general is at its maxSize 2; no circuit breaker"
ROLLS = "rolls back after about 3 failed placements (about 30 min); the rollback completes"
GROWS = "completes after scale-out (+2 m5.large in general; at most 2 on any run; about 3 min 10 s)"


def test_a_batch_row_carries_the_outcome_in_every_form(reacting_repo, tmp_path):
    args = ["batch", str(reacting_repo), "--jobs", "1", "--time-limit-per-scenario", "30"]
    res = CliRunner().invoke(app, [*args, "-f", "json"])
    assert res.exit_code == 1, res.output
    rows = {Path(r["scenario"]).name: r for r in json.loads(res.stdout)["scenarios"]}
    assert rows["grows.yaml"]["outcome"]["kind"] == "completes-after-scale-out"
    assert rows["stuck.yaml"]["outcome"]["services"][0]["scaleOut"] == "max-size"
    res = CliRunner().invoke(app, [*args, "-f", "csv"])
    table = {Path(r["scenario"]).name: r for r in csv.DictReader(io.StringIO(res.stdout))}
    assert [(table[n]["outcome"], table[n]["outcomeText"]) for n in sorted(table)] == [
        ("completes-after-scale-out", GROWS), ("rolls-back", ROLLS), ("stuck", STUCK),
    ]  # fmt: skip
    res = CliRunner().invoke(app, [*args, "-f", "text"], env={"COLUMNS": "200"})
    lines = res.stdout.splitlines()
    row = next(k for k, line in enumerate(lines) if "stuck.yaml (" in line)
    assert lines[row + 1].strip() == f"outcome: {STUCK}"  # under the row, before ECS's words
    assert lines[row + 2].strip().startswith("[cpu] service api was unable to place a task")
    out = tmp_path / "b.html"
    CliRunner().invoke(app, [*args, "-f", "html", "-o", str(out)])
    assert f'<td class="outcome hangs">{STUCK}</td>' in out.read_text()
    assert f'<td class="outcome safe">{GROWS}</td>' in out.read_text()


def test_junit_says_how_it_ends_first(reacting_repo, tmp_path):
    out = tmp_path / "report.xml"
    args = ["batch", str(reacting_repo), "--jobs", "1", "--junit", str(out)]
    CliRunner().invoke(app, [*args, "--time-limit-per-scenario", "30"])
    _schema().validate(str(out))
    cases = {Path(c.get("name", "")).name: c for c in ET.parse(out).getroot().iter("testcase")}
    stuck = cases["stuck.yaml"].find("failure")
    assert stuck is not None
    assert stuck.get("message", "").startswith(
        f"outcome: {STUCK} — [cpu] service api was unable to place a task"
    )
    text = (stuck.text or "").splitlines()
    assert text[:2] == ["verdict: hangs", f"outcome: {STUCK}"]
    assert "fix (checked: safe): raise maxSize of general's Auto Scaling group to 3" in text
    ends = "fix (checked: it ends): circuit breaker on, with rollback, for api (the rollout"
    assert any(t.startswith(ends) for t in text)
    grows = cases["grows.yaml"].find("system-out")
    assert grows is not None and f"outcome: {GROWS}" in (grows.text or "")
