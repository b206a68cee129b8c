"""A user's file read with a size limit, and its bytes as text: the first steps of every
reader of inputs (scenario YAML, task-definition JSON, the AWS CLI exports of ``planner
import``, change files)."""

from __future__ import annotations

from pathlib import Path

from planner.errors import PlannerError


def read_limited(path: Path, name: str, limit: int, *, kind: str, missing: str, hint: str) -> bytes:
    """The bytes of ``path``, having read at most ``limit`` + 1 of them.

    Parameters
    ----------
    path
        The file.
    name
        Its name in error messages.
    limit
        Larger files are refused: one byte past the limit is read instead of trusting
        ``stat()`` (pipes and devices such as /dev/zero report size 0), so a wrong path (a
        log, a disk image) cannot make planner read gigabytes.
    kind
        What the file should be, for a directory given instead ("a YAML file").
    missing
        The message for a file that does not exist.
    hint
        Added to the message for a file that is too large ("is this the right file?").

    Raises
    ------
    PlannerError
        With the file's name, if it is missing, a directory, unreadable, too large or has
        a name the system refuses.
    """
    try:
        if path.is_dir():
            raise PlannerError(f"is a directory, not {kind}", file=name)
        with path.open("rb") as fh:
            raw = fh.read(limit + 1)  # one byte more than allowed tells "too large"
    except FileNotFoundError:
        raise PlannerError(missing, file=name) from None
    except PermissionError:
        raise PlannerError("cannot read the file: permission denied", file=name) from None
    except OSError as exc:
        raise PlannerError(f"cannot read the file: {exc.strerror or exc}", file=name) from None
    except ValueError:
        # open() refuses names with NUL characters this way, not with OSError.
        raise PlannerError("not a valid file name", file=repr(name)) from None
    if len(raw) > limit:
        raise PlannerError(
            f"the file is larger than {limit:,} bytes; refusing to read it ({hint})", file=name
        )
    return raw


def decode_text(raw: bytes, name: str, expected: str) -> str:
    """``raw`` as UTF-8 text (a byte-order mark, which some Windows editors write, dropped).

    Raises
    ------
    PlannerError
        ``not a text file (EXPECTED expected): ...`` at the line of the first byte that is
        not UTF-8.
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise PlannerError(
            f"not a text file ({expected} expected): byte 0x{raw[exc.start]:02x} is not "
            "valid UTF-8",
            file=name,
            line=line,
        ) from None
