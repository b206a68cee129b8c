"""planner installs under its own distribution name, ``ecs-rollout-planner``
(planner/running/install.py): ``planner`` on the package index is an unrelated project, so
no message, doc or CI recipe may tell a user to ``pip install planner``."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from planner.errors import PlannerError
from planner.running import install, sweep

ROOT = Path(__file__).resolve().parents[1]

#: `pip install planner`, `pip install 'planner[aws]'`, `pip install "planner>=0.1"`: the
#: other project. `pip install -e '.[dev]'` and `ecs-rollout-planner` are not matched.
WRONG = re.compile(r"""pip install (--?\S+ )*['"]?planner(?![\w-])""")


def test_the_distribution_name_is_pyprojects():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == install.DISTRIBUTION == "ecs-rollout-planner"
    assert project["scripts"] == {"planner": "planner.cli:main"}  # the command keeps its name
    assert "aws" in project["optional-dependencies"]


def test_the_install_command_names_the_distribution_and_extra():
    assert install.pip_install() == "pip install ecs-rollout-planner"
    assert install.pip_install("aws") == "pip install 'ecs-rollout-planner[aws]'"


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("pip install 'planner[aws]'", True),
        ('pip install "planner>=0.1"', True),
        ("pip install planner", True),
        ("pip install --upgrade planner", True),
        ("pip install 'ecs-rollout-planner[aws]'", False),
        ("pip install -e '.[dev]'", False),
        ("pip install planner-tools", False),  # another name that merely starts so
    ],
)
def test_the_check_below_finds_the_wrong_name(text, wrong):
    assert bool(WRONG.search(text)) is wrong


def _shipped_texts() -> list[Path]:
    files = [ROOT / "README.md", ROOT / ".ci" / "run", ROOT / "pyproject.toml"]
    files += sorted((ROOT / "planner").rglob("*.py"))
    files += sorted((ROOT / "docs").rglob("*.md")) + sorted((ROOT / "docs").rglob("*.yml"))
    files += [p for p in (ROOT / "Dockerfile", ROOT / ".pre-commit-hooks.yaml") if p.exists()]
    return files


def test_no_file_tells_a_user_to_install_the_other_project():
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in _shipped_texts()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if WRONG.search(line)
    ]
    assert not found, "\n".join(found)


def test_ci_installs_the_wheel_by_its_file_name():
    """A wheel's file name spells the distribution with underscores (PEP 427): the glob
    in .ci/run must match it, or the fresh-venv check installs nothing."""
    wheel = install.DISTRIBUTION.replace("-", "_")
    run = (ROOT / ".ci" / "run").read_text()
    assert f"{wheel}-*.whl" in run
    assert "/planner-*.whl" not in run


def test_a_checkout_not_installed_has_no_version(monkeypatch):
    def missing(name):
        assert name == "ecs-rollout-planner"
        raise install.PackageNotFoundError(name)

    monkeypatch.setattr(install, "version", missing)
    assert install.installed_version() is None


class _Client:
    """What `_check_workers` asks of a dask.distributed client: its workers, and a
    function run on each."""

    def __init__(self, versions):
        self.versions = versions

    def scheduler_info(self):
        return {"workers": dict.fromkeys(self.versions, {})}

    def run(self, fn):
        return dict(self.versions)


def test_workers_with_another_version_are_refused_naming_the_distribution(monkeypatch):
    monkeypatch.setattr(install, "installed_version", lambda: "0.2.0")
    sweep._check_workers(_Client({"tcp://w1": "0.2.0"}), "tcp://s")  # the same: accepted
    other = _Client({"tcp://w1": "0.2.0", "tcp://w2": None})
    with pytest.raises(PlannerError) as err:
        sweep._check_workers(other, "tcp://s")
    message = str(err.value)
    assert "tcp://w2 has a checkout not installed; this is 0.2.0" in message
    assert "ecs-rollout-planner" in message and "tcp://w1" not in message
