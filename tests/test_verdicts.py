"""The verdict type: one home for the four words and their exit codes."""

import json
import re
from pathlib import Path

import planner
from planner.deciding.verdicts import EXIT_CODES, FAILING, VERDICTS, Verdict

PACKAGE = Path(__file__).resolve().parents[1] / "planner"


def test_the_words_and_exit_codes_are_the_contracts():
    assert [str(v) for v in VERDICTS] == ["safe", "at-risk", "hangs", "unknown"]
    codes = {v: v.exit_code for v in Verdict}
    assert codes == {"safe": 0, "at-risk": 1, "hangs": 1, "unknown": 3}
    assert EXIT_CODES["at-risk"] == 1  # a word from a script looks its code up too
    assert set(FAILING) == {Verdict.HANGS, Verdict.AT_RISK}


def test_a_result_speaks_the_words_in_json():
    seed = PACKAGE.parent / "scenarios" / "seed" / "port-conflict.yaml"
    result = planner.solve(planner.load_scenario(seed))
    assert result.verdict is Verdict.HANGS
    assert json.loads(json.dumps(result.to_json()))["verdict"] == "hangs"
    assert result.exit_code == 1


def test_no_module_spells_a_verdict_but_its_home():
    """Every verdict comparison goes through :class:`Verdict`; the literal "at-risk" (a word
    with no other meaning in planner) stands only in planner/deciding/verdicts.py."""
    spelled = [
        f"{p.relative_to(PACKAGE)}:{n}"
        for p in sorted(PACKAGE.rglob("*.py"))
        if p.name != "verdicts.py"
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"""["']at-risk["']""", line)
    ]
    assert not spelled, f'"at-risk" spelled outside verdicts.py: {spelled}'
