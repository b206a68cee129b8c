"""Every shipped scenario gives the verdict its ``expect:`` field states.

The seed's three cases and their fixes (ROLLOUT.md §1), the at-risk example (§4), the
realistic examples and the public hang reports written as scenarios.
"""

from pathlib import Path

import pytest

import planner

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "scenarios").rglob("*.yaml"))
EXPECT = {f: planner.load_scenario(f).expect for f in FILES}
#: Those that state their verdict with ECS's scheduler as configured (ROLLOUT.md §8).
ECS_FILES = [f for f in FILES if EXPECT[f] is not None and EXPECT[f].placement_ecs is not None]


def test_every_scenario_states_what_it_expects():
    assert len(FILES) >= 30
    for f in FILES:
        assert EXPECT[f] is not None, f
        assert "# expect" not in f.read_text(), f  # the field, not a comment beside it


@pytest.mark.parametrize("path", FILES, ids=[str(f.relative_to(ROOT)) for f in FILES])
def test_shipped_scenario(path):
    expect = EXPECT[path]
    result = planner.solve(planner.load_scenario(path), time_limit=60)
    assert result.verdict == expect.verdict, result.proof
    if expect.outcome:  # a cluster that reacts (ROLLOUT.md §10): how it ends
        assert result.outcome is not None and result.outcome["kind"] == expect.outcome
    assert set(expect.reasons) <= set(result.reasons)
    kind = (result.outcome or {}).get("kind")
    assert expect.unmet(result.verdict, result.reasons, kind) == []
    if expect.verdict == "safe":
        assert result.reasons == [] and result.plan is not None
    else:
        assert result.dead_state is not None and result.dead_state.blocked


def test_some_scenarios_state_their_verdict_with_ecs_placement():
    assert len(ECS_FILES) >= 4


@pytest.mark.parametrize("path", ECS_FILES, ids=[str(f.relative_to(ROOT)) for f in ECS_FILES])
def test_shipped_scenario_with_ecs_placement(path):
    verdict = EXPECT[path].placement_ecs
    result = planner.solve(planner.load_scenario(path), time_limit=60, placement="ecs")
    assert (result.verdict, result.placement) == (verdict, "ecs"), result.proof


def test_seed_case_3_minimum_is_two():
    result = planner.solve(planner.load_scenario(ROOT / "scenarios/seed/cpu-units-minimum.yaml"))
    assert result.minimum["possible"] == [{"type": "t2.micro", "count": 2}]
    assert result.minimum["safe"] == [{"type": "t2.micro", "count": 2}]
    assert result.instances == [{"type": "t2.micro", "count": 2}]
    assert result.verdict == "safe"


def test_hang_messages_name_the_instance_in_ecs_words():
    result = planner.solve(planner.load_scenario(ROOT / "scenarios/seed/port-conflict.yaml"))
    [b] = result.dead_state.blocked
    assert b.reason == "port" and b.instance == 0
    assert b.message.endswith(
        "The closest matching container-instance 0 is already using a port required by your task."
    )
    assert result.dead_state.wave == 1
    assert any("dynamic host port" in f for f in result.fixes)
    assert any("one more t3.small" in f for f in result.fixes)


def test_member_of_names_the_constraint_and_fixes_name_the_zone():
    path = ROOT / "scenarios/examples/member-of-excludes-room.yaml"
    result = planner.solve(planner.load_scenario(path))
    [b] = result.dead_state.blocked
    assert (b.reason, b.instance) == ("placement-constraint", 0)
    assert b.message.endswith(
        "The closest matching container-instance 0 encountered error "
        '"MemberOf placement constraint unsatisfied."'
    )
    assert "memberOf(attribute:ecs.instance-type =~ m5.*) keeps api off it" in b.detail
    assert "one more m5.large in us-east-1a (placement by ECS's spread)" in result.fixes
    data = result.to_json()
    assert data["zones"] == ["us-east-1a", "us-east-1a", "us-east-1b"]
    assert "instanceIds" not in data  # planner names them; the scenario did not


def test_zones_attributes_and_ids_reach_the_instances():
    from planner.model.problem import compile_problem

    p = compile_problem(planner.load_scenario(ROOT / "tests/data/full.yaml"))
    first, second, box = p.instances[0], p.instances[1], p.instances[2]
    assert (first.label, first.zone, second.label, second.zone) == (
        "i-0a1",
        "us-east-1a",
        "i-0b1",
        "us-east-1b",
    )
    assert dict(first.attributes) == {
        "ecs.os-type": "linux",
        "ec2InstanceId": "i-0a1",
        "ecs.instance-type": "t3.medium",
        "ecs.availability-zone": "us-east-1a",
        "ecs.cpu-architecture": "x86_64",
        "team": "payments",
        "generation": "3",
    }
    assert box.zone == "dc-1" and "ecs.instance-type" not in dict(box.attributes)
    # api's memberOf admits the payments instances and the box in dc-1, not the spare
    api = [s.name for s in p.services].index("api")
    excluded = [any(r.what.startswith("memberOf") and r.new[api] for r in rows) for rows in p.rows]
    assert excluded == [False, False, False, True]
