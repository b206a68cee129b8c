"""The gate's policy (planner/deciding/gate.py) and a scenario's expectation
(planner/model/expect.py, its ``expect:`` field): parsing, exit codes, what is met."""

from pathlib import Path

import pytest

import planner
from planner.deciding.gate import (
    DEFAULT_FAIL_ON,
    expectation_check,
    expectation_words,
    gate_exit,
    parse_fail_on,
    row_exit,
    worst_exit,
)
from planner.errors import PlannerError
from planner.model.expect import Expectation

ROOT = Path(__file__).resolve().parent.parent

# a scenario of our own (one t3.small, one task): only its expect: line varies
BASE = """name: t
expect: {}
cluster:
  instances: [{{type: t3.small, count: 1}}]
services:
  - name: api
    desiredCount: 1
    taskDefinition: {{cpu: 256, memory: 256}}
"""


def _load(tmp_path, expect):
    f = tmp_path / "s.yaml"
    f.write_text(BASE.format(expect))
    return planner.load_scenario(f)


def test_fail_on_is_repeatable_or_a_comma_list_and_defaults_to_every_verdict_but_safe():
    assert parse_fail_on(None) == DEFAULT_FAIL_ON == {"hangs", "at-risk", "unknown"}
    assert parse_fail_on([]) == DEFAULT_FAIL_ON
    assert parse_fail_on(["hangs"]) == {"hangs"}
    assert parse_fail_on(["hangs,at-risk"]) == parse_fail_on(["hangs", "at-risk"])
    assert parse_fail_on([" hangs , unknown "]) == {"hangs", "unknown"}
    with pytest.raises(PlannerError, match='--fail-on: must be one of .*got "hang"'):
        parse_fail_on(["hang"])
    with pytest.raises(PlannerError, match='got "safe"'):  # safe never fails a gate
        parse_fail_on(["safe"])


@pytest.mark.parametrize(
    ("verdict", "fail_on", "code"),
    [
        ("safe", DEFAULT_FAIL_ON, 0),
        ("hangs", DEFAULT_FAIL_ON, 1),
        ("at-risk", DEFAULT_FAIL_ON, 1),
        ("unknown", DEFAULT_FAIL_ON, 3),
        ("at-risk", frozenset({"hangs"}), 0),
        ("hangs", frozenset({"at-risk"}), 0),
        ("unknown", frozenset({"hangs", "at-risk"}), 0),
        ("unknown", frozenset({"unknown"}), 3),
    ],
)
def test_a_verdict_the_gate_fails_keeps_its_exit_code_the_others_exit_0(verdict, fail_on, code):
    assert gate_exit(verdict, fail_on) == code


def test_a_rows_exit_bad_input_and_failures_never_depend_on_the_policy():
    none = frozenset()
    assert row_exit({"status": "bad-input"}, none) == 2
    assert row_exit({"status": "failed"}, none) == 4
    # an expectation decides for a verdict, whatever the policy
    assert row_exit({"status": "hangs", "asExpected": True}) == 0
    assert row_exit({"status": "safe", "asExpected": False}, none) == 1
    # an unknown meets no expectation: the policy says
    assert row_exit({"status": "unknown", "asExpected": None}) == 3
    assert row_exit({"status": "unknown", "asExpected": None}, frozenset({"hangs"})) == 0
    assert worst_exit([0, 3, 1]) == 1 and worst_exit([1, 2]) == 2 and worst_exit([2, 4]) == 4
    assert worst_exit([0, 3]) == 3 and worst_exit([]) == 0


def test_expect_loads_in_its_short_and_its_mapping_form(tmp_path):
    assert _load(tmp_path, "hangs").expect == Expectation("hangs")
    e = _load(tmp_path, "{verdict: at-risk, reasons: [cpu, port], placementEcs: safe}").expect
    assert e == Expectation("at-risk", ("cpu", "port"), None, "safe")
    assert _load(tmp_path, "{verdict: hangs, outcome: stuck}").expect.outcome == "stuck"
    assert _load(tmp_path, "null").expect is None


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("hang", 's.yaml:2: expect: must be one of safe, at-risk, hangs, got "hang" (did you '
         "mean hangs?)"),
        ("unknown", 's.yaml:2: expect: must be one of safe, at-risk, hangs, got "unknown"'),
        ("3", "s.yaml:2: expect: must be a verdict (safe, at-risk, hangs) or a mapping"),
        ("{reasons: [cpu]}", "s.yaml:2: expect.verdict: is required but missing"),
        ("{verdict: hangs, reasons: [cpus]}", "s.yaml:2: expect.reasons[0]: must be one of"),
        ("{verdict: hangs, reason: [cpu]}", "s.yaml:2: expect.reason: unknown field; did you "
         "mean reasons?"),
        ("{verdict: safe, outcome: stuk}", "s.yaml:2: expect.outcome: must be one of"),
        ("{verdict: safe, placementEcs: unknown}", "s.yaml:2: expect.placementEcs: must be"),
    ],
)  # fmt: skip
def test_a_bad_expect_names_file_line_and_field(tmp_path, value, said):
    with pytest.raises(PlannerError) as err:
        _load(tmp_path, value)
    assert str(err.value).startswith(str(tmp_path / said)), str(err.value)


def test_an_expectation_built_in_python_is_checked_too():
    with pytest.raises(PlannerError, match="expect.reasons\\[1\\]: must be one of"):
        Expectation("hangs", ("cpu", "disk"))
    with pytest.raises(PlannerError, match="expect.verdict"):
        Expectation("unknown")


def test_unmet_names_what_differs():
    e = Expectation("hangs", ("port",))
    assert e.unmet("hangs", ["port", "cpu"], None) == []
    assert e.unmet("safe", [], None) == ["verdict safe, expected hangs"]
    assert e.unmet("hangs", ["cpu"], None) == ["reasons cpu, expected port among them"]
    reacting = Expectation("hangs", outcome="stuck")
    assert reacting.unmet("hangs", [], "rolls-back") == ["outcome rolls-back, expected stuck"]
    # with --placement ecs: placementEcs where given; its own verdict checks no reasons
    ecs = Expectation("at-risk", ("cpu",), None, "safe")
    assert ecs.unmet("safe", [], None, "ecs") == []
    assert ecs.unmet("at-risk", ["cpu"], None, "ecs") == ["verdict at-risk, expected safe"]
    assert Expectation("hangs", ("cpu",)).unmet("hangs", ["memory"], None, "ecs") == [
        "reasons memory, expected cpu among them"
    ]


def test_a_solve_carries_its_check_into_json_and_words():
    path = ROOT / "scenarios/seed/port-conflict.yaml"
    result = planner.solve(planner.load_scenario(path), time_limit=30)
    assert result.expectation == {
        "expect": {"verdict": "hangs", "reasons": ["port"]},
        "asExpected": True,
        "unmet": [],
    }
    data = result.to_json()
    assert (data["expect"], data["asExpected"]) == ({"verdict": "hangs", "reasons": ["port"]}, True)
    assert expectation_words(result.expectation) == "as the file expects: hangs (port)"
    assert result.exit_code == 1  # planner.solve's verdict is the verdict


def test_an_unknown_is_not_checked():
    class Unknown:
        verdict, reasons, outcome, placement = "unknown", [], None, "any"

    check = expectation_check(Expectation("safe"), Unknown())
    assert check["asExpected"] is None
    assert expectation_words(check) == "the file's expectation not checked: no verdict in time"
    assert expectation_check(None, Unknown()) == {} and expectation_words({}) == ""
