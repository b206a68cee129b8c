"""planner.model.units (CPU and memory sizes as ECS accepts them, the rules on one value)
and planner.inputs.checks (the rules applied where a value is in a file)."""

from __future__ import annotations

import pytest

from planner.errors import PlannerError
from planner.inputs.checks import boolean, mapping, number, one_of, port, text, whole
from planner.inputs.yamlsafe import load_yaml_text
from planner.model.units import describe, parse_cpu, parse_memory, unknown_field_message


@pytest.mark.parametrize(
    ("value", "units"),
    [
        (256, 256),
        (0, 0),
        ("256", 256),
        (" 1024 ", 1024),
        ("0.25 vCPU", 256),
        ("1 vCPU", 1024),
        ("2 vcpu", 2048),
        ("2vCPU", 2048),
        ("4 VCPU", 4096),
        ("0.125 vCPU", 128),
        (".5 vCPU", 512),
    ],
)
def test_parse_cpu(value: object, units: int) -> None:
    assert parse_cpu(value) == units


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "got true"),  # a boolean is not a number
        (-1, "≥ 0"),
        ("abc", 'got "abc"'),
        ("0.3 vCPU", "307.2 CPU units"),  # not a whole number of units
        ("2.5", 'write "2.5 vCPU"'),  # bare fractions are not units
        ("1 GHz", "unknown unit 'ghz'"),
        (2.0, "got 2.0"),  # YAML floats are not units
        (None, "got null"),
        ("", 'got ""'),
        ("-256", 'got "-256"'),
        ([256], "got a list"),
    ],
)
def test_parse_cpu_refuses(value: object, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_cpu(value)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("value", "mib"),
    [
        (512, 512),
        ("512", 512),
        ("512 MiB", 512),
        ("512MB", 512),
        ("0.5 GB", 512),
        ("2 GB", 2048),
        ("2GB", 2048),
        ("1gb", 1024),
        ("3 GiB", 3072),
    ],
)
def test_parse_memory(value: object, mib: int) -> None:
    assert parse_memory(value) == mib


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (False, "got false"),
        (-1, "≥ 0"),
        ("0.3 GB", "307.2 MiB"),
        ("2.5", "whole number of MiB"),
        ("1 TB", "unknown unit 'tb'"),
        ({"memory": 1}, "got a mapping"),
    ],
)
def test_parse_memory_refuses(value: object, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_memory(value)
    assert message in str(info.value)


def test_describe() -> None:
    assert describe("four") == '"four"'
    assert describe(True) == "true"
    assert describe(None) == "null"
    assert describe(2.5) == "2.5"
    assert describe([1]) == "a list"
    assert describe({}) == "a mapping"
    assert describe("x" * 100).endswith('..."')


DOC = load_yaml_text("a:\n  b: 1\n  c: [1, 2]\n", file="doc.yaml")


def test_whole() -> None:
    assert whole(DOC, ("a", "b"), 3) == 3
    with pytest.raises(PlannerError) as info:
        whole(DOC, ("a", "b"), True)
    assert str(info.value) == "doc.yaml:2: a.b: must be a whole number ≥ 0, got true"
    with pytest.raises(PlannerError) as info:
        whole(DOC, ("a", "c", 1), 101, maximum=100, what="a whole percent")
    assert str(info.value) == "doc.yaml:3: a.c[1]: must be a whole percent from 0 to 100, got 101"


def test_port_number_text_boolean() -> None:
    assert port(DOC, ("a",), 65535) == 65535
    for bad in (0, 65536, "80", True):
        with pytest.raises(PlannerError, match="port number from 1 to 65535"):
            port(DOC, ("a",), bad)
    assert number(DOC, ("a",), 2) == 2.0
    for bad in (-0.5, float("nan"), float("inf"), "1", False):
        with pytest.raises(PlannerError, match="must be a number"):
            number(DOC, ("a",), bad)
    assert text(DOC, ("a",), "x") == "x"
    with pytest.raises(PlannerError, match='write "12" in quotes'):
        text(DOC, ("a",), 12)
    with pytest.raises(PlannerError, match="must not be empty"):
        text(DOC, ("a",), "  ")
    assert boolean(DOC, ("a",), False) is False
    with pytest.raises(PlannerError, match='got "yes"'):
        boolean(DOC, ("a",), "yes")


def test_one_of_suggests() -> None:
    assert one_of(DOC, ("a",), "ECS", ("ECS", "CODE_DEPLOY")) == "ECS"
    with pytest.raises(PlannerError, match=r"did you mean ECS\?"):
        one_of(DOC, ("a",), "ecs", ("ECS", "CODE_DEPLOY"))


def test_mapping_unknown_and_missing() -> None:
    assert mapping(DOC, (), DOC.data, ("a",)) == DOC.data
    with pytest.raises(PlannerError) as info:
        mapping(DOC, ("a",), DOC.data["a"], ("b", "cc"))
    assert str(info.value) == (
        "doc.yaml:3: a.c: unknown field; did you mean cc? allowed here: b, cc"
    )
    with pytest.raises(PlannerError) as info:
        mapping(DOC, ("a",), DOC.data["a"], ("b", "c", "d"), required=("d",))
    assert str(info.value) == "doc.yaml:1: a.d: is required but missing"
    with pytest.raises(PlannerError, match="must be a mapping, got a list"):
        mapping(DOC, ("a", "c"), [1, 2], ("x",))


def test_unknown_field_without_close_match() -> None:
    assert unknown_field_message("zzz", ("name", "count")) == (
        "unknown field; allowed here: name, count"
    )


def test_the_model_layer_imports_nothing_from_inputs() -> None:
    """planner.model is below planner.inputs: none of its modules imports one above it."""
    import ast
    from pathlib import Path

    model = Path(__file__).parent.parent / "planner" / "model"
    upward = []
    for path in sorted(model.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            upward += [(path.name, n) for n in names if n.startswith("planner.inputs")]
    assert upward == []


@pytest.mark.parametrize(
    ("text", "home"),
    [
        ("strategy rules, got", "model/scenario.py"),  # ECS's 5 placement strategy rules
        ("a whole percent", "model/units.py"),  # the deployment percents
        ("with first ≤ last", "model/scenario.py"),  # the dynamic port range
        ("instances (count)", "model/scenario.py"),  # instance ids against the count
        ("needs placement too", "model/scenario.py"),  # newPlacement beside placement
        ("must be at least {minimum}", "model/units.py"),  # a size's minimum
        ("must be a port number from 1", "model/units.py"),
    ],
)
def test_each_rule_is_worded_in_one_place(text: str, home: str) -> None:
    """The file's models, the located checkers, the tables and the dataclasses call one
    function per rule: its message is written in one module."""
    from pathlib import Path

    root = Path(__file__).parent.parent / "planner"
    found = sorted(str(p.relative_to(root)) for p in root.rglob("*.py") if text in p.read_text())
    assert found == [home]


@pytest.mark.parametrize(
    ("rule", "value", "ok"),
    [
        ("step", 3, True),
        ("step", 3.0, True),
        ("step", 12.5, True),
        ("step", 100.0, True),
        ("step", 2.9, False),  # ECS: 3.0 to 100.0
        ("step", 100.1, False),
        ("step", 12.25, False),  # not a multiple of 0.1
        ("step", True, False),
        ("step", "10", False),
        ("step", float("nan"), False),
        ("canary", 0.1, True),
        ("canary", 0.3, True),
        ("canary", 5, True),
        ("canary", 0, False),  # ECS: 0.1 to 100.0
        ("canary", 0.05, False),
    ],
)
def test_a_traffic_percent_is_ecss_double_in_tenths(rule, value, ok):
    from planner.model.units import CANARY_PERCENT, STEP_PERCENT

    found = (STEP_PERCENT if rule == "step" else CANARY_PERCENT).problem(value)
    assert (found is None) == ok, found
    if not ok:
        assert found.startswith("must be a percent from ")
        assert found.endswith(f"to 100 in steps of 0.1, got {describe(value)}")
