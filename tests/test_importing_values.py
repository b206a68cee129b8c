"""planner.inputs.importing values mutation testing found untested."""

import json
import shutil
from pathlib import Path

import pytest

import planner
from planner.errors import PlannerError
from planner.inputs import importing
from planner.inputs.importing import import_folder


def test_a_session_without_a_cluster_name_is_bad_input():
    """A live import names its cluster; without one it is the caller's error (exit 2), with
    the argument to add, before anything is fetched."""
    with pytest.raises(PlannerError) as caught:
        planner.import_cluster(object())
    assert str(caught.value) == "import_cluster(session) needs cluster=NAME"


SEED = Path(__file__).parent / "data" / "exports" / "seed-port-conflict"


def _export(tmp_path: Path, change=None) -> Path:
    """A copy of the seed's export (tests/data/exports/seed-port-conflict), its services.json
    changed by ``change``."""
    folder = tmp_path / "export"
    shutil.copytree(SEED, folder)
    if change is not None:
        path = folder / "services.json"
        data = json.loads(path.read_text())
        change(data["services"][0])
        path.write_text(json.dumps(data))
    return folder


def test_a_code_deploy_service_keeps_its_controller(tmp_path):
    """ECS's deploymentController {type: CODE_DEPLOY} becomes the scenario's
    ``deploymentController: CODE_DEPLOY``: the whole green set starts beside the blue one
    (ROLLOUT.md §6), with the default percents CodeDeploy forces."""

    def code_deploy(svc):
        svc["deploymentController"] = {"type": "CODE_DEPLOY"}

    folder = _export(tmp_path, code_deploy)
    mapping, _ = import_folder(folder)
    assert mapping["services"][0]["deploymentController"] == "CODE_DEPLOY"
    [svc] = planner.import_cluster(folder).services
    assert (svc.deployment_controller, svc.all_at_once) == ("CODE_DEPLOY", True)


def test_an_ecs_controller_is_the_default_and_not_written(tmp_path):
    mapping, _ = import_folder(_export(tmp_path))
    assert "deploymentController" not in mapping["services"][0]


def test_a_file_over_the_size_limit_is_named(tmp_path, monkeypatch):
    """An export file larger than MAX_BYTES is refused, naming the file (the first read)."""
    folder = _export(tmp_path)
    monkeypatch.setattr(importing, "MAX_BYTES", 10)
    with pytest.raises(PlannerError) as caught:
        import_folder(folder)
    assert "larger than 10 bytes; refusing to read it" in str(caught.value)
    assert Path(caught.value.file).parent == folder
