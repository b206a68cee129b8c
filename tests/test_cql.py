"""The cluster query language (planner.model.cql): what memberOf expressions select."""

import pytest

from planner.model.cql import QueryError, parse

M5 = {
    "ecs.instance-type": "m5.large",
    "ecs.availability-zone": "us-east-1a",
    "ecs.cpu-architecture": "x86_64",
    "ecs.os-type": "linux",
    "ec2InstanceId": "i-0a1",
    "team": "payments",
    "cores": "8",
}


@pytest.mark.parametrize(
    ("expression", "selects"),
    [
        ("attribute:ecs.instance-type == m5.large", True),
        ("attribute:ecs.instance-type equals t3.small", False),
        ("attribute:ecs.instance-type != t3.small", True),
        ("attribute:ecs.instance-type =~ m5.*", True),
        ("attribute:ecs.instance-type =~ m5", False),  # the whole value must match
        ("attribute:ecs.instance-type !~ t.*", True),
        ("attribute:ecs.instance-type matches m5\\.l.*", True),
        ("attribute:ecs.availability-zone in [us-east-1a, us-east-1b]", True),
        ("attribute:ecs.availability-zone !in [us-east-1a]", False),
        ("attribute:ecs.availability-zone not_in [us-east-1c]", True),
        ("attribute:ecs.availability-zone in []", False),
        ("ec2InstanceId in ['i-0a1', 'i-0b2']", True),
        ('ec2InstanceId == "i-0b2"', False),
        ("attribute:team exists", True),
        ("attribute:stack exists", False),
        ("attribute:stack !exists", True),
        ("attribute:stack == x", False),  # a missing attribute equals nothing
        ("attribute:stack != x", True),
        ("attribute:cores > 4", True),  # numbers compare as numbers
        ("attribute:cores >= 10", False),
        ("attribute:cores less_than 10", True),
        ("attribute:team > a", True),  # text compares as text
        ("attribute:team == payments and attribute:ecs.cpu-architecture == arm64", False),
        ("attribute:team == payments && attribute:ecs.cpu-architecture == x86_64", True),
        ("attribute:team == ops or attribute:ecs.instance-type =~ m5.*", True),
        ("attribute:team == ops || attribute:team == dev", False),
        ("not (attribute:team == payments)", False),
        ("not(attribute:team == ops) and (attribute:cores > 2 or attribute:x exists)", True),
        ("attribute:team == ops or attribute:team == payments and attribute:cores > 100", False),
    ],
)
def test_expressions_select_as_ecs_documents(expression, selects):
    assert parse(expression).matches(M5) is selects


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("task:group == service:db", "uses task:group, which is not supported"),
        ("runningTasksCount == 0", "uses runningTasksCount, which is not supported"),
        ("agentVersion >= 1.73.0", "uses agentVersion, which is not supported"),
        ("colour == blue", "unknown subject 'colour'"),
        ("attribute:team ===", "at column 18"),
        ("attribute:team == payments and", "at column 28"),
        ("(attribute:team == payments", "cannot read the cluster query"),
        ("attribute:team =~ ([", "cannot read the cluster query"),
        ("attribute:team =~ 'a('", "bad pattern"),
        ("", "cannot read the cluster query"),
        ("x" * 2001, "at most 2,000 characters"),
    ],
)
def test_bad_expressions_say_why(expression, message):
    with pytest.raises(QueryError, match=message.replace("(", r"\(")):
        parse(expression)
