"""Realistic AWS CLI exports imported and solved (planner.inputs.importing, ROLLOUT.md §9, §10).

Each folder under ``tests/data/exports/`` holds what ``aws ecs describe-services``,
``describe-container-instances``, ``describe-tasks`` and ``describe-task-definition``
print (field names and types from botocore's ``ecs/2014-11-13`` service model), plus a
field no API version has yet (``someNewField2027``) in every object the importer reads,
which it must ignore. Every test checks the imported mapping field by field against the
JSON, the warnings, the verdict with its reasons, and (in one parametrized test) that
``planner import DIR -o s.yaml`` then ``planner solve s.yaml`` gives what
``planner solve DIR`` gives.

Bounds (ROLLOUT.md §2): lower = ceil(desired × min / 100), upper = floor(desired × max /
100). A wave stops (keeping old + healthy new ≥ lower), then starts (old + new ≤ upper,
new ≤ desired) where a task fits by CPU units, MiB, host ports, ENIs and binding
constraints. In a dead state every unfinished service has old + new ≤ lower (else it could
stop) and no instance takes one more of its tasks.
"""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import planner
from planner.cli import app
from planner.errors import PlannerError
from planner.inputs.importing import import_folder

EXPORTS = Path(__file__).parent / "data" / "exports"
FIXTURES = (
    "three-zones-mixed",
    "deployment-in-progress",
    "stuck-deployment",
    "draining",
    "draining-agent-disconnected",
    "awsvpc",
    "daemon",
    "mixed-fargate",
    "capacity-provider",  # the cluster that reacts (test_importing_capacity.py)
)
RESERVED = [22, 2375, 2376, 51678, 51679]
TIME_LIMIT = 20
runner = CliRunner()


def _instance(name, cpu, memory, kind, zone, enis, trunk=None, **extra):
    """One imported instance group of one as the importer writes it: named by type and
    zone, registered CPU and memory, the type (its ENI limits from the catalog: EC2's, not
    in the export), zone, id."""
    state = {"DRAINING": " (draining)"}.get(extra.get("status"), "")
    state += " (agent disconnected)" if extra.get("agentConnected") is False else ""
    title = f"{kind}{state} in {zone}"
    group = {"name": title, "cpu": cpu, "memory": memory, "count": 1, "instanceType": kind}
    group["enis"] = enis
    if trunk is not None:
        group["trunkEnis"] = trunk
    group["availabilityZone"] = zone
    if "attributes" in extra:
        group["attributes"] = extra.pop("attributes")
    group["instanceIds"] = [name]
    group.update(extra)
    return group


def _solve(folder: Path, deploy: dict[str, str] | None = None):
    return planner.solve(planner.import_cluster(folder, deploy), time_limit=TIME_LIMIT)


def _solve_mapping(mapping):
    return planner.solve(planner.load_scenario(mapping), time_limit=TIME_LIMIT)


def _starts(result, service):
    """Per instance, the tasks of ``service`` the plan starts there."""
    out: dict[int, int] = {}
    for wave in result.to_json()["plan"]:
        for move in wave["start"]:
            if move["service"] == service:
                out[move["instance"]] = out.get(move["instance"], 0) + move["count"]
    return out


def _stops(result, service):
    return sum(
        move["count"]
        for wave in result.to_json()["plan"]
        for move in wave["stop"]
        if move["service"] == service
    )


# ------------------------------------------------------------------ 1. three-zones-mixed

TZ = EXPORTS / "three-zones-mixed"
TZ_IDS = [  # type, zone, custom attributes: tasks running
    "i-00bc7176be82ab11f",  # 0 m5.large  us-east-1a  pool, team: api, web
    "i-03fc0901c011e3e55",  # 1 c5.xlarge us-east-1a  workload:   3 worker
    "i-0a35ee3102ca91c86",  # 2 m5.large  us-east-1b  pool, team: api, web
    "i-008ba5103e8c1b7de",  # 3 t3.medium us-east-1b  pool:       api
    "i-04e710552a1af8cc2",  # 4 c5.xlarge us-east-1c  workload:   worker, web
    "i-001b1b0786e0da15e",  # 5 t3.medium us-east-1c  pool:       api (+ a task not exported)
]


def test_three_zones_mixed_imports_field_by_field():
    mapping, warnings = import_folder(TZ)
    general = {"pool": "general"}
    checkout = {"pool": "general", "team": "checkout"}
    batch = {"workload": "batch"}
    assert mapping["cluster"] == {
        "instances": [
            # registered memory, below nominal and a little different per instance
            _instance(TZ_IDS[0], 2048, 7680, "m5.large", "us-east-1a", 3, 10, attributes=checkout),
            _instance(TZ_IDS[1], 4096, 7624, "c5.xlarge", "us-east-1a", 4, 20, attributes=batch),
            _instance(TZ_IDS[2], 2048, 7681, "m5.large", "us-east-1b", 3, 10, attributes=checkout),
            _instance(TZ_IDS[3], 2048, 3884, "t3.medium", "us-east-1b", 3, attributes=general),
            _instance(TZ_IDS[4], 4096, 7622, "c5.xlarge", "us-east-1c", 4, 20, attributes=batch),
            _instance(TZ_IDS[5], 2048, 3883, "t3.medium", "us-east-1c", 3, attributes=general),
        ],
        "agent": {"reservedPorts": RESERVED},
    }
    api, worker, web = mapping["services"]
    assert api == {
        "name": "api",
        "desiredCount": 4,
        "taskDefinition": "task-definitions/api-7.json",
        "deploymentConfiguration": {
            "minimumHealthyPercent": 100,
            "maximumPercent": 200,
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        },
        "launchType": "EC2",
        "placementConstraints": [{"type": "memberOf", "expression": "attribute:pool == general"}],
        "placementStrategy": [
            {"type": "spread", "field": "attribute:ecs.availability-zone"},
            {"type": "spread", "field": "instanceId"},
        ],
        "loadBalancers": [
            {
                "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:"
                "targetgroup/prod-east-api/2e008ca182ddb287",
                "containerName": "api",
                "containerPort": 8080,
            }
        ],
        "placement": [1, 0, 1, 1, 0, 1],
    }
    assert worker == {
        "name": "worker",
        "desiredCount": 4,
        "taskDefinition": "task-definitions/worker-23.json",
        "deploymentConfiguration": {
            "minimumHealthyPercent": 50,
            "maximumPercent": 100,
            "deploymentCircuitBreaker": {"enable": False, "rollback": False},
        },
        "launchType": "EC2",
        "placementConstraints": [
            {"type": "memberOf", "expression": "attribute:ecs.instance-type == c5.xlarge"}
        ],
        "placementStrategy": [{"type": "binpack", "field": "cpu"}],
        "placement": [0, 3, 0, 0, 1, 0],
    }
    assert web == {
        "name": "web",
        "desiredCount": 3,
        "taskDefinition": "task-definitions/web-31.json",
        "deploymentConfiguration": {
            "minimumHealthyPercent": 50,
            "maximumPercent": 100,
            "deploymentCircuitBreaker": {"enable": False, "rollback": False},
        },
        "launchType": "EC2",
        "placementConstraints": [{"type": "distinctInstance"}],
        "placementStrategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"}],
        "loadBalancers": [
            {
                "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:"
                "targetgroup/prod-east-web/fcbf28df1b8b39a0",
                "containerName": "nginx",
                "containerPort": 80,
            }
        ],
        "placement": [1, 0, 1, 0, 1, 0],
    }
    # i-...5e registers 2048 units / 3883 MiB and runs one api task (1024 units, 1024 MiB:
    # task-level cpu, the containers' memoryReservation 768 + 256); its remainingResources
    # say 768 / 2603: a task outside the export holds 256 and 256.
    assert warnings == [
        f"instance {TZ_IDS[5]}: remainingResources says 768 CPU units and 2603 MiB left, the "
        "tasks found on it leave 1024 and 2859; planner goes by the tasks found (tasks outside "
        "the export, or an export taken at two moments?)"
    ]
    scenario = planner.import_cluster(TZ)
    groups = scenario.instance_groups
    assert [g.instance_type for g in groups] == [
        "m5.large", "c5.xlarge", "m5.large", "t3.medium", "c5.xlarge", "t3.medium"
    ]  # fmt: skip
    assert {g.arch for g in groups} == {"x86_64"}
    zones = ["us-east-1a", "us-east-1a", "us-east-1b", "us-east-1b", "us-east-1c", "us-east-1c"]
    assert [g.zones for g in groups] == [(z,) for z in zones]


def test_three_zones_mixed_redeploy_is_safe():
    """The plain import redeploys every service with its running revision, all at once.

    api (4 × 1,024 units, min 100/max 200: lower 4, upper 8) is held by memberOf
    `pool == general` to the two m5.large and two t3.medium (2,048 units each); worker (4 ×
    1,024, min 50/max 100: lower 2, upper 4) by memberOf to the two c5.xlarge (4,096); web
    (3 × 256, fixed host port 80, distinctInstance, min 50/max 100: lower 2, upper 3) goes
    anywhere. In a dead state each unfinished service runs at most `lower` tasks (else it
    could stop), footprints unchanged:
    - api blocked needs every general instance with < 1,024 units free: 2 api tasks on one
      (full), or 1 api + web (768 free). Four api tasks on four instances with one each
      would need web on all four (web has 3); two on one leaves another with none: never.
    - worker blocked (≤ 2 tasks) leaves a c5.xlarge with ≥ 4,096 − 2,048 − 256 free: never.
    - web blocked (≤ 2 tasks) needs the ≥ 4 instances without web full: at most two
      general ones (api 2 + 2) and one c5.xlarge (4 workers) can be: never.
    No dead state: safe (proved by volume).
    """
    result = _solve(TZ)
    assert (result.verdict, result.reasons) == ("safe", [])
    assert result.stuck_now is None  # not a snapshot: nothing new runs, nothing closed
    assert [(s["name"], s["lower"], s["upper"]) for s in result.services] == [
        ("api", 4, 8),
        ("worker", 2, 4),
        ("web", 2, 3),
    ]
    # new api tasks only on pool=general instances, new worker tasks only on c5.xlarge
    assert set(_starts(result, "api")) <= {0, 2, 3, 5}
    assert set(_starts(result, "worker")) <= {1, 4}


def test_three_zones_mixed_deploy_of_a_bigger_api_hangs_on_member_of_beside_cpu():
    """`--deploy api=new-api.json`: api:8 takes 1,536 units (task-level cpu) and 2,048 MiB.

    With min 100/max 200 (lower 4, upper 8) no old api task may stop before a new one runs,
    and a new one fits no instance api may use: every general instance (2,048 units) holds an
    old api task (1,024), so at most 1,024 units are left there (768 beside web), whatever
    web and worker do (web frees at most its 256; worker lives on the c5.xlarge, which
    memberOf `pool == general` keeps api off). web and worker, not named in --deploy, keep
    still (deploy: false): nothing moves: hangs. The end state fits (1,536 + 256 ≤ 2,048
    per general instance; 2,048 + 512 MiB ≤ 3,883 on a t3.medium), so no final-state. ECS
    filters by resources first (ROLLOUT.md §5): the closest instance is 4, a c5.xlarge
    with room that only memberOf excludes, so the reason is placement-constraint; the
    general instances' CPU is said beside ECS's words (instance 0: 768 units left).
    Halving min to 50 lets two old tasks stop first: one of the fixes planner offers.
    """
    new = TZ / "new-api.json"
    mapping, _ = import_folder(TZ, {"api": str(new)})
    assert mapping["services"][0]["newTaskDefinition"] == "new-api.json"
    for other in mapping["services"][1:]:  # worker, web: not named, so they keep still
        assert "newTaskDefinition" not in other and other["deploy"] is False
    result = _solve(TZ, {"api": str(new)})
    assert (result.verdict, result.reasons) == ("hangs", ["placement-constraint"])
    [blocked] = result.to_json()["deadState"]["services"]
    assert (blocked["name"], blocked["reason"], blocked["instance"]) == (
        "api", "placement-constraint", 4)  # fmt: skip
    assert '"MemberOf placement constraint unsatisfied."' in blocked["message"]
    assert "instance 0 meets memberOf(attribute:pool == general) but has only 768 CPU units" in (
        blocked["detail"])  # fmt: skip
    assert "minimumHealthyPercent 50 for api" in result.fixes


# ------------------------------------------------------------------ 2. deployment-in-progress

DIP = EXPORTS / "deployment-in-progress"
DIP_IDS = ["i-033d2a84c5817b6cb", "i-06169e88201895fba", "i-05fb423c892134332"]


def test_deployment_in_progress_imports_as_a_snapshot():
    """cart: PRIMARY cart:15 (1 RUNNING + 1 PENDING task: both count as started), ACTIVE
    cart:14 (2 RUNNING; one STOPPED and one STOPPING task are gone). frontend is steady."""
    mapping, warnings = import_folder(DIP)
    assert warnings == []
    assert mapping["cluster"] == {
        "instances": [
            _instance(DIP_IDS[0], 2048, 7680, "m5.large", "us-east-1a", 3, 10),
            _instance(DIP_IDS[1], 2048, 7680, "m5.large", "us-east-1b", 3, 10),
            _instance(DIP_IDS[2], 2048, 7679, "m5.large", "us-east-1c", 3, 10),
        ],
        "agent": {"reservedPorts": RESERVED},
    }
    cart, frontend = mapping["services"]
    assert cart == {
        "name": "cart",
        "desiredCount": 4,
        "taskDefinition": "task-definitions/cart-14.json",  # the ACTIVE deployment's
        "newTaskDefinition": "task-definitions/cart-15.json",  # the PRIMARY one's
        "deploymentConfiguration": {
            "minimumHealthyPercent": 100,
            "maximumPercent": 150,
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        },
        "launchType": "EC2",
        "placementStrategy": [
            {"type": "spread", "field": "attribute:ecs.availability-zone"},
            {"type": "spread", "field": "instanceId"},
        ],
        "loadBalancers": [
            {
                "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:"
                "targetgroup/shop-cart/7069a5db9b1851af",
                "containerName": "cart",
                "containerPort": 3000,
            }
        ],
        "placement": [1, 1, 0],  # old tasks left (the STOPPED one on 0, STOPPING on 2: gone)
        "newPlacement": [1, 0, 1],  # RUNNING on 0, PENDING on 2
    }
    assert frontend == {
        "name": "frontend",
        "desiredCount": 2,
        "taskDefinition": "task-definitions/frontend-9.json",
        "deploymentConfiguration": {
            "minimumHealthyPercent": 100,
            "maximumPercent": 200,
            "deploymentCircuitBreaker": {"enable": False, "rollback": False},
        },
        "launchType": "EC2",
        "placement": [0, 1, 1],
    }


def test_deployment_in_progress_can_finish():
    """cart: desired 4, min 100/max 150: lower 4, upper 6. Two old + two new = 4 = lower:
    nothing stops; upper lets two more start (new ≤ 4). cart:15 takes 512 units and 1,536
    MiB; free now: instance 0 1,024 units (old + new cart), 1 and 2 1,280 (cart + frontend
    256); memory is ample (7,680). Then the two old ones stop. frontend redeploys (lower 2,
    upper 4, 256 units). A dead state would need every instance with < 512 units free,
    > 4,608 units in use, while a dead state holds at most 4 × 512 + 2 × 256 = 2,560:
    safe, and not stuck now."""
    result = _solve(DIP)
    assert (result.verdict, result.reasons) == ("safe", [])
    assert result.stuck_now is False
    data = result.to_json()
    assert data["initialNew"] == [
        {"service": "cart", "instance": 0, "count": 1},
        {"service": "cart", "instance": 2, "count": 1},
    ]
    assert data["closedInstances"] == []
    assert [(s["name"], s["lower"], s["upper"]) for s in result.services] == [
        ("cart", 4, 6),
        ("frontend", 2, 4),
    ]
    # from the snapshot, the plan starts the 2 missing new tasks and stops the 2 old ones
    assert sum(_starts(result, "cart").values()) == 2 and _stops(result, "cart") == 2


# ------------------------------------------------------------------ 3. stuck-deployment

STUCK = EXPORTS / "stuck-deployment"
STUCK_IDS = ["i-059ce688e382fedce", "i-08b2483e4af9ed190"]


def test_stuck_deployment_imports_as_a_snapshot():
    mapping, warnings = import_folder(STUCK)
    assert warnings == []
    assert mapping["cluster"] == {
        "instances": [
            _instance(STUCK_IDS[0], 2048, 3704, "c5.large", "us-east-1a", 3, 10),
            _instance(STUCK_IDS[1], 2048, 3703, "c5.large", "us-east-1b", 3, 10),
        ],
        "agent": {"reservedPorts": RESERVED},
    }
    assert mapping["services"] == [
        {
            "name": "payments-api",
            "desiredCount": 4,
            "taskDefinition": "task-definitions/payments-api-41.json",
            "newTaskDefinition": "task-definitions/payments-api-42.json",
            "deploymentConfiguration": {
                "minimumHealthyPercent": 100,
                "maximumPercent": 125,
                "deploymentCircuitBreaker": {"enable": False, "rollback": False},
            },
            "launchType": "EC2",
            "placementStrategy": [
                {"type": "spread", "field": "attribute:ecs.availability-zone"},
                {"type": "spread", "field": "instanceId"},
            ],
            "placement": [1, 1],
            "newPlacement": [1, 1],
        }
    ]


def test_stuck_deployment_is_stuck_now_as_ecs_says():
    """payments-api goes from 512 to 1,024 units (768 MiB) on two c5.large (2,048 units):
    desired 4, min 100/max 125: lower 4, upper 5. Each instance runs one old (512) and one
    new (1,024) task: 512 units free on each. Old 2 + new 2 = 4 = lower: nothing may stop;
    upper allows one start, and it fits nowhere: dead before the first wave ("stuck now"),
    reason cpu, on the closest instance 0 (both fail cpu only; ties go to the first). The
    end state fits (2 × 1,024 per instance), but no path reaches it: the last new task needs
    1,024 units free while 1 old + 3 new run (3,584 of 4,096), and lower 4 forbids stopping
    that old one first. services.json's latest event says the same, naming the same
    container instance; planner offers one more c5.large or minimumHealthyPercent 50."""
    result = _solve(STUCK)
    assert (result.verdict, result.reasons) == ("hangs", ["cpu"])
    assert result.stuck_now is True
    data = result.to_json()
    assert data["stuckNow"] is True and data["deadState"]["wave"] == 1
    [blocked] = data["deadState"]["services"]
    assert (blocked["name"], blocked["reason"], blocked["instance"]) == ("payments-api", "cpu", 0)
    assert blocked["message"] == (
        "service payments-api was unable to place a task because no container instance met all "
        "of its requirements. The closest matching container-instance 0 has insufficient CPU "
        "units available."
    )
    services = json.loads((STUCK / "services.json").read_text())["services"]
    latest = services[0]["events"][0]["message"]
    instances = json.loads((STUCK / "container-instances.json").read_text())["containerInstances"]
    first = instances[0]["containerInstanceArn"].rsplit("/", 1)[-1]
    assert latest.startswith(
        "(service payments-api) was unable to place a task because no container instance met "
        "all of its requirements. The closest matching (container-instance "
    )
    assert f"(container-instance {first}) has insufficient CPU units available." in latest
    assert "minimumHealthyPercent 50 for payments-api" in result.fixes


# ------------------------------------------------------------------ 4. draining

DRAIN = EXPORTS / "draining"
DRAIN_DISCONNECTED = EXPORTS / "draining-agent-disconnected"
DRAIN_IDS = [
    "i-089ce4eb0a4fc498b",  # 0 m5.large  us-east-1a DRAINING (old AMI)
    "i-055a52438bfc22ff3",  # 1 m5.large  us-east-1b DRAINING (old AMI)
    "i-06b13008cc47d05a6",  # 2 m5.xlarge us-east-1a
    "i-0ccfba62b74383254",  # 3 m5.xlarge us-east-1b (agent disconnected in the variant)
]


def _drain_instances(disconnected: bool):
    last = {"agentConnected": False} if disconnected else {}
    return [
        _instance(DRAIN_IDS[0], 2048, 7680, "m5.large", "us-east-1a", 3, 10, status="DRAINING"),
        _instance(DRAIN_IDS[1], 2048, 7680, "m5.large", "us-east-1b", 3, 10, status="DRAINING"),
        _instance(DRAIN_IDS[2], 4096, 15576, "m5.xlarge", "us-east-1a", 4, 20),
        _instance(DRAIN_IDS[3], 4096, 15575, "m5.xlarge", "us-east-1b", 4, 20, **last),
    ]


@pytest.mark.parametrize("disconnected", [False, True], ids=["draining", "agent-disconnected"])
def test_draining_imports_field_by_field(disconnected):
    mapping, warnings = import_folder(DRAIN_DISCONNECTED if disconnected else DRAIN)
    assert warnings == []
    assert mapping["cluster"] == {
        "instances": _drain_instances(disconnected),
        "agent": {"reservedPorts": RESERVED},
    }
    assert mapping["services"] == [
        {
            "name": "web",
            "desiredCount": 2,
            "taskDefinition": "task-definitions/web-12.json",
            "deploymentConfiguration": {
                "minimumHealthyPercent": 100,
                "maximumPercent": 200,
                "deploymentCircuitBreaker": {"enable": True, "rollback": False},
            },
            "launchType": "EC2",
            "placement": [1, 1, 0, 0],
        },
        {
            "name": "worker",
            "desiredCount": 4,
            "taskDefinition": "task-definitions/worker-6.json",
            "deploymentConfiguration": {
                "minimumHealthyPercent": 50,
                "maximumPercent": 100,
                "deploymentCircuitBreaker": {"enable": False, "rollback": False},
            },
            "launchType": "EC2",
            "placement": [1, 1, 1, 1],
        },
    ]


def test_draining_instances_are_replaced_safely():
    """A drain (ROLLOUT.md §10): the tasks on the DRAINING instances 0 and 1 are old, the
    same revision is new, the others stay. web (512 units, fixed host port 8080): desired 2,
    min 100/max 200: lower 2, upper 4; old 2 (on 0, 1), new 0. worker (512 units, 2,048
    MiB): desired 4, min 50/max 100: lower 2, upper 4; old 2 (on 0, 1), new 2 (on 2, 3).
    Only 2 and 3 (m5.xlarge, 4,096 units) take tasks. At most 2 web + 4 worker tasks run
    there: 3,072 of 8,192 units, so a dead state would need web's port 8080 held on both
    with web stuck at ≤ 2 tasks — but then both its tasks are new there and it is done.
    Safe; the plan starts only on 2 and 3."""
    result = _solve(DRAIN)
    assert (result.verdict, result.reasons) == ("safe", [])
    assert result.stuck_now is False
    data = result.to_json()
    assert data["closedInstances"] == [
        {"instance": 0, "status": "DRAINING"},
        {"instance": 1, "status": "DRAINING"},
    ]
    assert data["initialNew"] == [
        {"service": "worker", "instance": 2, "count": 1},
        {"service": "worker", "instance": 3, "count": 1},
    ]
    assert _starts(result, "web") == {2: 1, 3: 1}
    assert set(_starts(result, "worker")) <= {2, 3} and sum(_starts(result, "worker").values()) == 2
    assert _stops(result, "web") == 2 and _stops(result, "worker") == 2


def test_a_disconnected_agent_turns_the_drain_into_a_hang_on_the_port():
    """As the drain above, but instance 3's agent is disconnected: it takes no new task (its
    worker task runs on). web's two tasks both hold host port 8080, so they need two open
    instances, and only instance 2 is open. Wave 1: worker stops its 2 old (4 − 2 = 2 above
    lower), web stops none (2 = lower); web starts one new task on 2, worker two. Wave 2:
    web stops one old (3 − 2). Then web runs old 1 + new 1 = lower, and its second new
    task finds port 8080 taken on the only open instance: hangs, reason port, closest
    instance 2 (3 is closed). Not stuck now: worker can move at first. Even the end
    state does not fit: the new tasks already running stay where they are (final-state)."""
    result = _solve(DRAIN_DISCONNECTED)
    assert (result.verdict, result.reasons) == ("hangs", ["final-state", "port"])
    assert result.stuck_now is False
    data = result.to_json()
    assert data["closedInstances"] == [
        {"instance": 0, "status": "DRAINING"},
        {"instance": 1, "status": "DRAINING"},
        {"instance": 3, "status": "agent disconnected"},
    ]
    [blocked] = data["deadState"]["services"]
    assert (blocked["name"], blocked["reason"], blocked["instance"]) == ("web", "port", 2)
    assert "is already using a port required by your task" in blocked["message"]


# ------------------------------------------------------------------ 5. awsvpc

VPC = EXPORTS / "awsvpc"
VPC_IDS = ["i-0e9d8265b352a2239", "i-0d47440bbe179cb63", "i-0c7877deb5994f6fc"]


def test_awsvpc_imports_field_by_field():
    mapping, warnings = import_folder(VPC)
    assert warnings == []
    assert mapping["cluster"] == {
        "instances": [
            _instance(VPC_IDS[0], 2048, 3704, "c5.large", "us-east-1a", 3, 10),
            _instance(VPC_IDS[1], 2048, 3704, "c5.large", "us-east-1b", 3, 10),
            _instance(VPC_IDS[2], 2048, 3703, "c5.large", "us-east-1c", 3, 10),
        ],
        "agent": {"reservedPorts": RESERVED},  # no awsvpcTrunking: the export does not say
    }
    assert mapping["services"] == [
        {
            "name": "orders",
            "desiredCount": 6,
            "taskDefinition": "task-definitions/orders-5.json",
            "deploymentConfiguration": {
                "minimumHealthyPercent": 100,
                "maximumPercent": 200,
                "deploymentCircuitBreaker": {"enable": False, "rollback": False},
            },
            "launchType": "EC2",
            "loadBalancers": [
                {
                    "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:"
                    "targetgroup/mesh-orders/a4d8375ef9c285ca",
                    "containerName": "orders",
                    "containerPort": 8080,
                }
            ],
            "placement": [2, 2, 2],
        },
        {
            "name": "statsd",
            "desiredCount": 3,
            "taskDefinition": "task-definitions/statsd-2.json",
            "deploymentConfiguration": {
                "minimumHealthyPercent": 0,
                "maximumPercent": 100,
                "deploymentCircuitBreaker": {"enable": False, "rollback": False},
            },
            "launchType": "EC2",
            "placementStrategy": [{"type": "spread", "field": "instanceId"}],
            "placement": [1, 1, 1],
        },
    ]
    tasks = json.loads((VPC / "tasks.json").read_text())["tasks"]
    orders = [t for t in tasks if t["group"] == "service:orders"]
    assert all(t["attachments"][0]["type"] == "ElasticNetworkInterface" for t in orders)


def test_awsvpc_rollout_hangs_on_enis():
    """orders runs in awsvpc mode: each task takes an ENI. A c5.large has 3, the primary one
    serving the instance: 2 tasks per instance, and 2 run on each of the 3 (256 units, 512
    MiB: CPU and memory are far from full). min 100/max 200: lower 6, upper 12: no old task
    may stop before a new one runs, and no instance has an ENI left. statsd (bridge, no
    ENI; min 0/max 100) redeploys freely, which frees no ENI. Then nothing moves: hangs,
    reason eni, closest instance 0. The end state fits (2 new per instance). With min 50
    three old tasks stop first and free three ENIs: the same export then completes."""
    result = _solve(VPC)
    assert (result.verdict, result.reasons) == ("hangs", ["eni"])
    assert result.stuck_now is None
    [blocked] = result.to_json()["deadState"]["services"]
    assert (blocked["name"], blocked["reason"], blocked["instance"]) == ("orders", "eni", 0)
    assert "insufficient ENIs" in blocked["message"]
    mapping, _ = import_folder(VPC, relative_to=Path.cwd())
    mapping["services"][0]["deploymentConfiguration"]["minimumHealthyPercent"] = 50
    assert _solve_mapping(mapping).verdict == "safe"


# ------------------------------------------------------------------ 6. daemon

DAEMON = EXPORTS / "daemon"
DAEMON_IDS = ["i-072633c5a1ebc5c20", "i-00c2d754dda77eaed", "i-05f9a9fb4abc668fe"]


def test_daemon_imports_field_by_field():
    """node-exporter: DAEMON, host network mode, port 9100, one task per instance. api:
    REPLICA, desired 4, one task per instance RUNNING and a fourth STOPPED (its essential
    container exited): 3 of 4 run, the missing one is a pending start."""
    mapping, warnings = import_folder(DAEMON)
    assert mapping["cluster"] == {
        "instances": [
            _instance(DAEMON_IDS[0], 2048, 7680, "m5.large", "us-east-1a", 3, 10),
            _instance(DAEMON_IDS[1], 2048, 7680, "m5.large", "us-east-1b", 3, 10),
            _instance(DAEMON_IDS[2], 2048, 7680, "m5.large", "us-east-1c", 3, 10),
        ],
        "agent": {"reservedPorts": RESERVED},
    }
    assert mapping["services"] == [
        {
            "name": "node-exporter",
            "schedulingStrategy": "DAEMON",  # no desiredCount: one task per instance
            "taskDefinition": "task-definitions/node-exporter-3.json",
            "deploymentConfiguration": {
                "minimumHealthyPercent": 0,
                "maximumPercent": 100,
                "deploymentCircuitBreaker": {"enable": False, "rollback": False},
            },
            "launchType": "EC2",
            "placement": [1, 1, 1],
        },
        {
            "name": "api",
            "desiredCount": 4,
            "taskDefinition": "task-definitions/api-12.json",
            "deploymentConfiguration": {
                "minimumHealthyPercent": 100,
                "maximumPercent": 200,
                "deploymentCircuitBreaker": {"enable": False, "rollback": False},
            },
            "launchType": "EC2",
            "placement": [0, 0, 0],  # no deployment in progress: nothing old to replace
            "newPlacement": [1, 1, 1],  # the running tasks are done; one start is pending
        },
    ]
    assert warnings == [
        "service api: 3 of 4 tasks run; planner starts the 1 missing as part of the rollout"
    ]


def test_daemon_and_replica_are_safe():
    """node-exporter: desired 3 (one per instance), min 0/max 100: lower 0, upper 3;
    distinct by nature; each instance stops its task (128 units, port 9100), then starts the
    new one. api: desired 4, old 0, new 3: lower 4, upper 8; one start (512 units) is
    pending. Each m5.large has 2,048 − 512 − 128 = 1,408 units free. api's tasks are all new
    and never move, so an instance holds at most 2 of them (1,024) + node-exporter (128):
    node-exporter always fits back on its instance; api's start needs 512 units, and at most
    4 × 512 + 3 × 128 = 2,432 of 6,144 are in use: safe, not stuck now."""
    result = _solve(DAEMON)
    assert (result.verdict, result.reasons) == ("safe", [])
    assert result.stuck_now is False
    assert [(s["name"], s["desiredCount"], s["lower"], s["upper"]) for s in result.services] == [
        ("node-exporter", 3, 0, 3),
        ("api", 4, 4, 8),
    ]
    assert sum(_starts(result, "api").values()) == 1 and _stops(result, "api") == 0
    assert _starts(result, "node-exporter") == {0: 1, 1: 1, 2: 1}


# ------------------------------------------------------------------ every fixture


@pytest.mark.parametrize("name", FIXTURES)
def test_every_file_carries_a_field_no_api_version_has_yet(name):
    """So that "fields of newer API versions are ignored" is exercised by every fixture."""
    folder = EXPORTS / name
    files = ["services.json", "container-instances.json", "tasks.json"]
    files += [f"task-definitions/{f.name}" for f in (folder / "task-definitions").glob("*.json")]
    assert len(files) >= 5
    for f in files:
        assert '"someNewField2027"' in (folder / f).read_text(), f


EXPECTED = {
    "three-zones-mixed": ("safe", [], None, 0),
    "deployment-in-progress": ("safe", [], False, 0),
    "stuck-deployment": ("hangs", ["cpu"], True, 1),
    "draining": ("safe", [], False, 0),
    "draining-agent-disconnected": ("hangs", ["final-state", "port"], False, 1),
    "awsvpc": ("hangs", ["eni"], None, 1),
    "daemon": ("safe", [], False, 0),
    "mixed-fargate": ("safe", [], None, 0),
    "capacity-provider": ("safe", [], False, 0),  # stuck-deployment, but the group grows
}
SAME = ("verdict", "reasons", "stuckNow", "services", "initial", "initialNew")
SAME += ("closedInstances", "instanceIds", "zones", "instances", "outcome")


@pytest.mark.parametrize("name", FIXTURES)
def test_import_to_a_file_then_solve_gives_what_solving_the_folder_gives(name, tmp_path):
    folder = EXPORTS / name
    out = tmp_path / "s.yaml"
    res = runner.invoke(app, ["import", str(folder), "-o", str(out)])
    assert res.exit_code == 0, res.output
    limit = ["--time-limit", str(TIME_LIMIT), "--format", "json"]
    from_file = runner.invoke(app, ["solve", str(out), *limit])
    from_dir = runner.invoke(app, ["solve", str(folder), *limit])
    verdict, reasons, stuck_now, code = EXPECTED[name]
    assert from_file.exit_code == from_dir.exit_code == code, from_dir.output
    a, b = json.loads(from_file.stdout), json.loads(from_dir.stdout)
    assert (b["verdict"], b["reasons"], b.get("stuckNow")) == (verdict, reasons, stuck_now)
    for key in SAME:
        assert a.get(key) == b.get(key), key
    if stuck_now:  # dead before any choice: the same dead state both ways
        assert a["deadState"] == b["deadState"]


def test_deploy_round_trips_through_a_scenario_file(tmp_path):
    out = tmp_path / "s.yaml"
    deploy = ["--deploy", f"api={TZ / 'new-api.json'}"]
    res = runner.invoke(app, ["import", str(TZ), "-o", str(out), *deploy])
    assert res.exit_code == 0, res.output
    solved = runner.invoke(
        app, ["solve", str(out), "--time-limit", str(TIME_LIMIT), "--format", "json"]
    )
    assert solved.exit_code == 1, solved.output
    data = json.loads(solved.stdout)  # (memberOf beside cpu: see the test above)
    assert (data["verdict"], data["reasons"]) == ("hangs", ["placement-constraint"])


# ------------------------------------------------------------------ 7. mixed EC2 and Fargate

MIXED = EXPORTS / "mixed-fargate"


def test_a_cluster_that_also_runs_fargate_imports_its_ec2_part():
    """three-zones-mixed plus two Fargate services (a launch type FARGATE, a capacity
    provider strategy FARGATE) and two Fargate tasks, from the AWS CLI's published examples
    (NOTES.md): the EC2 part imports as three-zones-mixed alone does, the Fargate part is
    set aside in one warning that says so, and the verdict is the same."""
    mixed, warnings = import_folder(MIXED)
    alone, alone_warnings = import_folder(TZ)
    assert {**mixed, "name": ""} == {**alone, "name": ""}
    assert warnings == [
        "set aside: 2 Fargate services (MyService, my-http-service) and 2 Fargate tasks (of "
        "MyService): planner models the EC2 container instances, where Fargate tasks take no "
        "room",
        *alone_warnings,
    ]
    tasks = json.loads((MIXED / "tasks.json").read_text())["tasks"]
    assert "containerInstanceArn" not in tasks[1] and tasks[1]["launchType"] == "FARGATE"
    a, b = _solve(MIXED), _solve(TZ)
    assert (a.verdict, a.reasons) == (b.verdict, b.reasons) == ("safe", [])


def test_a_fargate_task_is_known_by_its_service_when_it_says_nothing_itself(tmp_path):
    """A task without launchType or containerInstanceArn whose group or startedBy names a
    Fargate service is that service's: set aside too, not refused."""
    folder = tmp_path / "mixed-fargate"
    shutil.copytree(MIXED, folder)
    data = json.loads((folder / "tasks.json").read_text())
    del data["tasks"][1]["launchType"]
    del data["tasks"][-1]["launchType"], data["tasks"][-1]["group"]  # startedBy alone
    (folder / "tasks.json").write_text(json.dumps(data))
    _, warnings = import_folder(folder)
    assert warnings[0].startswith("set aside: 2 Fargate services (MyService, my-http-service) "
                                  "and 2 Fargate tasks (of MyService)")  # fmt: skip


# ------------------------------------------------------------------ every fixture: no group


def _without_group(folder: Path, tmp_path: Path) -> Path:
    """A copy of ``folder`` whose tasks have no ``group`` (an older or trimmed export)."""
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy)
    data = json.loads((copy / "tasks.json").read_text())
    for task in data["tasks"]:
        task.pop("group", None)
    (copy / "tasks.json").write_text(json.dumps(data, indent=4))
    return copy


@pytest.mark.parametrize("name", FIXTURES)
def test_an_export_without_group_fields_gives_the_verdict_the_same_export_with_them_gives(
    name, tmp_path
):
    """Each task's startedBy is the id of the deployment that started it: without group,
    the task is still its service's, so the scenario and the verdict do not change."""
    folder = EXPORTS / name
    bare = _without_group(folder, tmp_path)
    assert '"group"' not in (bare / "tasks.json").read_text()
    assert import_folder(bare) == import_folder(folder)  # the folder's name is the same
    limit = ["--time-limit", str(TIME_LIMIT), "--format", "json"]
    with_group = runner.invoke(app, ["solve", str(folder), *limit])
    without = runner.invoke(app, ["solve", str(bare), *limit])
    assert with_group.exit_code == without.exit_code, without.output
    a, b = json.loads(with_group.stdout), json.loads(without.stdout)
    for key in SAME:
        assert a.get(key) == b.get(key), key
    assert (a["verdict"], a["reasons"], a.get("stuckNow")) == EXPECTED[name][:3]


def test_a_service_whose_tasks_run_on_fargate_is_set_aside_though_it_names_no_launch_type(
    tmp_path,
):
    """A service without launchType or capacity provider strategy runs on the cluster's
    default strategy, which the export does not show: its tasks say FARGATE, so it is set
    aside (not a service running 0 of 2 tasks)."""
    folder = tmp_path / "mixed-fargate"
    shutil.copytree(MIXED, folder)
    data = json.loads((folder / "services.json").read_text())
    del data["services"][3]["launchType"]  # MyService
    (folder / "services.json").write_text(json.dumps(data))
    mapping, warnings = import_folder(folder)
    assert [s["name"] for s in mapping["services"]] == ["api", "worker", "web"]
    assert warnings[0].startswith("set aside: 2 Fargate services (my-http-service, MyService)")
    with pytest.raises(PlannerError, match="--deploy names MyService, whose tasks run on Fargate"):
        import_folder(folder, {"MyService": str(folder / "new-api.json")})
