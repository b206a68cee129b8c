"""What a long solve is doing, for a person watching a terminal (stderr).

The verdict engine names its phases (:func:`phase`); :func:`shown` displays the current one
and the time left once a solve has run longer than a second, on a terminal only: silent
into a pipe, a file, or with ``--format json``. Nothing here changes what is decided.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_listeners: list[Callable[[str], None]] = []

#: Seconds before anything is shown (short solves stay quiet).
SHOW_AFTER = 1.0


def phase(name: str) -> None:
    """The solve enters phase ``name`` (said to whoever listens; cheap when nobody does)."""
    for listener in _listeners:
        listener(name)


@contextmanager
def listening(listener: Callable[[str], None]) -> Iterator[None]:
    """Call ``listener`` with every phase while the block runs."""
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)


@contextmanager
def shown(time_limit: float, enabled: bool | None = None) -> Iterator[None]:
    """Show the phase and the time left on stderr while the block runs, after
    :data:`SHOW_AFTER` seconds; ``enabled`` None: only when stderr is a terminal."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield
        return
    from rich.console import Console

    t0 = time.perf_counter()
    current = ["starting"]
    done = threading.Event()

    def show() -> None:
        if done.wait(SHOW_AFTER):
            return
        console = Console(stderr=True)
        with console.status("") as status:
            while True:  # shown at once, then every 0.2 s until the solve ends
                left = max(0.0, time_limit - (time.perf_counter() - t0))
                status.update(f"{current[0]} — {left:.0f} s of {time_limit:g} s left")
                if done.wait(0.2):
                    break

    thread = threading.Thread(target=show, daemon=True)
    with listening(lambda name: current.__setitem__(0, name)):
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()
