"""The wave model of ROLLOUT.md §3–§5, checked on hand-worked cases."""

import random
from collections import Counter
from dataclasses import replace

import pytest
from builders import at_risk_example, problem, reacting, svc, td

from planner.model.problem import DoesNotFit, compile_problem, lower_bound, upper_bound
from planner.model.rollout import (
    InvalidWave,
    Policy,
    State,
    Wave,
    apply_wave,
    can_start_somewhere,
    closest_instance,
    explain,
    failures,
    initial_state,
    is_complete,
    is_dead,
    placement_message,
    replay,
    scheduler_wave,
    simulate,
    start_room,
    stop_allowance,
)
from planner.model.scenario import Agent


@pytest.mark.parametrize(
    ("desired", "mn", "mx", "lower", "upper"),
    [
        (1, 100, 150, 1, 1),  # seed case 1: a second task would be 200 %
        (1, 100, 134, 1, 1),  # GovWifi PR #1011: accepted by the API, hangs
        (3, 66, 100, 2, 3),  # 1.98 rounds up to 2
        (3, 67, 133, 3, 3),  # 2.01 rounds up; 3.99 rounds down
        (4, 50, 200, 2, 8),
        (0, 100, 200, 0, 0),
    ],
)
def test_bounds_round_as_ecs(desired, mn, mx, lower, upper):
    assert lower_bound(desired, mn) == lower
    assert upper_bound(desired, mx) == upper


def test_initial_spread_fewest_tasks_first_then_file_order():
    p = problem([(2048, 4000, 3)], [svc("a", 4, td(256)), svc("b", 2, td(256))])
    assert [row[0] for row in p.initial] == [2, 1, 1]
    # b goes where b has fewest tasks: instance 0 and 1 (ties: file order)
    assert [row[1] for row in p.initial] == [1, 1, 0]


def test_running_service_that_does_not_fit_is_invalid_not_a_hang():
    with pytest.raises(DoesNotFit, match="does not fit the cluster"):
        problem([(1024, 4000, 1)], [svc("a", 5, td(256))])


def test_fixed_port_clash_and_reserved_port():
    p = problem([(4096, 4000, 1)], [svc("a", 1, td(256, ports=(80,)))])
    st = initial_state(p)
    assert failures(p, st, 0, 0) == ("port",)
    with pytest.raises(DoesNotFit):
        problem([(4096, 4000, 1)], [svc("a", 1, td(256, ports=(22,)))])


def test_stop_allowance_and_start_room():
    p = problem([(4096, 8000, 2)], [svc("a", 4, td(256), mn=50, mx=150)])
    st = initial_state(p)
    assert stop_allowance(p, st, 0) == 2  # lower 2
    assert start_room(p, st, 0) == 2  # upper 6 − 4 running


def test_seed_case_3_hangs_on_cpu_with_one_instance_and_completes_with_two():
    agent = Agent(reserved_cpu=256)
    one = problem([(1024, 985, 1)], [svc("web", 3, td(256))], agent)
    run = simulate(one)
    assert not run.complete and is_dead(one, run.states[-1])
    [blocked] = explain(one, run.states[-1])
    assert (blocked.reason, blocked.instance) == ("cpu", 0)
    assert "insufficient CPU units" in blocked.message
    two = problem([(1024, 985, 2)], [svc("web", 3, td(256))], agent)
    run = simulate(two)
    assert run.complete
    assert is_complete(two, replay(two, run.waves, ecs_rules=True)[-1])


def test_deployment_configuration_reason():
    p = problem([(1024, 985, 2)], [svc("web", 1, td(256), mx=150)])
    st = initial_state(p)
    assert is_dead(p, st)
    [b] = explain(p, st)
    assert b.reason == "deployment-configuration"
    assert "because of the service deployment configuration" in b.message


def test_closest_instance_fails_fewest_requirements():
    p = problem(
        [(512, 4000, 1), (768, 4000, 1)],
        [svc("a", 1, td(256, ports=(80,)), td(1024, ports=(80,)))],
    )
    st = initial_state(p)  # the old task spreads to instance 0
    assert failures(p, st, 0, 0) == ("cpu", "port")
    assert failures(p, st, 1, 0) == ("cpu",)
    assert closest_instance(p, st, 0) == (1, "cpu")


def test_replay_rejects_broken_waves():
    p = problem([(1024, 4000, 2)], [svc("a", 2, td(512))])
    st = initial_state(p)
    with pytest.raises(InvalidWave, match="allowed"):
        apply_wave(p, st, Wave(stops=((0, 0, 1),)))  # minimum 100 %: nothing may stop yet
    with pytest.raises(InvalidWave, match="do not fit"):
        apply_wave(p, st, Wave(starts=((0, 0, 2),)))  # 512 + 1024 > 1024
    with pytest.raises(InvalidWave, match="not maximal"):
        apply_wave(p, st, Wave(starts=((0, 0, 1),)), ecs_rules=True)


def test_at_risk_example_has_a_dead_and_a_complete_ecs_run():
    p = at_risk_example()
    st = initial_state(p)
    # B's two new tasks take both free instances: A is stuck
    bad = Wave(stops=((1, 1, 1), (1, 2, 1)), starts=((1, 1, 1), (1, 2, 1)))
    after = apply_wave(p, st, bad, ecs_rules=True)
    assert is_dead(p, after)
    assert {b.reason for b in explain(p, after)} == {"cpu"}
    good = [
        Wave(stops=((1, 1, 1), (1, 2, 1)), starts=((0, 1, 1), (1, 2, 1))),
        Wave(stops=((0, 0, 1),), starts=((1, 0, 1),)),
    ]
    assert is_complete(p, replay(p, good, ecs_rules=True)[-1])


def test_blue_green_stops_blue_only_after_the_whole_green_set():
    p = problem([(4096, 8000, 2)], [svc("a", 2, td(1024), strategy="BLUE_GREEN")])
    st = initial_state(p)
    assert stop_allowance(p, st, 0) == 0
    after = apply_wave(p, st, Wave(starts=((0, 0, 1),)))
    assert stop_allowance(p, after, 0) == 0
    after = apply_wave(p, after, Wave(starts=((0, 1, 1),)))
    assert stop_allowance(p, after, 0) == 2


def test_distinct_instance_counts_old_and_new():
    p = problem([(4096, 8000, 2)], [svc("a", 2, td(256), distinct_instance=True)])
    st = initial_state(p)
    assert failures(p, st, 0, 0) == ("placement-constraint",)


# ---------------------------------------------------------------- ECS's choices in a run


def test_the_default_run_spreads_as_ecs_does():
    """Stop where the service runs most tasks (ties: the first instance), start where it
    runs fewest (ties: the first), ROLLOUT.md §3 and §8's default."""
    p = problem([(4096, 8000, 3)], [svc("a", 4, td(256), mn=50, mx=100)])
    assert [row[0] for row in p.initial] == [2, 1, 1]
    wave = scheduler_wave(p, initial_state(p))
    # lower 2: two stops, the first from instance 0 (two tasks), the second from the tie
    # [1, 1, 1] (the first instance); then two starts where a runs fewest: 0, then the
    # tie [1, 1, 1] again (the first instance)
    assert wave.stops == ((0, 0, 2),)
    assert wave.starts == ((0, 0, 2),)


def test_ecs_own_run_is_the_schedulers_zones_and_strategies_first():
    """ECS's own run (simulate's default) follows each service's placement strategy as
    ROLLOUT.md §8 says: no strategy is spread by zone, then by instance; binpack packs.
    A spread by instance alone would start web's task on instance 1 and spread pack's."""
    from planner.deciding.scheduler import scheduler_run
    from planner.model.problem import compile_problem
    from planner.model.scenario import InstanceGroup, Scenario

    zoned = compile_problem(
        Scenario(
            "zoned",
            (
                InstanceGroup("a", 1024, 4000, 2, zones=("us-east-1a",)),
                InstanceGroup("b", 1024, 4000, 2, zones=("us-east-1b",)),
            ),
            (svc("web", 1, td(256), placement=(1, 0, 0, 0)),),
        )
    )
    run = simulate(zoned)  # zone a holds the old task: the new one goes to zone b
    assert run.complete and run.waves[0].starts == ((0, 2, 1),)
    assert run.waves == scheduler_run(zoned).waves
    strategy = (("binpack", "cpu"),)
    pack = svc("pack", 2, td(512), mn=100, placement=(1, 1, 0), placement_strategy=strategy)
    packed = problem([(2048, 8000, 3)], [pack])
    run = simulate(packed)  # 1536 then 1024 left on instance 0: the least, twice
    assert run.complete and run.waves[0].starts == ((0, 0, 2),)
    assert run.waves == scheduler_run(packed).waves


def test_the_default_run_takes_services_in_turns():
    """Two services placing at once alternate task by task (ECS interleaves them)."""
    p = problem(
        [(1024, 8000, 2)],
        [svc("a", 2, td(256), td(512), 0, 100), svc("b", 2, td(256), td(512), 0, 100)],
    )
    wave = scheduler_wave(p, initial_state(p))
    assert wave.starts == ((0, 0, 1), (0, 1, 1), (1, 0, 1), (1, 1, 1))


def test_packing_places_on_the_instance_left_with_least_room():
    p = problem([(1024, 8000, 1), (2048, 8000, 1)], [svc("a", 2, td(256), mn=100)])
    assert p.initial == ((1,), (1,))
    # spread: fewest tasks of a, [1, 1] -> instance 0, then [2, 1] -> instance 1
    assert scheduler_wave(p, initial_state(p)).starts == ((0, 0, 1), (0, 1, 1))
    # packed: least room left, 768 < 1792 -> instance 0, then 512 < 1792 -> instance 0
    assert scheduler_wave(p, initial_state(p), policy=Policy(pack=True)).starts == ((0, 0, 2),)


def test_random_runs_make_other_choices_than_the_default():
    p = problem([(4096, 8000, 4)], [svc("a", 4, td(256), td(512), 50, 150)])
    default = simulate(p).waves
    others = {tuple(simulate(p, random.Random(k)).waves) for k in range(20)}
    assert len(others) > 1 and any(w != tuple(default) for w in others)
    for waves in others:  # every one of them an ECS run that completes
        assert is_complete(p, replay(p, list(waves), ecs_rules=True)[-1])


def test_an_ordered_run_places_the_first_service_before_the_second():
    p = at_risk_example()  # a: 1 task of 1024; b: 2 tasks 512 -> 1024
    b_first = simulate(p, policy=Policy(order=(1, 0)))
    assert not b_first.complete  # b takes both free instances: a is stuck (§4)
    a_first = simulate(p, policy=Policy(order=(0, 1)))
    assert a_first.complete


def test_dead_means_nothing_may_stop_and_nothing_can_start():
    p = problem([(1024, 4000, 2)], [svc("a", 2, td(512), mn=50, mx=100)])
    st = initial_state(p)
    assert stop_allowance(p, st, 0) == 1 and not is_dead(p, st)  # it may stop one
    run = simulate(p)
    assert run.complete and not is_dead(p, run.states[-1])  # complete is not dead
    # room for exactly one start, and it fits: not dead, and can_start_somewhere says so
    p = problem([(1024, 4000, 2)], [svc("a", 1, td(512), mx=200)])
    st = initial_state(p)
    assert start_room(p, st, 0) == 1 and can_start_somewhere(p, st, 0)


def test_ecs_messages_word_for_word():
    p = problem([(1024, 985, 2)], [svc("web", 1, td(256), mx=150)])
    [b] = explain(p, initial_state(p))
    assert b.message == (
        "service web was unable to stop or start tasks during a deployment because of the "
        "service deployment configuration. Update the minimumHealthyPercent or "
        "maximumPercent value and try again."
    )
    assert b.instance is None
    p = problem([(4096, 4000, 1)], [svc("api", 1, td(256, ports=(80,)))])
    [b] = explain(p, initial_state(p))
    assert (
        b.message
        == placement_message("api", 0, "port", "port 80")
        == (
            "service api was unable to place a task because no container instance met all of "
            "its requirements. The closest matching container-instance 0 is already using a "
            "port required by your task."
        )
    )


def test_explain_names_every_stuck_service_and_only_those():
    p = at_risk_example()
    dead = apply_wave(
        p,
        initial_state(p),
        Wave(stops=((1, 1, 1), (1, 2, 1)), starts=((1, 1, 1), (1, 2, 1))),
        ecs_rules=True,
    )
    assert [(b.service, b.reason, b.instance) for b in explain(p, dead)] == [("a", "cpu", 0)]


def test_replay_names_the_wave_that_breaks_a_rule():
    p = problem([(1024, 4000, 2)], [svc("a", 2, td(512))])
    one = Wave(starts=((0, 0, 1),))  # a partial start: legal under the general rules
    with pytest.raises(InvalidWave, match=r"^wave 2: a: stops 2 old tasks, 1 allowed$"):
        replay(p, [one, Wave(stops=((0, 0, 1), (0, 1, 1)))])
    # the general rules by default: a partial start is a legal wave there
    assert replay(p, [Wave(starts=((0, 0, 1),))])[-1].new_total(0) == 1


def test_stops_come_from_the_instance_with_most_tasks_old_and_new():
    p = problem([(4096, 8000, 2)], [svc("a", 2, td(256), mn=100, mx=150)])
    st = initial_state(p)  # one old task on each instance
    st = apply_wave(p, st, Wave(starts=((0, 0, 1),)))  # a new one beside instance 0's
    assert stop_allowance(p, st, 0) == 1
    assert scheduler_wave(p, st).stops == ((0, 0, 1),)  # 2 tasks there against 1


def test_packing_is_not_the_first_instance_by_default():
    p = problem([(2048, 8000, 1), (1024, 8000, 1)], [svc("a", 2, td(256), mn=100)])
    packed = scheduler_wave(p, initial_state(p), policy=Policy(pack=True))
    assert packed.starts == ((0, 1, 2),)  # 768 left on instance 1 < 1792 on instance 0


def test_levelling_takes_the_most_room_left_and_a_levelled_service_ignores_pack():
    p = problem([(2048, 8000, 1), (1024, 8000, 1)], [svc("a", 2, td(256), mn=100)])
    st = initial_state(p)  # one old task on each: 1792 left on instance 0, 768 on 1
    assert scheduler_wave(p, st, policy=Policy(level=True)).starts == ((0, 0, 2),)
    # levelling evens the room out: once instance 0 has less left, instance 1 is next
    even = problem([(2048, 8000, 1), (1920, 8000, 1)], [svc("a", 2, td(256), mn=0, mx=100)])
    assert scheduler_wave(even, initial_state(even), policy=Policy(level=True)).starts == (
        (0, 0, 1),
        (0, 1, 1),
    )  # both stopped: 2048 and 1920 left, then 1792 on 0 against 1920: one start each
    thin = Policy(order=(0,), pack=True, levelled=(0,))
    assert scheduler_wave(p, st, policy=thin).starts == ((0, 0, 2),)  # not packed onto 1
    assert scheduler_wave(p, st, policy=Policy(pack=True)).starts == ((0, 1, 2),)


def test_explain_skips_services_that_can_still_move():
    p = at_risk_example()  # at the start, a can neither stop nor start; b can stop
    assert [(b.service, b.reason) for b in explain(p, initial_state(p))] == [("a", "cpu")]
    # a done, b stuck behind a's new task: b is named although a comes first
    p = problem(
        [(1024, 4000, 2)],
        [
            svc("a", 1, td(512), td(1024), 0, 100, placement=(1, 0)),
            svc("b", 1, td(512), td(1024), 100, 200, placement=(0, 1)),
        ],
    )
    st = replay(p, [Wave(stops=((0, 0, 1),), starts=((0, 0, 1),))])[-1]
    assert is_dead(p, st)
    assert [(b.service, b.reason) for b in explain(p, st)] == [("b", "cpu")]


@pytest.mark.parametrize(
    ("wave", "message"),
    [
        (Wave(starts=((1, 0, 1),)), r"^bad move \(1, 0, 1\)$"),  # no service 1
        (Wave(starts=((0, 2, 1),)), r"^bad move \(0, 2, 1\)$"),  # no instance 2
        (Wave(starts=((0, 0, 0),)), r"^bad move \(0, 0, 0\)$"),  # a move of nothing
        (Wave(starts=((-1, 0, 1),)), r"^bad move"),
        (Wave(stops=((0, 1, 1),)), r"^stops a task that is not running there$"),
        (Wave(starts=((0, 0, 1), (0, 1, 2))), r"^a: starts 3 new tasks, room for 2$"),
    ],
)
def test_apply_wave_says_what_is_wrong(wave, message):
    p = problem([(4096, 8000, 2)], [svc("a", 2, td(256), placement=(2, 0), mn=50)])
    with pytest.raises(InvalidWave, match=message):
        apply_wave(p, initial_state(p), wave)


def test_apply_wave_under_ecs_rules_names_the_service_that_still_fits():
    p = problem([(4096, 8000, 2)], [svc("a", 2, td(256), placement=(2, 0), mn=50)])
    with pytest.raises(InvalidWave, match=r"^not maximal: a still fits on instance 0$"):
        apply_wave(
            p, initial_state(p), Wave(stops=((0, 0, 1),), starts=((0, 1, 1),)), ecs_rules=True
        )


def test_explain_goes_on_after_a_service_held_by_its_bounds():
    """Two stuck services, the first by its percents, the second by CPU: both named."""
    p = problem(
        [(1024, 4000, 1)],
        [svc("pinned", 1, td(256), mx=150), svc("big", 1, td(512), td(1024), 100, 200)],
    )
    st = initial_state(p)
    assert is_dead(p, st)
    assert [(b.service, b.reason) for b in explain(p, st)] == [
        ("pinned", "deployment-configuration"),
        ("big", "cpu"),
    ]


def test_explain_skips_a_service_that_may_stop_exactly_one():
    p = problem(
        [(1024, 4000, 3)],
        [svc("a", 1, td(1024)), svc("b", 2, td(512), td(1024), 50, 100)],
    )
    st = initial_state(p)
    assert stop_allowance(p, st, 1) == 1 and not can_start_somewhere(p, st, 1)
    assert [b.service for b in explain(p, st)] == ["a"]


def test_spread_counts_new_tasks_and_each_stop_once():
    # new tasks count: instance 0 runs two new tasks, instance 1 one old task
    p = problem([(4096, 8000, 2)], [svc("a", 3, td(256), mn=0, mx=200, placement=(0, 3))])
    st = replay(p, [Wave(stops=((0, 1, 2),), starts=((0, 0, 2),))])[-1]
    assert (st.old[1][0], st.new[0][0]) == (1, 2)
    wave = scheduler_wave(p, st)  # the last old task stops; the last new task goes where a runs
    assert (wave.stops, wave.starts) == (((0, 1, 1),), ((0, 1, 1),))  # fewest: 0 against 2
    # each stop takes one task off its instance: 3 and 1 old, one stop from instance 0
    # leaves 2 against 1, so the one start goes to instance 1
    p = problem([(4096, 8000, 2)], [svc("a", 4, td(256), mn=75, mx=100, placement=(3, 1))])
    wave = scheduler_wave(p, initial_state(p))
    assert (wave.stops, wave.starts) == (((0, 0, 1),), ((0, 1, 1),))


def test_explain_goes_on_after_a_service_that_can_still_move():
    p = problem([(1024, 4000, 3)], [svc("b", 2, td(512), td(1024), 0, 100), svc("a", 1, td(1024))])
    st = initial_state(p)  # b on instances 0 and 1, a on 2; b may stop, a is stuck
    assert [(b.service, b.reason) for b in explain(p, st)] == [("a", "cpu")]


def test_explain_names_the_member_of_constraint():
    from planner.model.problem import compile_problem
    from planner.model.scenario import InstanceGroup, Scenario

    web = svc("web", 1, td(512), member_of=("attribute:ecs.instance-type == m5.large",))
    p = compile_problem(
        Scenario(
            "s",
            (
                InstanceGroup("t3.small", 4096, 4000, 1, type="t3.small"),
                InstanceGroup("m5.large", 512, 4000, 1, type="m5.large"),
            ),
            (replace(web, placement=(0, 1)),),
        )
    )
    [b] = explain(p, initial_state(p))
    assert (b.reason, b.instance) == ("placement-constraint", 0)
    assert b.message.endswith(
        'container-instance 0 encountered error "MemberOf placement constraint unsatisfied."'
    )
    assert b.detail.startswith(
        "container-instance 0 passes the resource and port filters, but "
        "memberOf(attribute:ecs.instance-type == m5.large) keeps web off it"
    )


# ---------------------------------------------------------------- against the oracle

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from tiny import scenarios  # noqa: E402


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.integers(0, 2**16))
def test_every_run_by_ecs_rules_is_one_the_oracle_allows(scenario, seed):
    """simulate() (default and random choices) takes only waves ROLLOUT.md §4 allows under
    ECS rules, and ends where the oracle says a run ends: complete or dead."""
    import random

    from oracle import Oracle
    from tiny import named

    from planner.model.problem import compile_problem

    p, o = compile_problem(scenario), Oracle(scenario)
    for run in (simulate(p), simulate(p, random.Random(seed))):
        end = o.replay(named(p, run.waves), ecs=True)
        assert o.complete(end) == run.complete
        assert run.complete or o.dead(end)
        if not run.complete:
            said = {b.service: (b.reason, b.instance) for b in explain(p, run.states[-1])}
            assert said == o.reasons(end)


def test_apply_wave_accepts_exactly_the_waves_the_oracle_accepts():
    """Random waves, most of them wrong (too many stops, starts that do not fit, ports
    taken twice, a second task where distinctInstance allows one): after a random prefix
    of a run, apply_wave refuses a wave exactly when the oracle's rules do, under the
    general rules and under ECS rules; both answers occur often on the sample."""
    import random

    from tiny import named, sample

    seen = Counter()
    for c in sample("mixed") + sample("broad"):
        p, o = c.problem, c.oracle
        rng = random.Random(c.name)
        for _ in range(3):
            run = simulate(p, rng)
            k = rng.randint(0, len(run.waves))
            prefix, state = run.waves[:k], run.states[k]
            moves = [
                (s, i, rng.randint(1, 2))
                for s in range(p.n_services)
                for i in range(p.n_instances)
                if rng.random() < 0.4
            ]
            stops = tuple(m for m in moves if rng.random() < 0.5 and state.old[m[1]][m[0]] >= m[2])
            wave = Wave(stops, tuple(m for m in moves if m not in stops))
            for ecs in (False, True):
                try:
                    apply_wave(p, state, wave, ecs_rules=ecs)
                    accepted = True
                except InvalidWave:
                    accepted = False
                try:
                    o.replay(named(p, [*prefix, wave]), ecs=ecs)
                    oracle_accepts = True
                except AssertionError:
                    oracle_accepts = False
                assert accepted == oracle_accepts, (c.name, wave, ecs)
                seen[ecs, accepted] += 1
    assert min(seen.values()) >= 50 and len(seen) == 4, seen


def test_a_run_past_its_deadline_is_cut_not_judged():
    """A run cut short by the deadline is neither complete nor dead: it raises."""
    import time

    from planner.errors import OutOfTime

    p = at_risk_example()
    with pytest.raises(OutOfTime):
        simulate(p, deadline=time.perf_counter() - 1)
    assert simulate(p, deadline=time.perf_counter() + 60).waves  # in time: the same run


def test_a_group_at_its_max_size_spells_states_as_a_fixed_fleet():
    """A capacity provider's group at its maxSize cannot grow: its states carry no
    ``added``, as the solvers' states do not, so that a dead end a solver found equals the
    replayed one (an at-risk M scenario failed its evidence check on (0,) against ())."""
    services = [svc("a", 1, td(1024)), svc("b", 2, td(512), td(1024), 0, 100)]
    at_max = compile_problem(reacting([(1024, 4000, 3)], services, 3))
    assert at_max.groups and not at_max.reacts
    start = initial_state(at_max)
    assert start == State(at_max.initial, at_max.start_new)
    run = simulate(at_max)
    assert all(st.added == () for st in run.states)
    roomy = compile_problem(reacting([(1024, 4000, 3)], services, 4))
    assert roomy.reacts and initial_state(roomy).added == (0,)


def test_a_spoiling_policy_puts_each_task_where_it_takes_a_place_of_the_target():
    """Policy(spoil=t): two instances of 2048 units; b (768 units) starts where a new task
    of a (1024 units) fits now and would not after it. Instance 0 has 1024 left (a fits;
    after b's 768, 256: a no longer fits), instance 1 has 2048 left (a still fits after):
    b goes to 0. The run it makes is a run by ECS rules (replayed)."""
    from planner.model.policy import Policy
    from planner.model.rollout import replay, simulate

    p = problem(
        [(2048, 8000, 2)],
        [
            svc("a", 1, td(1024), mn=100, mx=200, placement=(1, 0)),
            svc("b", 1, td(768), td(768), mn=0, mx=100, placement=(0, 1)),
        ],
    )
    run = simulate(p, policy=Policy(order=(1, 0), spoil=0))
    b_starts = [(i, n) for (t, i, n) in run.waves[0].starts if t == 1]
    assert b_starts == [(0, 1)]
    replay(p, run.waves, ecs_rules=True)
