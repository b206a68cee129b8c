"""More values of the cluster query language (planner.model.cql), for what mutation testing
found untested: the boundaries of the ordered comparisons, a missing attribute, a number
against text, a value starting with X, and the whole message for a subject planner refuses
(with the expression it came in, through each kind of comparison)."""

import pytest

from planner.model.cql import QueryError, parse

ATTRS = {"cores": "8", "team": "payments", "family": "Xeon", "ecs.instance-type": "m5.large"}


@pytest.mark.parametrize(
    ("expression", "selects"),
    [
        # equal values: only the comparisons that include equality hold (8 against 8)
        ("attribute:cores > 8", False),
        ("attribute:cores >= 8", True),
        ("attribute:cores < 8", False),
        ("attribute:cores <= 8", True),
        ("attribute:cores greater_than_equal 8", True),
        ("attribute:cores less_than_equal 8", True),
        ("attribute:cores <= 7", False),
        ("attribute:cores >= 9", False),
        # numbers compare as numbers: "10" > "8" is false as text, true as numbers
        ("attribute:cores < 10", True),
        # a number against text compares as text: "payments" > "4"
        ("attribute:team > 4", True),
        ("attribute:team < 4", False),
        # an attribute the instance does not have: every ordered comparison is false
        ("attribute:stack > 1", False),
        ("attribute:stack < 1", False),
        ("attribute:stack <= 1", False),
        # a bare value starting with X is taken as written (only quotes are stripped)
        ("attribute:family == Xeon", True),
        ("attribute:family == 'Xeon'", True),
        ("attribute:family in [Xeon, Epyc]", True),
        ("attribute:ecs.instance-type == m5.large", True),
    ],
)
def test_values_select(expression, selects):
    assert parse(expression).matches(ATTRS) is selects


REFUSED = (
    "which is not supported: it depends on what runs where, or on facts a scenario does not "
    "hold; planner evaluates attribute:NAME and ec2InstanceId"
)


@pytest.mark.parametrize(
    ("expression", "subject"),
    [
        ("task:group == service:db", "task:group"),  # a comparison
        ("runningTasksCount in [0, 1]", "runningTasksCount"),  # a set
        ("agentConnected exists", "agentConnected"),  # exists
        ("registeredAt > 2020", "registeredAt"),  # ordered
    ],
)
def test_a_refused_subject_names_the_expression(expression, subject):
    with pytest.raises(QueryError) as caught:
        parse(expression)
    assert str(caught.value) == f"the cluster query {expression!r} uses {subject}, {REFUSED}"


def test_an_unknown_subject_names_the_expression_and_the_known_ones():
    for expression, subject in (("colour == blue", "colour"), ("EC2INSTANCEID exists", None)):
        subject = subject or "EC2INSTANCEID"
        with pytest.raises(QueryError) as caught:
            parse(expression)
        assert str(caught.value) == (
            f"the cluster query {expression!r} has an unknown subject {subject!r}; expected "
            "attribute:NAME or ec2InstanceId"
        )


def test_ec2_instance_id_is_a_subject():
    assert parse("ec2InstanceId == i-0a1").matches({"ec2InstanceId": "i-0a1"})
