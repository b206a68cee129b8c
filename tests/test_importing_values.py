"""planner.inputs.importing values mutation testing found untested."""

import pytest

import planner
from planner.errors import PlannerError


def test_a_session_without_a_cluster_name_is_bad_input():
    """A live import names its cluster; without one it is the caller's error (exit 2), with
    the argument to add, before anything is fetched."""
    with pytest.raises(PlannerError) as caught:
        planner.import_cluster(object())
    assert str(caught.value) == "import_cluster(session) needs cluster=NAME"
