"""Objects built in Python refuse bad values when built, with the messages files get."""

from dataclasses import replace

import pytest

import planner
from planner.deciding.verdicts import Verdict
from planner.errors import PlannerError
from planner.model.scenario import Agent, InstanceGroup, Scenario, Service, TaskDefinition, Timing

TD = TaskDefinition(256, 512)


def test_the_building_blocks_are_planners_public_names():
    """The messages say ``planner.Service``: that is what a library user types."""
    for cls in (Agent, InstanceGroup, Scenario, Service, TaskDefinition, Timing, Verdict):
        assert getattr(planner, cls.__name__) is cls
    with pytest.raises(PlannerError, match="planner.Service: minimum_healthy_percent"):
        planner.Service("api", 2, TD, TD, minimum_healthy_percent=150)


SVC = Service("api", 2, TD, TD)
GROUP = InstanceGroup("t3.small", 2048, 1900, 2)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        # the three: a percent over 100, a negative maximum, a misspelt strategy
        (
            lambda: replace(SVC, minimum_healthy_percent=150),
            "planner.Service: minimum_healthy_percent: must be a whole percent from 0 to "
            "100, got 150",
        ),
        (
            lambda: replace(SVC, maximum_percent=-5),
            "planner.Service: maximum_percent: must be a whole percent ≥ 0, got -5",
        ),
        (
            lambda: replace(SVC, strategy="ROLLNG"),
            'strategy: must be one of ROLLING, BLUE_GREEN, LINEAR, CANARY, got "ROLLNG" '
            "(did you mean ROLLING?)",
        ),
        # a count as text, a float, a bool
        (
            lambda: replace(SVC, desired_count="four"),
            'desired_count: must be a whole number ≥ 0, got "four"',
        ),
        (
            lambda: replace(SVC, desired_count=2.0),
            "desired_count: must be a whole number ≥ 0, got 2.0",
        ),
        (lambda: replace(SVC, deploy="yes"), 'deploy: must be true or false, got "yes"'),
        (lambda: replace(SVC, name=" "), "name: must not be empty"),
        (
            lambda: replace(SVC, task_definition={"cpu": 256}),
            "task_definition: must be a TaskDefinition, got dict",
        ),
        (lambda: replace(SVC, scheduling_strategy="daemon"), "(did you mean DAEMON?)"),
        (lambda: replace(SVC, deployment_controller="EXTERNAL"), "must be one of ECS, CODE_DEPLOY"),
        (
            lambda: replace(SVC, placement=(1, -1)),
            "placement[1]: must be a whole number ≥ 0, got -1",
        ),
        (
            lambda: replace(SVC, step_percent=0),
            "step_percent: must be a percent from 3 to 100 in steps of 0.1, got 0",
        ),
        (
            lambda: replace(SVC, strategy="CANARY", canary_percent=12.55),
            "canary_percent: must be a percent from 0.1 to 100 in steps of 0.1, got 12.55",
        ),
        # task definitions
        (
            lambda: TaskDefinition(-1, 512),
            "planner.TaskDefinition: cpu: must be a whole number ≥ 0, got -1",
        ),
        (
            lambda: TaskDefinition(256, 512, "bridged"),
            'network_mode: must be one of bridge, host, awsvpc, none, got "bridged"',
        ),
        (
            lambda: TaskDefinition(256, 512, host_ports=(70000,)),
            "host_ports[0]: must be a port number from 1 to 65535, got 70000",
        ),
        # instance groups, agent, timing
        (
            lambda: InstanceGroup("g", 0, 1000, 1),
            "planner.InstanceGroup: cpu: must be a whole number ≥ 1, got 0",
        ),
        # count 0: a type a capacity provider may launch, not a group of the scenario
        (
            lambda: Scenario("s", (InstanceGroup("g", 1024, 1000, 0),), (SVC,)),
            "instance_groups[0].count: must be a whole number ≥ 1, got 0",
        ),
        (
            lambda: Agent(reserved_cpu=-256),
            "planner.Agent: reserved_cpu: must be a whole number ≥ 0, got -256",
        ),
        (
            lambda: Agent(dynamic_port_range=(60000, 50000)),
            "dynamic_port_range: must be [first, last] with first ≤ last, got [60000, 50000]",
        ),
        (
            lambda: Timing(healthy_threshold=0),
            "planner.Timing: healthy_threshold: must be a whole number ≥ 1, got 0",
        ),
        # the scenario as a whole
        (lambda: Scenario("s", (), (SVC,)), "instance_groups: must hold at least one entry"),
        (
            lambda: Scenario("s", (GROUP,), (SVC, SVC)),
            "services[1].name: duplicate service name 'api'",
        ),
        (lambda: Scenario("s", (GROUP,), ("api",)), "services[0]: must be a Service, got str"),
    ],
)
def test_bad_values_are_refused_when_built(build, message):
    with pytest.raises(PlannerError) as caught:
        build()
    assert message in str(caught.value)


def test_good_values_build_and_solve():
    s = Scenario("ok", (GROUP,), (replace(SVC, minimum_healthy_percent=50),))
    assert planner.solve(s, fixes=False).verdict == "safe"


SCENARIO = {
    "cluster": {"instances": [{"type": "t3.small", "count": 1}]},
    "services": [
        {
            "name": "api",
            "desiredCount": 1,
            "taskDefinition": {
                "cpu": 256,
                "memory": 512,
                "portMappings": [{"containerPort": 80, "hostPort": 8080}],
            },
        }
    ],
}


def test_load_scenario_takes_a_mapping():
    s = planner.load_scenario(SCENARIO)
    assert s.name == "scenario" and s.services[0].task_definition.host_ports == (8080,)
    assert planner.solve(s, fixes=False).verdict == "hangs"  # the seed's port conflict


def test_a_bad_mapping_gets_the_files_message():
    bad = {**SCENARIO, "services": [{**SCENARIO["services"][0], "desiredCount": "four"}]}
    with pytest.raises(PlannerError) as caught:
        planner.load_scenario(bad)
    assert str(caught.value) == (
        '<mapping>: services[0].desiredCount: must be a whole number ≥ 0, got "four"'
    )
    with pytest.raises(PlannerError, match="takes a file path or a mapping, got list"):
        planner.load_scenario([SCENARIO])


@pytest.mark.parametrize(
    ("percent", "steps"),
    [(25, 4), (12.5, 8), (30, 4), (33.3, 4), (100, 1), (10.0, 10)],
)
def test_a_fractional_step_percent_counts_whole_steps(percent, steps):
    """LINEAR's percent moves traffic, not tasks: a fractional one (ECS takes 12.5) is kept
    as written and sets the timing estimate's ceil(100 / stepPercent) steps, a step bake
    time between each two."""
    from planner.model.timing import _bake_seconds

    svc = replace(SVC, strategy="LINEAR", step_percent=percent, step_bake_minutes=1.0)
    scenario = Scenario("s", (GROUP,), (svc,))
    assert scenario.services[0].step_percent == percent
    assert _bake_seconds(scenario, 0) == (steps - 1) * 60
