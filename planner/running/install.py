"""How planner is installed: its distribution's name on the package index and the version
installed.

The import package and the command are ``planner``; the distribution is
``ecs-rollout-planner``, because ``planner`` on the package index is an unrelated project
(0.5.1, 2018), which a user who asks pip for ``planner`` gets. Every message that tells a
user what to install takes the name from here.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

#: The name to ``pip install`` (pyproject's ``[project] name``).
DISTRIBUTION = "ecs-rollout-planner"


def pip_install(extra: str | None = None) -> str:
    """The command that installs planner, with an extra (``aws``) where one is needed."""
    return f"pip install '{DISTRIBUTION}[{extra}]'" if extra else f"pip install {DISTRIBUTION}"


def installed_version() -> str | None:
    """The installed distribution's version, or None when planner runs from a checkout
    that was not installed (or was installed under the old name ``planner``)."""
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return None
