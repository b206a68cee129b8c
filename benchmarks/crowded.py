"""What the benchmarks over the crowded scenarios share (:mod:`benchmarks.work`,
:mod:`benchmarks.runs_mix`, :mod:`benchmarks.deciding_phase`, :mod:`benchmarks.steps`):
their command line, the scenarios it names (:func:`benchmarks.scale.crowded`), and the
line that opens their reports (when, which commit, the machine and its load)."""

from __future__ import annotations

import argparse
import os
import platform
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import scale

FAMILIES = "scale,honest2,unseen,honest"


def parser(doc: str, output: str, families: str = FAMILIES, seeds: int = 3):
    """``--families``, ``--sizes``, ``--seeds`` and ``--output`` (``output``: a file in
    benchmarks/); the description is ``doc``'s first line. A benchmark adds its own."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--families", default=families)
    p.add_argument("--sizes", default="M")
    p.add_argument("--seeds", type=int, default=seeds)
    p.add_argument("--output", type=Path, default=Path(__file__).parent / output)
    return p


def scenarios(args: argparse.Namespace) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(family, size, mapping) of the scenarios ``args`` names."""
    return scale.crowded(args.families.split(","), args.sizes.split(","), args.seeds)


def header(load: tuple, seconds: float) -> str:
    """When, the commit, the cores, Python, the load average before and after
    (``load``: two :func:`os.getloadavg` answers) and the seconds it all took."""
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {scale.commit()}, {os.cpu_count()} "
        f"cores, Python {platform.python_version()}; load average before {load[0][0]:.2f} and "
        f"after {load[1][0]:.2f}; {seconds:.0f} s in all."
    )
