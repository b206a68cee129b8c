"""ECS's scheduler as configured (planner.deciding.scheduler) on ROLLOUT.md §4's at-risk
example, its waves worked out by hand: values mutation testing found untested."""

from pathlib import Path

from builders import at_risk_example, scenario, svc, td

import planner
from planner.deciding.scheduler import follows, search_dead, successors
from planner.model.problem import compile_problem
from planner.model.rollout import State, Wave, initial_state

ROOT = Path(__file__).resolve().parents[1]
FOREVER = float("inf")


def _state(old, new) -> State:
    return State(tuple(map(tuple, old)), tuple(map(tuple, new)))


# Three 1,024-unit instances; a (1 task of 1,024, lower 1) on instance 0, b (2 tasks of 512
# going to 1,024, minimum 0 / maximum 100) on instances 1 and 2. Rows: instances; columns:
# (a, b).
START = _state([[1, 0], [0, 1], [0, 1]], [[0, 0], [0, 0], [0, 0]])
# §4's ECS rules, wave 1: a may stop nothing; b stops both old tasks (lower 0), freeing
# instances 1 and 2 whole. Then the starts, turns in any order: a's new task takes one
# free instance and b's one new task the other (two ways), or b's turns come first and its
# two new tasks take both (upper 2), leaving a nowhere.
A_ON_1 = _state([[1, 0], [0, 0], [0, 0]], [[0, 0], [1, 0], [0, 1]])
A_ON_2 = _state([[1, 0], [0, 0], [0, 0]], [[0, 0], [0, 1], [1, 0]])
B_TAKES_BOTH = _state([[1, 0], [0, 0], [0, 0]], [[0, 0], [0, 1], [0, 1]])


def test_the_first_wave_leads_to_three_states():
    problem = at_risk_example()
    assert initial_state(problem) == START
    assert successors(problem, START, [10_000], FOREVER) == {A_ON_1, A_ON_2, B_TAKES_BOTH}


def test_the_dead_state_has_no_successor():
    """b took both instances: a cannot start and may not stop; the only wave is the empty
    one, which leads nowhere new (a state is not its own successor)."""
    assert successors(at_risk_example(), B_TAKES_BOTH, [10_000], FOREVER) == set()


def test_after_a_started_the_second_wave_completes():
    """a's old task may stop (its new one is healthy); b's second new task takes its room."""
    done = _state([[0, 0], [0, 0], [0, 0]], [[0, 1], [1, 0], [0, 1]])
    assert successors(at_risk_example(), A_ON_1, [10_000], FOREVER) == {done}


def test_the_first_hang_is_the_wave_after_its_choices():
    """The scheduler's first hang on the example: one wave of choices (b takes both), and
    the wave that can do nothing is the second."""
    result = planner.solve(planner.load_scenario(ROOT / "scenarios/examples/at-risk.yaml"))
    hang = result.to_json()["scheduler"]["firstHang"]
    assert len(hang["choices"]) == 1
    assert hang["wave"] == 2


def test_search_dead_finds_the_run_that_ends_dead():
    """From START the one dead state (b took both instances) is one wave away: the run found
    is those two states, in order."""
    verdict, path, seen = search_dead(at_risk_example(), FOREVER)
    assert (verdict, path) == ("found", [START, B_TAKES_BOTH])
    assert 4 <= seen <= 6  # START, its three successors, at most the two after them


def test_search_dead_sees_every_state_of_a_safe_rollout():
    """One task, minimum 0 / maximum 100: the only wave stops it and starts the new one.
    Two states in all, neither dead."""
    problem = compile_problem(scenario([(2048, 8000, 1)], [svc("api", 1, td(512), mn=0, mx=100)]))
    assert search_dead(problem, FOREVER) == ("none", None, 2)


def test_follows_tells_the_example_waves_ecs_could_take():
    """Moves are (service, instance, count); service 0 is a, 1 is b. Each wave worked out
    above is one the scheduler could take, in some order of its moves, and so is the next."""
    problem = at_risk_example()
    b_stops = ((1, 1, 1), (1, 2, 1))
    assert follows(problem, [Wave(b_stops, ((1, 1, 1), (1, 2, 1)))])  # b takes both
    assert follows(problem, [Wave(b_stops, ((0, 1, 1), (1, 2, 1)))])  # a on 1, b on 2
    # the second wave after a started: a stops, b's last new task takes its instance
    second = Wave(((0, 0, 1),), ((1, 0, 1),))
    assert follows(problem, [Wave(b_stops, ((0, 1, 1), (1, 2, 1))), second])
