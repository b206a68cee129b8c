"""Many independent solves: on this machine's cores, or on a Dask cluster.

Every sweep (``table``, ``percents``, ``batch``) hands its cells to :func:`run_cells`:
``fn(shared, item)`` for every item, where ``shared`` is what all cells need (the
scenario, the catalog's types, the limits) and is sent once, not once per cell:

- ``jobs=1``: in this process, one cell after another;
- ``jobs>1`` (None: every core): a process pool on this machine, ``shared`` handed to
  each worker process once when it starts;
- ``client`` (a ``dask.distributed.Client``, see :func:`connect`): the cells go to the
  cluster's workers, ``shared`` scattered to every worker once, each cell its own task
  with its own time limit. Dask retries a cell whose worker died; a cell that raises, or
  whose workers kept dying, comes back as :class:`Failed`, never dropped or filled in.

Results come back in the items' order whatever the executor, so a sweep is identical row
for row on one core, a pool or a cluster (each cell is deterministic: one CP-SAT worker,
a fixed seed; a cell cut by a time limit may of course decide less on a slower worker).

Cells too cheap to be worth sending (the capacity table's counting cells: microseconds
each) never leave the calling process; only solver cells are sent, one task each.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any, TypeVar

from rich.console import Console

from planner.errors import PlannerError
from planner.running.machine import cores

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")

#: Seconds a sweep may run before a progress bar appears.
PROGRESS_AFTER = 1.0
#: Seconds to wait for a Dask scheduler to answer.
CONNECT_SECONDS = 5.0
#: Seconds past a sweep's own deadline to wait for cells still out on a cluster: each
#: cell returns by the deadline on its own, so this covers only sending the answers back;
#: a cell not back by then (a stuck or busy cluster) is failed, and --time-limit holds.
GRACE_SECONDS = 2.0


@dataclass(frozen=True)
class Failed:
    """A cell with no answer: it raised, or Dask gave up on it (its workers kept dying,
    or none returned it in time). ``error`` says which, in one line."""

    error: str


# ---------------------------------------------------------------- connecting


def scheduler_address(scheduler: str | None) -> str | None:
    """``--scheduler``, else the ``DASK_SCHEDULER_ADDRESS`` variable, else None (local)."""
    return scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None


def connect(address: str, timeout: float | None = None) -> Any:
    """A ``dask.distributed.Client`` for the scheduler at ``address``, checked: it answers
    within ``timeout`` seconds (default :data:`CONNECT_SECONDS`), has workers, and they
    run this version of planner. Anything else is a :class:`PlannerError` (exit 2)."""
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover (a dependency; absent only in a broken install)
        raise PlannerError(
            "--scheduler needs dask.distributed, which is not installed: "
            "pip install 'dask[distributed]'"
        ) from None
    import logging

    timeout = CONNECT_SECONDS if timeout is None else timeout

    for name in ("distributed.client", "distributed.core", "distributed.comm"):
        logging.getLogger(name).setLevel(logging.CRITICAL)  # our message says it once
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise PlannerError(
            f"no Dask scheduler answers at {address} within {timeout:g} s "
            f"({type(exc).__name__}: {exc}); start one with `dask scheduler` and "
            "`dask worker ADDRESS`, or leave out --scheduler (and DASK_SCHEDULER_ADDRESS) "
            "to run on this machine"
        ) from None
    try:
        _check_workers(client, address)
    except PlannerError:
        client.close()
        raise
    return client


def _worker_version() -> str | None:
    from planner.running.install import installed_version

    return installed_version()


def _check_workers(client: Any, address: str) -> None:
    from planner.running.install import DISTRIBUTION, installed_version

    workers = client.scheduler_info().get("workers", {})
    if not workers:
        raise PlannerError(
            f"the Dask scheduler at {address} has no workers: start some with "
            f"`dask worker {address}`"
        )
    mine = installed_version()
    try:
        theirs = client.run(_worker_version)
    except Exception as exc:  # a worker without planner cannot even unpickle the call
        raise PlannerError(
            f"the workers of {address} cannot run planner ({type(exc).__name__}: {exc}); "
            "install the same planner where they run"
        ) from None
    other = {w: v for w, v in theirs.items() if v != mine}
    if other:
        said = ", ".join(f"{w} has {_said(v)}" for w, v in sorted(other.items()))
        raise PlannerError(
            f"the workers of {address} run another planner ({said}; this is "
            f"{_said(mine)}): their answers could differ; install the same version of "
            f"{DISTRIBUTION} on both sides"
        )


def _said(version: str | None) -> str:
    return version or "a checkout not installed"


# ---------------------------------------------------------------- running


def run_cells(
    fn: Callable[[S, T], R],
    items: Sequence[T],
    shared: S,
    *,
    jobs: int | None = 1,
    client: Any = None,
    progress: bool = False,
    label: str = "cells",
    deadline: float | None = None,
) -> list[R | Failed]:
    """``[fn(shared, x) for x in items]``, in order, on the executor asked for (module
    docstring); a cell that raises is :class:`Failed`.

    ``fn`` must be a module-level function (it is pickled). ``deadline`` (a
    ``time.time()`` value, which the cells also keep) bounds the wait on a cluster: cells
    not back :data:`GRACE_SECONDS` after it are cancelled and :class:`Failed`.
    """
    n = len(items)
    results: list[Any] = [None] * n
    if not n:
        return results
    bar = _LateProgress(n, label) if progress else None
    if client is not None:
        _on_cluster(client, fn, items, shared, results, bar, deadline)
    else:
        jobs = min(cores(), n) if jobs is None else min(jobs, n)
        if jobs <= 1:
            for k, x in enumerate(items):
                results[k] = _guarded(fn, shared, x)
                if bar:
                    bar.advance()
        else:
            with ProcessPoolExecutor(
                max_workers=jobs, mp_context=_context(), initializer=_keep, initargs=(shared,)
            ) as pool:
                futures = {pool.submit(_with_kept, fn, x): k for k, x in enumerate(items)}
                for fut in as_completed(futures):
                    exc = fut.exception()
                    if isinstance(exc, PlannerError):
                        raise exc  # bad input found by a cell: the command's error
                    results[futures[fut]] = fut.result() if exc is None else _failed(exc)
                    if bar:
                        bar.advance()
    if bar:
        bar.stop()
    return results


def _failed(exc: BaseException) -> Failed:
    text = str(exc).strip().splitlines()
    return Failed(f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__)


def _guarded(fn: Callable[[S, T], R], shared: S, x: T) -> R | Failed:
    try:
        return fn(shared, x)
    except PlannerError:
        raise  # bad input found by a cell: the whole command's error, as without a pool
    except Exception as exc:  # noqa: BLE001 (a cell's failure is reported, not raised)
        return _failed(exc)


_KEPT: Any = None  # what every cell shares, in a pool's worker process


def _keep(shared: Any) -> None:
    global _KEPT
    _KEPT = shared


def _with_kept(fn: Callable[[Any, T], R], x: T) -> R:
    return fn(_KEPT, x)


def _context() -> Any:
    """fork where there is one (Linux): spawn would re-run the caller's ``__main__``,
    which fails for code read from stdin and for scripts without a ``__main__`` guard.
    The pool starts its workers on the first submit, before any progress-bar thread."""
    return get_context("fork" if sys.platform.startswith("linux") else "spawn")


def _on_cluster(
    client: Any,
    fn: Callable[[Any, Any], Any],
    items: Sequence[Any],
    shared: Any,
    results: list[Any],
    bar: _LateProgress | None,
    deadline: float | None,
) -> None:
    from distributed import as_completed as completed

    # one object, sent to every worker once (scatter would split a dict or a list)
    [kept] = client.scatter([shared], broadcast=True, hash=False)
    futures = [client.submit(fn, kept, x, pure=False) for x in items]
    where = {f.key: k for k, f in enumerate(futures)}
    timeout = None if deadline is None else max(1.0, deadline + GRACE_SECONDS - time.time())
    missing = (
        f"no worker returned it before the time limit (plus {GRACE_SECONDS:g} s): the "
        "cluster was busy or lost its workers"
    )
    try:
        for fut in completed(futures, timeout=timeout, loop=client.loop):
            k = where[fut.key]
            if fut.status == "finished":
                results[k] = fut.result()
            elif fut.status == "error":
                exc = fut.exception()
                if isinstance(exc, PlannerError):
                    raise exc
                results[k] = _failed(exc)
            else:  # cancelled or lost: no exception to tell, only that it is gone
                results[k] = Failed(
                    f"the cluster dropped it (status {fut.status}): its scheduler or "
                    "workers went away"
                )
            if bar:
                bar.advance()
    except TimeoutError:
        pass
    except PlannerError:
        raise
    except Exception as exc:  # noqa: BLE001 (the scheduler went away mid-sweep, say)
        missing = f"the cluster failed before it returned ({_failed(exc).error})"
    for k, fut in enumerate(futures):
        if results[k] is None:
            fut.cancel()
            results[k] = Failed(missing)
    with contextlib.suppress(Exception):  # a cluster gone: nothing left to cancel
        client.cancel([*futures, kept])


class _LateProgress:
    """A rich progress bar on stderr that shows only once the work takes a while."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self.done = total, label, 0
        self.start = time.perf_counter()
        self.bar: Any = None
        self.task: Any = None

    def advance(self) -> None:
        self.done += 1
        if self.bar is None and time.perf_counter() - self.start > PROGRESS_AFTER:
            from rich.progress import Progress

            console = Console(stderr=True)
            if not console.is_terminal:  # logs and pipes get no bar (not even a blank line)
                self.start = float("inf")
                return
            self.bar = Progress(console=console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=self.total, completed=self.done)
        elif self.bar is not None:
            self.bar.update(self.task, completed=self.done)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
