"""ECS's scheduler as configured (planner.deciding.scheduler) on ROLLOUT.md §4's at-risk
example, its waves worked out by hand: values mutation testing found untested."""

from pathlib import Path

from builders import at_risk_example

import planner
from planner.deciding.scheduler import successors
from planner.model.rollout import State, initial_state

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
