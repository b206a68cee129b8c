"""planner.deciding.tables: capacity tables, the counting shortcut and its agreement with the
solver."""

import json
import random
import re
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from planner.cli import app
from planner.deciding import tables
from planner.deciding.tables import (
    Cell,
    Configuration,
    TaskSize,
    capacity_table,
    count_rollout,
    counted_instances,
    task_slots,
)
from planner.errors import PlannerError
from planner.inputs import table_spec
from planner.inputs.yamlsafe import load_yaml_text
from planner.model.catalog import get_instance_type
from planner.model.problem import Footprint
from planner.model.rollout import simulate
from planner.model.scenario import Agent
from planner.outputs import table_text

ROOT = Path(__file__).resolve().parent.parent
SPECS = sorted((ROOT / "scenarios" / "tables").glob("*.table.yml"))
CONTRACT_COLUMNS = [
    "instanceType",
    "cpu",
    "memory",
    "desiredCount",
    "minimumHealthyPercent",
    "maximumPercent",
    "hostPort",
    "steadyInstances",
    "possibleInstances",
    "safeInstances",
    "hourlyCost",
]
COUNTS = ["steadyInstances", "possibleInstances", "safeInstances"]
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def one(
    type_, cpu, memory, desired, mn=100, mx=200, port="dynamic", agent=None, strategy=None, new=None
):
    """The single row of a one-cell table."""
    config = {"minimumHealthyPercent": mn, "maximumPercent": mx}
    if strategy:
        config = {"strategy": strategy}
    task = {"cpu": cpu, "memory": memory}
    if new:
        task["new"] = new
    spec = {
        "instanceTypes": [type_],
        "tasks": [task],
        "desiredCounts": [desired],
        "deploymentConfigurations": [config],
        "hostPorts": [port],
        "agent": agent or {},
    }
    df = capacity_table(spec, jobs=1)
    assert len(df) == 1
    return tables.records(df)[0]


def counts(row):
    return row["steadyInstances"], row["possibleInstances"], row["safeInstances"]


# ---------------------------------------------------------------- known cells


def test_seed_case_3_three_tasks_on_t2_micro():
    """The agent keeps 256 units: a t2.micro holds three 256-unit tasks, and the rollout
    needs a second instance for the new ones (ROLLOUT.md §1, third case)."""
    row = one("t2.micro", 256, 128, 3, agent={"reservedCpu": 256})
    assert row["tasksPerInstance"] == 3
    assert counts(row) == (1, 2, 2)
    assert row["hourlyCost"] == pytest.approx(2 * 0.0116)
    assert row["method"] == "counting"


@pytest.mark.parametrize(
    ("args", "kw", "expected"),
    [
        # t3.small registers 1,895 MiB: one 1,024-MiB task each; one spare slot suffices
        (("t3.small", 512, 1024, 2), {}, (2, 3, 3)),
        # a fixed host port: one task per instance, one spare instance for the surge
        (("t3.medium", 256, 512, 4), {"port": "fixed"}, (4, 5, 5)),
        # ... unless half may stop first: 50 / 100 replaces in place
        (("t3.medium", 256, 512, 4), {"port": "fixed", "mn": 50, "mx": 100}, (4, 4, 4)),
        # 100 / 100 leaves no room at all: no count helps
        (("t3.medium", 256, 512, 4), {"port": "fixed", "mx": 100}, (4, None, None)),
        # min 0: stop, then start, on the one instance
        (("t3.medium", 256, 512, 1), {"port": "fixed", "mn": 0, "mx": 100}, (1, 1, 1)),
        # c5.large: 3 ENIs, the primary one serves the instance: 2 awsvpc tasks each
        (("c5.large", 256, 512, 4), {"port": "awsvpc"}, (2, 3, 3)),
        # ... with trunking, 10 each: the surge fits beside the running tasks
        (
            ("c5.large", 256, 512, 4),
            {"port": "awsvpc", "agent": {"awsvpcTrunking": True}},
            (1, 1, 1),
        ),
        # blue/green needs room for both sets: 2 × 3 tasks at 3 per t2.micro
        (
            ("t2.micro", 256, 128, 3),
            {"strategy": "BLUE_GREEN", "agent": {"reservedCpu": 256}},
            (1, 2, 2),
        ),  # fmt: skip
        (
            ("t2.micro", 256, 128, 4),
            {"strategy": "BLUE_GREEN", "agent": {"reservedCpu": 256}},
            (2, 3, 3),
        ),  # fmt: skip
        # the agent keeps 900 MiB of a t3.small: 995 left, one 512-MiB task each
        (("t3.small", 256, 512, 2), {"agent": {"reservedMemory": 900}}, (2, 3, 3)),
        # a t2.micro registers 993 MiB: a 1,024-MiB task fits nowhere
        (("t2.micro", 256, 1024, 2), {}, (None, None, None)),
        # the fixed port is reserved by the agent: fits nowhere
        (
            ("t3.medium", 256, 512, 2),
            {"port": "fixed", "agent": {"reservedPorts": [8080]}},
            (None, None, None),
        ),  # fmt: skip
    ],
)
def test_cells_worked_by_hand(args, kw, expected):
    row = one(*args, **kw)
    assert counts(row) == expected
    if expected[2] is None:
        assert row["hourlyCost"] is None
    else:
        price = get_instance_type(args[0]).hourly_usd
        assert row["hourlyCost"] == pytest.approx(expected[2] * price)


def test_new_task_size_goes_to_the_solver():
    # 2 tasks going from 512 to 1,024 units on t3.small (2,048 units, 1,895 MiB):
    # two old tasks share an instance; two new ones do not fit beside an old one
    row = one("t3.small", 512, 512, 2, new={"cpu": 1024})
    assert row["method"] == "solver"
    assert (row["newCpu"], row["newMemory"]) == (1024, 512)
    assert counts(row) == (1, 2, 2)


# ---------------------------------------------------------------- counting


def test_count_rollout_small_cases():
    assert count_rollout(1, 1, 1, 10) is None  # min 100, max 150: the seed's first case
    assert count_rollout(1, 1, 2, 2) == 2  # start the new one, then stop the old one
    assert count_rollout(1, 0, 1, 1) == 1  # stop, start in one wave
    assert count_rollout(3, 3, 6, 3) is None  # no free slot, nothing may stop
    assert count_rollout(3, 3, 6, 6) == 2
    assert count_rollout(3, 3, 6, 6, all_at_once=True) == 2
    assert count_rollout(3, 3, 6, 5, all_at_once=True) is None
    assert count_rollout(0, 0, 0, 0) == 0


def test_counted_instances_edges():
    assert counted_instances(3, 3, 6, 0) == (None, None, None)
    assert counted_instances(0, 0, 0, 3) == (0, 0, 0)
    assert counted_instances(3, 3, 6, 3) == (1, 2, 2)
    assert counted_instances(3, 3, 3, 3) == (1, None, None)


def _random_cells(rng, n):
    types = [get_instance_type(t) for t in ("t2.micro", "t3.small", "c5.large")]
    agents = [
        Agent(),
        Agent(reserved_cpu=256),
        Agent(reserved_memory=300, awsvpc_trunking=True),
    ]
    out = []
    for _ in range(n):
        cpu, memory = rng.choice([(256, 128), (512, 512), (0, 256), (1024, 900)])
        out.append(
            Cell(
                rng.choice(types),
                TaskSize(cpu, memory, cpu, memory),
                rng.randint(1, 6),
                Configuration(rng.choice([0, 25, 50, 100]), rng.choice([100, 125, 150, 200])),
                rng.choice(table_spec.HOST_PORT_MODES),
                rng.choice(agents),
            )
        )
    return out


def test_counted_waves_are_the_engines_default_run():
    """count_rollout is ECS's default run, counted: same end and same number of waves."""
    for cell in _random_cells(random.Random(5), 150):
        inst = cell.instance()
        slots = task_slots(inst, Footprint.of(cell.taskdef(cell.task.cpu, cell.task.memory)))
        if slots == 0:
            continue
        lower, upper = cell.bounds
        for n in range(-(-cell.desired // slots), cell.desired + 3):
            run = simulate(cell.problem(n))
            waves = count_rollout(cell.desired, lower, upper, n * slots)
            assert (waves is not None) == run.complete, cell
            if run.complete:
                assert waves == len(run.waves), cell


SWEEP = {
    "instanceTypes": ["t2.micro", "t3.small", "c5.large"],
    "tasks": [
        {"cpu": 256, "memory": 128},
        {"cpu": 512, "memory": 900},
        {"cpu": 0, "memory": 300},
        {"cpu": 512, "memory": 1000},  # more than a t2.micro registers
    ],
    "desiredCounts": [1, 2, 3, 5],
    "deploymentConfigurations": [
        {"minimumHealthyPercent": 100, "maximumPercent": 200},
        {"minimumHealthyPercent": 50, "maximumPercent": 100},
        {"minimumHealthyPercent": 0, "maximumPercent": 150},
        {"minimumHealthyPercent": 100, "maximumPercent": 150},
        {"minimumHealthyPercent": 67, "maximumPercent": 134},
        {"strategy": "BLUE_GREEN"},
    ],
    "hostPorts": ["dynamic", "fixed", "awsvpc"],
}


@pytest.mark.parametrize(
    "agent",
    [{"reservedCpu": 256}, {"reservedMemory": 400, "awsvpcTrunking": True}],
    ids=["reserved-cpu", "reserved-memory-trunking"],
)
def test_counting_and_solver_agree_on_every_cell_of_a_sweep(agent):
    """Every cell by counting, then by the verdict engine with no shortcut (CP-SAT)."""
    spec = SWEEP | {"agent": agent}
    counted = capacity_table(spec, jobs=1)
    solved = capacity_table(spec, jobs=1, counting=False)
    assert len(counted) == 3 * 4 * 4 * 6 * 3
    assert set(counted["method"]) == {"counting"} and set(solved["method"]) == {"solver"}
    for col in COUNTS:
        mismatch = counted[col].ne(solved[col]).fillna(counted[col].isna() != solved[col].isna())
        assert not mismatch.any(), counted[mismatch.astype(bool)].iloc[:3].to_dict("records")
    # the sweep is not trivial: empty cells, cells that never complete, extra instances
    assert counted["steadyInstances"].isna().any()
    assert (counted["steadyInstances"].notna() & counted["safeInstances"].isna()).any()
    assert (counted["safeInstances"] > counted["steadyInstances"]).any()


# ---------------------------------------------------------------- the table


def test_columns_cross_product_and_cheapest():
    spec = ROOT / "scenarios" / "tables" / "web-tier.table.yml"
    df = capacity_table(spec, jobs=1)
    assert list(df.columns)[: len(tables.COLUMNS)] == list(tables.COLUMNS)
    assert set(CONTRACT_COLUMNS) <= set(df.columns)
    assert len(df) == 5 * 3 * 3 * 2 * 3
    keys = list(tables.GROUP_KEY)
    for _, group in df.groupby(keys, sort=False):
        priced = group[group["hourlyCost"].notna()]
        marked = group[group["cheapest"]]
        if priced.empty:
            assert marked.empty
            continue
        assert len(marked) == 1
        assert marked["hourlyCost"].iloc[0] == priced["hourlyCost"].min()
    assert (
        df["hourlyCost"]
        .dropna()
        .equals((df["safeInstances"] * df["hourlyUsd"]).dropna().round(4).astype("float64"))
    )
    assert set(df["method"]) == {"counting", "solver"}  # the `new` task goes to the solver


def test_parallel_equals_serial():
    spec = {
        "instanceTypes": ["t3.small", "c5.large"],
        "tasks": [{"cpu": 512, "memory": 512, "new": {"cpu": 1024}}],
        "desiredCounts": [1, 2, 3],
        "hostPorts": ["dynamic", "fixed"],
    }
    serial = capacity_table(spec, jobs=1)
    parallel = capacity_table(spec, jobs=2, progress=True)
    pd.testing.assert_frame_equal(serial, parallel)


def test_cell_at_is_the_kth_cell():
    spec = table_spec.load_table_spec(ROOT / "scenarios/tables/web-tier.table.yml")
    every = list(tables.cells(spec))
    assert len(every) == spec.n_cells > 1
    assert [tables.cell_at(spec, k) for k in range(len(every))] == every


@pytest.mark.parametrize("path", SPECS, ids=[p.name for p in SPECS])
def test_shipped_specs(path):
    df = capacity_table(path, jobs=1)
    assert len(df) == table_spec.load_table_spec(path).n_cells
    assert df["safeInstances"].notna().any()


def test_fleet_1000_is_counted():
    spec = table_spec.load_table_spec(ROOT / "scenarios" / "tables" / "fleet-1000.table.yml")
    assert spec.n_cells == 1000
    df = capacity_table(spec, jobs=1)
    assert set(df["method"]) == {"counting"}


# ---------------------------------------------------------------- the spec


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        # a typo in an instance type names the closest one
        (
            "instanceTypes: [t3.mediun]\ntasks: [{cpu: 1, memory: 1}]\ndesiredCounts: [1]\n",
            "1: instanceTypes[0]",
            "did you mean t3.medium",
        ),  # fmt: skip
        # desired counts start at 1
        (
            "instanceTypes: [t3.small]\ntasks: [{cpu: 1, memory: 1}]\ndesiredCounts: [2, 0]\n",
            "3: desiredCounts[1]",
            "≥ 1",
        ),  # fmt: skip
        # a task needs memory
        (
            "instanceTypes: [t3.small]\ntasks:\n  - {cpu: 256}\ndesiredCounts: [1]\n",
            "3: tasks[0].memory",
            "required",
        ),  # fmt: skip
        # host-port modes are a closed list
        (
            "instanceTypes: [t3.small]\ntasks: [{cpu: 1, memory: 1}]\ndesiredCounts: [1]\n"
            "hostPorts: [Fixed]\n",
            "4: hostPorts[0]",
            "did you mean fixed",
        ),  # fmt: skip
        # percents as in a scenario
        (
            "instanceTypes: [t3.small]\ntasks: [{cpu: 1, memory: 1}]\ndesiredCounts: [1]\n"
            "deploymentConfigurations:\n  - {minimumHealthyPercent: 101}\n",
            "5: deploymentConfigurations[0].minimumHealthyPercent",
            "from 0 to 100",
        ),  # fmt: skip
        # agent fields as in a scenario
        (
            "instanceTypes: [t3.small]\ntasks: [{cpu: 1, memory: 1}]\ndesiredCounts: [1]\n"
            "agent: {reservedCPU: 256}\n",
            "4: agent.reservedCPU",
            "did you mean reservedCpu",
        ),  # fmt: skip
        # unknown top-level fields are refused
        (
            "instanceTypes: [t3.small]\ntasks: [{cpu: 1, memory: 1}]\ndesiredCounts: [1]\n"
            "desiredCount: [1]\n",
            "4: desiredCount",
            "did you mean desiredCounts",
        ),  # fmt: skip
        # a missing list
        (
            "instanceTypes: [t3.small]\ntasks: [{cpu: 1, memory: 1}]\n",
            "desiredCounts",
            "required",
        ),  # fmt: skip
        # an empty list
        (
            "instanceTypes: []\ntasks: [{cpu: 1, memory: 1}]\ndesiredCounts: [1]\n",
            "1: instanceTypes",
            "at least one",
        ),  # fmt: skip
        # zones are named once each
        (
            "instanceTypes: [t3.small]\ntasks: [{cpu: 1, memory: 1}]\ndesiredCounts: [1]\n"
            "availabilityZones: [a, b, a]\n",
            "4: availabilityZones[2]",
            "already listed",
        ),  # fmt: skip
        # and an empty list of zones is a mistake, not "no zones"
        (
            "instanceTypes: [t3.small]\ntasks: [{cpu: 1, memory: 1}]\ndesiredCounts: [1]\n"
            "availabilityZones: []\n",
            "4: availabilityZones",
            "at least one",
        ),  # fmt: skip
        # a new size's fields
        (
            "instanceTypes: [t3.small]\ntasks: [{cpu: 1, memory: 1, new: {cpus: 2}}]\n"
            "desiredCounts: [1]\n",
            "2: tasks[0].new.cpus",
            "did you mean cpu",
        ),  # fmt: skip
    ],
)
def test_bad_specs_name_line_and_field(text, where, message):
    with pytest.raises(PlannerError) as err:
        table_spec.table_spec_from_data(load_yaml_text(text, file="t.table.yml"))
    assert f"t.table.yml:{where}" in str(err.value) or where in str(err.value)
    assert message in str(err.value)


def test_too_many_cells_is_refused():
    data = {
        "instanceTypes": ["t3.small"] * 10,
        "tasks": [{"cpu": 256, "memory": 256}] * 100,
        "desiredCounts": list(range(1, 101)),
        "hostPorts": ["dynamic", "fixed"],
    }
    with pytest.raises(PlannerError, match="200,000 cells"):
        capacity_table(data)


def test_sizes_in_ecs_words():
    spec = table_spec.table_spec_from_data(
        load_yaml_text(
            'instanceTypes: [m5.large]\ntasks: [{cpu: "0.5 vCPU", memory: "1 GB"}]\n'
            "desiredCounts: [1]\n"
        )
    )
    assert spec.tasks[0] == TaskSize(512, 1024, 512, 1024)
    assert spec.name == "<string>"


# ---------------------------------------------------------------- command line

SEED_SPEC = ROOT / "scenarios" / "tables" / "seed-t2-micro.table.yml"


def test_cli_formats(tmp_path):
    res = run("table", SEED_SPEC, "--format", "json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    row = next(
        r
        for r in rows
        if r["desiredCount"] == 3 and r["hostPort"] == "dynamic" and r["maximumPercent"] == 200
    )
    assert (row["steadyInstances"], row["safeInstances"]) == (1, 2)
    assert any(r["safeInstances"] is None and r["hourlyCost"] is None for r in rows)

    res = run("table", SEED_SPEC, "--format", "csv")
    lines = res.stdout.splitlines()
    assert lines[0].split(",")[:3] == ["instanceType", "cpu", "memory"]
    assert set(CONTRACT_COLUMNS) <= set(lines[0].split(","))
    assert len(lines) == 1 + 20
    assert any(",,," in line for line in lines[1:])  # empty cells, not NaN
    assert "nan" not in res.stdout.lower()

    res = run("table", SEED_SPEC, "--format", "markdown")
    assert res.stdout.startswith("| instanceType | cpu |")
    assert res.stdout.splitlines()[1].startswith("|:---|---:|")

    out = tmp_path / "t.html"
    res = run("table", SEED_SPEC, "--format", "html", "--output", out)
    assert res.exit_code == 0
    html = out.read_text()
    assert html.startswith("<!doctype html>") and '<td class="key">t2.micro</td>' in html
    assert "nan" not in html and "True" not in html and "False" not in html


def test_cli_text_recommends_the_cheapest_type():
    res = run("table", ROOT / "scenarios" / "tables" / "web-tier.table.yml", "--jobs", "1")
    assert res.exit_code == 0, res.output
    assert "Cheapest type" in res.stdout and "★" in res.stdout
    res = run("table", SEED_SPEC)  # one type: nothing to choose between
    assert "Cheapest type" not in res.stdout


def test_cli_bad_spec_exits_2(tmp_path):
    bad = tmp_path / "bad.table.yml"
    bad.write_text("instanceTypes: [t3.small]\ntasks: [{cpu: 1}]\ndesiredCounts: [1]\n")
    res = run("table", bad)
    assert res.exit_code == 2
    assert "bad.table.yml:2: tasks[0].memory" in res.stderr
    assert "Traceback" not in res.output
    assert run("table", tmp_path / "missing.yml").exit_code == 2
    assert run("table", SEED_SPEC, "--format", "xml").exit_code == 2


def test_ecs_placement_never_needs_more_instances_than_any():
    """A fleet safe whatever ECS chooses is safe with its scheduler too (ROLLOUT.md §8)."""
    spec = {
        "instanceTypes": ["t3.medium", "c5.large"],
        "tasks": [{"cpu": 512, "memory": 512, "new": {"cpu": 1024}}],
        "desiredCounts": [2, 3],
        "deploymentConfigurations": [
            {"minimumHealthyPercent": 100, "maximumPercent": 200},
            {"minimumHealthyPercent": 50, "maximumPercent": 100},
        ],
    }
    anyp = tables.capacity_table(spec, jobs=1)
    ecs = tables.capacity_table(spec, jobs=1, placement="ecs")
    assert len(anyp) == len(ecs) == 8
    assert (anyp.attrs["placement"], ecs.attrs["placement"]) == ("any", "ecs")
    compared = 0
    for a, e in zip(anyp.safeInstances, ecs.safeInstances, strict=True):
        if a is not pd.NA and e is not pd.NA:
            assert e <= a
            compared += 1
    assert compared >= 6


def test_the_whole_table_keeps_its_time_limit():
    """Past the table's total limit a solver cell answers nothing more and says why;
    counting cells are still counted (no solver needed)."""
    spec = {
        "instanceTypes": ["t3.small"],
        "tasks": [{"cpu": 512, "memory": 512, "new": {"cpu": 1024}}, {"cpu": 256, "memory": 256}],
        "desiredCounts": [2],
    }
    df = tables.capacity_table(spec, jobs=1, total_time_limit=0.0)
    solver, counted = df.iloc[0], df.iloc[1]
    assert solver["method"].startswith("solver (time limit") and pd.isna(solver["safeInstances"])
    assert counted["method"] == "counting" and not pd.isna(counted["safeInstances"])
    full = tables.capacity_table(spec, jobs=1, total_time_limit=60)
    assert full.iloc[0]["method"] == "solver" and full.iloc[0]["safeInstances"] == 2


def test_cells_cut_by_the_time_limit_are_called_undecided_not_unsafe():
    spec = {
        "instanceTypes": ["t3.small"],
        "tasks": [{"cpu": 512, "memory": 512, "new": {"cpu": 1024}}],
        "desiredCounts": [2],
    }
    df = tables.capacity_table(spec, jobs=1, total_time_limit=0.0)
    console = Console(record=True, width=200)
    table_text.render_table(df, console)
    text = console.export_text()
    assert "1 where the time limit came before a safe count was found: undecided" in text
    assert "no instance count makes the rollout safe" not in text


def test_the_architecture_is_shown_where_types_differ_in_it():
    spec = {
        "instanceTypes": ["m5.large", "m6g.large"],
        "tasks": [{"cpu": 512, "memory": 1024}],
        "desiredCounts": [4],
    }
    df = tables.capacity_table(spec, jobs=1)
    assert list(df["arch"]) == ["x86_64", "arm64"]
    console = Console(record=True, width=200)
    table_text.render_table(df, console)
    text = console.export_text()
    best = df[df["cheapest"]].iloc[0]
    assert f"× {best['instanceType']} ({best['arch']})" in text
    assert "an arm64 type needs images built for arm64" in text
    one = tables.capacity_table({**spec, "instanceTypes": ["m5.large"]}, jobs=1)
    console = Console(record=True, width=200)
    table_text.render_table(one, console)
    assert "arm64" not in console.export_text()


WIDE_SPEC = {
    "name": "wide",
    "instanceTypes": ["t3.medium", "m5.large", "m6g.large", "c5.xlarge", "r5.2xlarge"],
    "tasks": [{"cpu": 256, "memory": 512}, {"cpu": 1024, "memory": 3072}],
    "desiredCounts": [3, 40],
    "deploymentConfigurations": [
        {"minimumHealthyPercent": 100, "maximumPercent": 200},
        {"minimumHealthyPercent": 50, "maximumPercent": 125},
    ],
    "hostPorts": ["dynamic", "fixed", "awsvpc"],
}


@pytest.mark.parametrize("width", [100, 80, 200])
@pytest.mark.parametrize("spec", ["wide", "seed-t2-micro"])
def test_text_never_cuts_a_name_or_a_number(spec, width, tmp_path):
    """``planner table`` at COLUMNS=100 and 80: a table that does not fit stacks its
    headers' words (seed-t2-micro at 100), and one that still does not (the wide spec needs
    about 130) shows the rows grouped by combination, one line per type; every type name,
    count and cost of the data is in the text whole, and nothing is elided."""
    path = ROOT / "scenarios" / "tables" / f"{spec}.table.yml"
    if spec == "wide":
        path = tmp_path / "wide.table.yml"
        path.write_text(json.dumps(WIDE_SPEC))
    df = capacity_table(path, jobs=1)
    res = runner.invoke(app, ["table", str(path)], env={"COLUMNS": str(width)})
    assert res.exit_code == 0, res.output
    text = res.stdout
    assert "…" not in text
    words = set(re.split(r"[\s│┃,;:()/×]+", text))
    rows = tables.records(df)
    expected = {r["instanceType"] for r in rows} | {r["arch"] for r in rows}
    for r in rows:
        expected |= {str(r[c]) for c in ("cpu", "memory", "desiredCount", "minimumHealthyPercent",
                                        "maximumPercent", "hostPort")}  # fmt: skip
        expected |= {str(r[c]) for c in COUNTS + ["tasksPerInstance"] if r[c] is not None}
        if r["hourlyCost"] is not None:
            expected.add(f"{r['hourlyCost']:.4f}")
    if spec == "seed-t2-micro":  # one architecture: not shown
        expected -= {r["arch"] for r in rows}
    assert expected - words == set()
    for line in text.splitlines():
        assert len(line.rstrip()) <= width
    if "each line:" in text:  # the grouped layout: each type's values together on its line
        for r in rows:
            line = f"{r['instanceType']} {r['arch']}" if spec == "wide" else r["instanceType"]
            safe = "—" if r["safeInstances"] is None else r["safeInstances"]
            assert any(x.strip().startswith(line) and f"safe {safe}" in x
                       for x in text.splitlines()), line  # fmt: skip
    assert ("each line:" in text) == (width == 80 or (spec == "wide" and width == 100))


def test_a_failed_cell_is_marked_and_the_command_exits_4(monkeypatch, tmp_path):
    """A solver cell that raises is kept, marked failed with its error, its counts empty;
    the others are answered; the table is printed and the exit code is 4."""
    real = tables.solved_instances

    def breaks_on_three(cell, **kw):
        if cell.desired == 3:
            raise RuntimeError("the solver broke")
        return real(cell, **kw)

    monkeypatch.setattr(tables, "solved_instances", breaks_on_three)
    spec = tmp_path / "t.table.yml"
    spec.write_text(
        "instanceTypes: [t3.small]\ntasks: [{cpu: 512, memory: 512, new: {cpu: 1024}}]\n"
        "desiredCounts: [2, 3]\n"
    )
    res = CliRunner().invoke(app, ["table", str(spec), "-f", "json", "--jobs", "1"])
    assert res.exit_code == 4
    rows = json.loads(res.stdout)
    assert [r["method"] for r in rows] == ["solver", "failed: RuntimeError: the solver broke"]
    assert rows[0]["safeInstances"] is not None and rows[1]["safeInstances"] is None
    assert "1 cells failed" in res.stderr


def test_the_deciding_layer_imports_no_output_module():
    """deciding/ computes; outputs/ draws what it computed: no import points upward."""
    import ast

    upward = []
    for path in sorted((ROOT / "planner" / "deciding").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            upward += [
                f"{path.name}: {n}"
                for n in names
                if n.startswith(("planner.outputs", "planner.cli"))
            ]
    assert not upward


# ---------------------------------------------------------------- losing a zone


def test_zone_safe_column_is_the_least_fleet_that_survives_a_zone(tmp_path):
    """``availabilityZones`` adds ``zoneSafeInstances``: the least fleet, spread round-robin
    over the zones, that holds every task after losing any one (ROLLOUT.md §10), worked by
    hand; empty where the spec names no zones; the engine's own search agrees."""
    from planner import InstanceGroup, Scenario, Service, TaskDefinition
    from planner.deciding.zones import zone_losses

    spec = {
        "instanceTypes": ["m5.large"],
        "tasks": [{"cpu": 512, "memory": 1024}, {"cpu": 512, "memory": 1024, "new": {"cpu": 1024}}],
        "desiredCounts": [4, 9],
        "availabilityZones": ["a", "b", "c"],
    }
    df = capacity_table(spec, jobs=1)
    got = {(r["newCpu"], r["desiredCount"]): r["zoneSafeInstances"] for r in tables.records(df)}
    # m5.large: 4 tasks of 512 units, 2 of 1,024. Four tasks: two instances (a, b) leave one
    # of 4 slots; nine: five (a, b, c, a, b) leave three of 12. With the new size too:
    # 4 tasks need two survivors (three instances: a, b, c), 9 need five (eight: seven
    # put three in zone a, leaving four).
    assert got == {(512, 4): 2, (512, 9): 5, (1024, 4): 3, (1024, 9): 8}
    assert list(df.columns)[-1] == "zoneSafeInstances"
    no_zones = capacity_table({k: v for k, v in spec.items() if k != "availabilityZones"}, jobs=1)
    assert no_zones["zoneSafeInstances"].isna().all()
    m5 = get_instance_type("m5.large")
    td = TaskDefinition(512, 1024, dynamic_ports=1)
    fleet = InstanceGroup("m5.large", m5.cpu_units, m5.memory_mib, 3, zones=("a", "b", "c"))
    found = zone_losses(Scenario("cell", (fleet,), (Service("s", 9, td, td),)), time_limit=30)
    assert found.least_fleet == [{"type": "m5.large", "count": got[512, 9]}]
    path = tmp_path / "z.table.yml"
    path.write_text(json.dumps(spec))
    res = runner.invoke(app, ["table", str(path)], env={"COLUMNS": "200"})
    assert res.exit_code == 0 and "zone-safe" in res.stdout
