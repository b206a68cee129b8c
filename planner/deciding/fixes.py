"""Changes that make a hanging or at-risk rollout safe, each one checked by a solve.

Tried in this order, cheapest to the team first: more instances of a group already in the
cluster (one per kind of instance: type, size, zone, attributes; never a draining one), a
dynamic host port for a service whose fixed port blocks it, then percent settings
(maximumPercent 200, then minimumHealthyPercent 50 and 0 — the last means a short
outage). From a snapshot that hangs (ROLLOUT.md §9), also one old task stopped by hand.

On a cluster that reacts (ROLLOUT.md §10), first a capacity provider's group allowed to
grow further (a larger ``maxSize``), or given a larger smallest type where the task does
not fit an empty instance of the one it has (so ECS's estimate leaves it out and the
group never grows); last, where the outcome is stuck because a service has no circuit
breaker, the breaker turned on with rollback: not a fix that makes the rollout safe (it
says so, :data:`ENDS_ONLY`), but one checked to make it end, the rollback completing.

Where several services deploying at once are at-risk and no change above makes it safe
(or the rollout is too large to try them: :data:`MAX_TASKS`), deploying them in two
steps, the first proven safe on its own (:func:`batch_fixes`). The later steps are proven
too where an argument that never asks where the earlier steps' tasks landed covers them
(:mod:`planner.deciding.steps`); else it is two steps, only the first checked, and the fix
says so.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from planner.deciding import steps
from planner.deciding.result import Fix, Result
from planner.deciding.verdict import analyse
from planner.deciding.verdicts import Verdict
from planner.model.problem import DoesNotFit, Problem, compile_problem
from planner.model.scenario import Scenario
from planner.running import clock
from planner.running.clock import Deadline

#: Largest rollout (sum of desired counts) for which fixes are searched.
MAX_TASKS = 400
#: What a fix says when it makes the rollout end rather than complete (not safe).
ENDS_ONLY = "the rollout still does not complete"


#: What the batches fix says of its second step, which is not checked (:func:`batch_fixes`).
FIRST_STEP_ONLY = "the second step is not checked here"
#: A batches fix's ``checked`` where its later steps are proven too (:func:`in_steps`).
EVERY_STEP = "every step"


def is_safe_fix(fix: str) -> bool:
    """Whether ``fix`` was checked safe: every one but the breaker's, which makes the
    rollout end, not complete (:data:`ENDS_ONLY`), and the batches' where only the first
    step is checked (:data:`FIRST_STEP_ONLY`; where every step is, :data:`EVERY_STEP`, it
    counts as safe)."""
    if isinstance(fix, Fix):
        whole = fix.kind != "batches" or fix.extra.get("checked") == EVERY_STEP
        return fix.verdict == Verdict.SAFE and whole
    # a sentence (a batch row read back from JSON, say)
    return ENDS_ONLY not in fix and FIRST_STEP_ONLY not in fix


def checked_words(fix: str) -> str:
    """What the check of ``fix`` showed, in a few words (JUnit's messages)."""
    if is_safe_fix(fix):
        return "safe"
    return "its first step safe" if FIRST_STEP_ONLY in fix else "it ends"


def _safe(scenario: Scenario, deadline: Deadline, seed: int) -> bool:
    try:
        problem = compile_problem(scenario)
    except DoesNotFit:
        return False
    return _checked_safe(problem, deadline, seed)


def _checked_safe(problem: Problem, deadline: Deadline, seed: int) -> bool:
    """Whether ``problem`` is proven safe within its share of ``deadline``."""
    if deadline.expired:
        return False
    check = deadline.share(clock.FIX_CHECK)
    return analyse(problem, seed=seed, deadline=check, report=False).verdict == Verdict.SAFE


def find_fixes(
    scenario: Scenario,
    problem: Problem,
    result: Result,
    *,
    time_limit: float = 20.0,
    seed: int = 0,
    deadline: Deadline | None = None,
    compile_seconds: float = 0.0,
) -> list[Fix]:
    """Verified fixes, each a short sentence with its fields (:class:`Fix`), searched until
    ``deadline`` (None: ``time_limit`` seconds from now), within its
    :data:`~planner.running.clock.FIXES`. ``compile_seconds``: how long compiling the
    scenario took (a candidate takes as long, before its solve can look at the clock)."""
    deadline = (Deadline(time_limit) if deadline is None else deadline).share(clock.FIXES)
    if problem.total_desired > MAX_TASKS:
        return batch_fixes(scenario, problem, result, deadline, seed, compile_seconds)
    found: list[Fix] = []
    groups = scenario.instance_groups
    kinds: set[tuple] = set()
    found += _provider_fixes(scenario, deadline, seed)
    found += _larger_type_fixes(scenario, problem, result, deadline, seed)
    owned = {k for cp in scenario.capacity_providers for k in cp.groups}
    for k, g in enumerate(groups):
        kind = (g.type or g.instance_type, g.cpu, g.memory, g.enis, g.zones, g.attributes)
        if g.closed or kind in kinds or k in owned:
            continue  # a draining instance takes nothing; one like it was tried; a
            # capacity provider's group grows by its maxSize (_provider_fixes)
        kinds.add(kind)
        for extra in (1, 2, 3):
            cand = scenario.with_counts({k: (g.count or 0) + extra})
            if _safe(cand, deadline, seed):
                what = "one more" if extra == 1 else f"{extra} more"
                zones = _added_zones(g, extra)
                where = f" in {', '.join(zones)}" if zones else ""
                fields: dict[str, Any] = {
                    "field": "count", "value": (g.count or 0) + extra, "group": g.name,
                    "added": extra, **({"zones": zones} if zones else {}),
                }  # fmt: skip
                if g.instance_ids:  # an imported instance: say what to add, not its id
                    name = g.type or g.instance_type or f"{g.cpu} CPU units, {g.memory} MiB"
                    text = f"{what} {name}{where} (like {g.instance_ids[0]})"
                    fields["like"] = g.instance_ids[0]
                else:
                    text = f"{what} {g.name}{where} (placement by ECS's spread)"
                found.append(Fix(text, "more-instances", **fields))
                break
    blocked = {b.service for b in (result.dead_state.blocked if result.dead_state else [])}
    for idx, svc in enumerate(scenario.services):
        if not svc.deploy or (blocked and svc.name not in blocked):
            continue
        td = svc.new_task_definition
        if td.host_ports and td.network_mode == "bridge":
            dyn = replace(td, host_ports=(), dynamic_ports=td.dynamic_ports + len(td.host_ports))
            if _safe(_set_service(scenario, idx, new_task_definition=dyn), deadline, seed):
                found.append(
                    Fix(f"dynamic host port for {svc.name} (hostPort 0)", "dynamic-host-port",
                        service=svc.name, field="hostPort", value=0)
                )  # fmt: skip
        if svc.all_at_once:
            continue
        for mn, mx, text, key in (
            (svc.minimum_healthy_percent, 200, "maximumPercent 200", "maximumPercent"),
            (50, max(svc.maximum_percent, 100), "minimumHealthyPercent 50",
             "minimumHealthyPercent"),
            (0, max(svc.maximum_percent, 100), "minimumHealthyPercent 0 (a short outage)",
             "minimumHealthyPercent"),
        ):  # fmt: skip
            if (mn, mx) == (svc.minimum_healthy_percent, svc.maximum_percent):
                continue
            if mx < svc.maximum_percent and mn >= svc.minimum_healthy_percent:
                continue
            cand = _set_service(scenario, idx, minimum_healthy_percent=mn, maximum_percent=mx)
            if _safe(cand, deadline, seed):
                more: dict[str, Any] = {}
                if key != "maximumPercent" and mx != svc.maximum_percent:  # raised to 100
                    more["also"] = {"maximumPercent": mx}
                found.append(
                    Fix(f"{text} for {svc.name}", "deployment-configuration", service=svc.name,
                        field=key, value=mx if key == "maximumPercent" else mn, **more)
                )  # fmt: skip
                break
    if problem.snapshot and result.verdict == Verdict.HANGS:
        found += _stops_by_hand(problem, result, deadline, seed)
    found += _breaker_fixes(scenario, result, deadline, seed)
    if not found:
        found += batch_fixes(scenario, problem, result, deadline, seed, compile_seconds)
    return found


#: The share of the batches fix's time each of its solves gets (:func:`batch_fixes`).
STEP_CHECK = 1 / 3


def may_batch(problem: Problem) -> bool:
    """Whether deploying in steps (:func:`batch_fixes`) is a fix to try: several services
    deploy, from a cluster at rest (a service caught mid-deployment cannot be held back)
    that does not react (where its new instances go is not this fix's to say)."""
    return problem.n_services >= 2 and not problem.snapshot and not problem.reacts


def batch_fixes(
    scenario: Scenario,
    problem: Problem,
    result: Result,
    deadline: Deadline,
    seed: int,
    compile_seconds: float = 0.0,
) -> list[Fix]:
    """Where several services deploying at once are at-risk or ``unknown``: deploying
    them in steps. Every step proven where that can be (:func:`in_steps`); else two,
    the first step as large as is proven safe on its own, as follows.

    The candidates are the deploying services in file order, those a dead end leaves
    stuck last. The first step grows by runs of them: one at first; a run is kept where
    the step with it is proven safe (a full solve, the other services keeping still:
    ``deploy: false``, in a third of the time left, :data:`STEP_CHECK`) and the next run
    is twice as long; where it is not, the run is halved, and a service that cannot join
    alone is passed over (about twice the logarithm of the services in solves where most
    steps are safe, where one service at a time took as many solves as services). Only
    that step is checked: where its new tasks land is ECS's choice, so the second step
    starts from a cluster this solve cannot know; the fix says so
    (:data:`FIRST_STEP_ONLY`) and is not counted safe (:func:`is_safe_fix`). All its
    solves share one check's time (:data:`~planner.running.clock.FIX_CHECK`). A step is
    not tried with less left than twice ``compile_seconds`` (compiling a candidate takes
    about as long as the scenario's own compile, before its solve can look at the clock:
    at 2,800 instances, 3.7 s), and gets at least that twice over.
    """
    services = scenario.services
    deploying = [k for k, svc in enumerate(services) if svc.deploy]
    if result.verdict not in (Verdict.AT_RISK, Verdict.UNKNOWN) or not may_batch(problem):
        return []
    deadline = deadline.share(clock.FIX_CHECK)  # all its checks together: one fix's time
    if (proven := in_steps(scenario, problem, deadline, seed, compile_seconds)) is not None:
        return [proven]
    stuck = {b.service for b in (result.dead_state.blocked if result.dead_state else [])}
    left = sorted(deploying, key=lambda k: (services[k].name in stuck, k))
    first: list[int] = []
    run = 1
    while left and not deadline.expired:
        chunk = left[:run]
        if len(first) + len(chunk) == len(deploying):
            chunk = chunk[:-1]  # (all of them at once is the rollout asked about)
            if not chunk:
                break
        step = {*first, *chunk}
        kept = (replace(s, deploy=False) if s.deploy and i not in step else s
                for i, s in enumerate(services))  # fmt: skip
        # each solve a third of what is left, so that a hard step leaves time for a
        # smaller one
        if deadline.left() < 2 * compile_seconds:
            break  # compiling the step would overrun the time limit
        check = deadline.within(max(deadline.left() * STEP_CHECK, 2 * compile_seconds))
        if _safe(replace(scenario, services=tuple(kept)), check, seed):
            first += chunk
            left = left[len(chunk) :]
            run *= 2
        elif len(chunk) == 1:
            left = left[1:]  # this one cannot join: the next may
        else:
            run = max(1, len(chunk) // 2)
    if not first:
        return []
    now = [services[k].name for k in sorted(first)]
    later = [services[k].name for k in deploying if k not in first]
    text = (
        f"deploy in two steps: first {', '.join(now)} (checked: safe on its own, the others "
        f"keeping still), then {', '.join(later)}; run planner again once the first step is "
        f"done ({FIRST_STEP_ONLY}: where its new tasks land is ECS's choice)"
    )
    return [
        Fix(text, "batches", field="deploy", value=now, verdict=Verdict.SAFE,
            then=later, checked="first step")
    ]  # fmt: skip


def in_steps(
    scenario: Scenario, problem: Problem, deadline: Deadline, seed: int, compile_seconds: float
) -> Fix | None:
    """Steps, each proven safe: the later ones by proofs that hold wherever ECS puts the
    earlier steps' tasks (:func:`planner.deciding.steps.later_steps`), the first by a full
    solve, the others keeping still. Half of the time is left for the two steps of
    :func:`batch_fixes`; of this half, the splits take at most three quarters.

    The deepest split is solved first: its first step is the smallest, the soonest proven
    (on the benchmark families, a few services in a fraction of a second, where a first
    step of five or more took its whole share and failed). Then, for fewer steps, the
    others from the shallowest, each in an equal part of what is left, until one is safe.
    None: no such steps."""
    own = deadline.within(deadline.left() / 2)
    splits = list(
        steps.later_steps(scenario, problem, own.within(own.left() * 3 / 4), compile_seconds)
    )
    proven = None
    for k, (first, split) in enumerate([*splits[-1:], *splits[:-1]]):
        if proven is not None and len(split) >= len(proven[1]):
            break  # (from the shallowest on: no fewer steps from here)
        if own.left() < 2 * compile_seconds:
            break
        try:
            candidate = compile_problem(first)
        except DoesNotFit:
            continue
        share = own.left() / (len(splits) - k)
        if _checked_safe(candidate, own.within(max(share, 2 * compile_seconds)), seed):
            proven = candidate, split
            if k:
                break  # the fewest steps found (shallowest first)
        elif k == 0:
            # the smallest first step is not proven; the larger ones are not tried (a
            # choice, not a proof: on the benchmark families they took their whole
            # shares and failed), which leaves the time to batch_fixes' own two steps
            return None
    if proven is None:
        return None
    step, later = proven
    now = [svc.name for svc in step.services]
    n = len(later) + 1
    proofs = " or ".join(sorted({steps.PROOFS[how] for _, how in later}))
    where = "the first step's tasks" if n == 2 else "the earlier steps' tasks"
    text = (
        f"deploy in {'two' if n == 2 else n} steps: first {', '.join(now)} (checked: safe "
        "on its own, the others keeping still), then "
        + "; then ".join(", ".join(names) for names, _ in later)
        + f" ({'checked' if n == 2 else 'each later step checked'}: safe wherever ECS puts "
        f"{where}, as {proofs})"
    )
    return Fix(text, "batches", field="deploy", value=now, verdict=Verdict.SAFE,
               then=[name for names, _ in later for name in names], checked=EVERY_STEP,
               steps=[names for names, _ in later], proofs=[how for _, how in later])  # fmt: skip


#: The raises of a group's maxSize tried, smallest first (ROLLOUT.md §10).
MAX_SIZE_STEPS = (1, 2, 3, 4, 6, 8, 12, 16)


def _provider_fixes(scenario: Scenario, deadline: Deadline, seed: int) -> list[Fix]:
    """A capacity provider's group allowed to grow further ("raise maxSize to N"), the
    smallest raise that makes the rollout safe."""
    out: list[Fix] = []
    providers = scenario.capacity_providers
    for k, cp in enumerate(providers):
        if not cp.scales:
            continue
        for extra in MAX_SIZE_STEPS:
            if deadline.expired:
                return out
            grown = list(providers)
            grown[k] = replace(cp, max_size=cp.max_size + extra)
            if _safe(replace(scenario, capacity_providers=tuple(grown)), deadline, seed):
                out.append(
                    Fix(f"raise maxSize of {cp.name}'s Auto Scaling group to "
                        f"{cp.max_size + extra}", "max-size", field="maxSize",
                        value=cp.max_size + extra, capacityProvider=cp.name)
                )  # fmt: skip
                break
    return out


def _larger_type_fixes(
    scenario: Scenario, problem: Problem, result: Result, deadline: Deadline, seed: int
) -> list[Fix]:
    """Per group that does not grow because a stuck service's task does not fit an empty
    instance of its smallest type (the outcome's ``too-big-for-smallest-type``): the next
    type of that type's family in the catalog that the task fits, as the group's
    smallest, if that makes the rollout safe."""
    names = [svc.name for svc in problem.services]
    out: list[Fix] = []
    tried: set[int] = set()
    for end in (result.outcome or {}).get("services", []):
        if end.get("scaleOut") != "too-big-for-smallest-type" or end["service"] not in names:
            continue
        s = names.index(end["service"])
        for share in problem.shares[s] if problem.shares else ():
            k = share.group  # the problem's groups are the capacity providers', in order
            if k in tried or not scenario.capacity_providers[k].scales:
                continue
            tried.add(k)
            fix = _larger_smallest(scenario, k, (s, names[s]), deadline, seed)
            if fix:
                out.append(fix)
    return out


def _larger_types(small) -> list:
    """The catalog's types of ``small``'s family (``m5`` of ``m5.large``) larger than it
    (at least its CPU units and MiB), smallest first."""
    from planner.model.catalog import load_catalog

    name = small.type or ""
    family = name.split(".")[0]
    if "." not in name:
        return []
    return sorted(
        (
            t
            for t in load_catalog().values()
            if t.name.split(".")[0] == family
            # a family is of one architecture; said again so that a fix never swaps images
            and t.arch == (small.arch or t.arch)
            and t.cpu_units >= small.cpu
            and t.memory_mib >= small.memory
            and (t.cpu_units, t.memory_mib) != (small.cpu, small.memory)
        ),
        key=lambda t: (t.cpu_units, t.memory_mib, t.name),
    )


def _larger_smallest(
    scenario: Scenario, k: int, service: tuple[int, str], deadline: Deadline, seed: int
) -> Fix | None:
    """The group of capacity provider ``k`` launching, instead of its smallest type, the
    first larger one of its family on which ``service``'s new task fits an empty
    instance (its index among the problem's services, and its name); the fix if the
    rollout is then safe (None: no such type, or not safe)."""
    from planner.model import placement

    s, name = service
    cp = scenario.capacity_providers[k]
    small = cp.smallest
    for t in _larger_types(small):
        if deadline.expired:
            return None
        bigger = replace(
            small, name=t.name, cpu=t.cpu_units, memory=t.memory_mib, type=t.name,
            enis=t.enis, trunk_enis=t.trunk_enis, hourly_usd=t.hourly_usd,
            estimated=t.estimated, arch=t.arch,
        )  # fmt: skip
        # the others stay where they are not smaller than it: ECS's estimate packs onto
        # the smallest, and a smaller one left in the list would be the smallest again
        rest = [
            g
            for g in cp.launch
            if g is not small and (g.cpu, g.memory) >= (t.cpu_units, t.memory_mib)
        ]
        providers = list(scenario.capacity_providers)
        providers[k] = replace(cp, launch=(bigger, *rest))
        cand = replace(scenario, capacity_providers=tuple(providers))
        try:
            compiled = compile_problem(cand)
        except DoesNotFit:
            return None
        group = compiled.groups[k]
        if not group.launchable:
            return None
        full = compiled.at(tuple(len(g.launchable) for g in compiled.groups))
        zero = [0] * compiled.n_services
        fails = placement.failures(full.rows[group.launchable[0]], zero, zero, s)
        if any(f != "placement-constraint" for f in fails):
            continue  # the task does not fit this one either: the next
        if not _checked_safe(compiled, deadline, seed):
            return None
        return Fix(
            f"{t.name} instead of {small.type} as the smallest type of {cp.name}'s Auto "
            f"Scaling group (the task does not fit an empty {small.type}, so the group "
            "does not grow)",
            "smallest-type",
            service=name,
            field="instanceTypes",
            value=t.name,
            instead=small.type,
            capacityProvider=cp.name,
        )
    return None


def _breaker_fixes(scenario: Scenario, result: Result, deadline: Deadline, seed: int) -> list[Fix]:
    """Where the outcome is stuck because stuck services have no circuit breaker: the
    breaker on, with rollback, for them; offered if the outcome then rolls back and the
    rollback completes (checked by a solve). Not safe, and said so (:data:`ENDS_ONLY`)."""
    from planner.deciding.outcome import outcome
    from planner.model.providers import CircuitBreaker

    end = result.outcome or {}
    if end.get("kind") != "stuck" or not scenario.reacting.placement_failures_count:
        return []
    stuck = {e["service"] for e in end.get("services", []) if e.get("kind") == "stuck"}
    services = list(scenario.services)
    turned: list[str] = []
    for idx, svc in enumerate(services):
        breaker = svc.circuit_breaker
        if svc.name in stuck and not svc.all_at_once and not (breaker and breaker.enable):
            on = CircuitBreaker(True, True) if breaker is None else replace(
                breaker, enable=True, rollback=True
            )  # fmt: skip
            services[idx] = replace(svc, circuit_breaker=on)
            turned.append(svc.name)
    if not turned or deadline.expired:
        return []
    cand = replace(scenario, services=tuple(services))
    try:
        compiled = compile_problem(cand)
    except DoesNotFit:
        return []
    check = deadline.share(clock.FIX_CHECK)
    a = analyse(compiled, seed=seed, deadline=check)
    if a.verdict not in (Verdict.HANGS, Verdict.AT_RISK):
        return []
    then = outcome(cand, compiled, a, None, check)
    if then["kind"] != "rolls-back" or then.get("rollback", {}).get("verdict") != "safe":
        return []
    seconds = then.get("estimatedSeconds", 0)
    when = f"about {round(seconds / 60)} min" if seconds >= 60 else f"about {seconds} s"
    runs = "on the runs that get stuck, " if then.get("someRuns") else ""
    text = (
        f"circuit breaker on, with rollback, for {', '.join(turned)} ({ENDS_ONLY}: "
        f"{runs}it rolls back after about {then.get('failedPlacements')} failed placements, "
        f"{when}, and the rollback completes)"
    )
    return [
        Fix(text, "circuit-breaker", service=turned[0] if len(turned) == 1 else None,
            field="deploymentCircuitBreaker", value={"enable": True, "rollback": True},
            verdict=a.verdict, services=turned, outcome="rolls-back")
    ]  # fmt: skip


#: Most old tasks tried for a stop by hand (one per kind of instance and service).
MAX_STOPS = 12


def _stops_by_hand(problem: Problem, result: Result, deadline: Deadline, seed: int) -> list[Fix]:
    """Old tasks whose stop by hand (``aws ecs stop-task``) makes the rest safe.

    ECS replaces a stopped task by one of the deployment's new revision; in the wave model
    the old task is simply gone, even below the lower bound (a short dip in healthy
    tasks, said in the fix). Tasks on instances alike (the same placement rows and tasks)
    give the same answer, so one of each is tried; the instances of the dead end first.
    """
    from planner.model.rollout import State, initial_state

    start: State = initial_state(problem)
    first = [b.instance for b in (result.dead_state.blocked if result.dead_state else [])]
    order = list(
        dict.fromkeys([i for i in first if i is not None] + list(range(problem.n_instances)))
    )
    seen: set[tuple] = set()
    out: list[Fix] = []
    tried = 0
    for i in order:
        for s, svc in enumerate(problem.services):
            if not start.old[i][s]:
                continue
            key = (s, problem.rows[i], start.old[i], start.new[i])
            if key in seen:
                continue
            seen.add(key)
            tried += 1
            if tried > MAX_STOPS or deadline.expired:
                return out
            old = [list(row) for row in problem.initial]
            old[i][s] -= 1
            cand = replace(problem, initial=tuple(tuple(row) for row in old))
            if not _checked_safe(cand, deadline, seed):
                continue
            running = start.old_total(s) + start.new_total(s) - 1
            dip = (
                f"; {svc.name} runs {running} task{'' if running == 1 else 's'} until a new "
                f"one is healthy, below its lower bound {svc.lower}"
                if running < svc.lower
                else ""
            )
            out.append(
                Fix(f"stop one old task of {svc.name} on {problem.instances[i].label} by hand "
                    f"(aws ecs stop-task){dip}", "stop-task", service=svc.name, instance=i,
                    instanceLabel=problem.instances[i].label)
            )  # fmt: skip
            return out  # the first that works: the smallest change of this kind
    return out


def _added_zones(group, extra: int) -> list[str]:
    """The zones ``extra`` more instances of ``group`` land in (round-robin, ROLLOUT.md §8),
    each named once, in order."""
    if not group.zones:
        return []
    n = group.count or 0
    return list(dict.fromkeys(group.zones[(n + k) % len(group.zones)] for k in range(extra)))


def _set_service(scenario: Scenario, idx: int, **changes) -> Scenario:
    services = list(scenario.services)
    services[idx] = replace(services[idx], **changes)
    return replace(scenario, services=tuple(services))
