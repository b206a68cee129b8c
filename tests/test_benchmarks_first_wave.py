"""``python -m benchmarks.first_wave``: the hand argument for honest2 M 85 % three s1 still
holds on this code (its slot counts, the least value over wave 1's ends, the random runs
among them), so the evidence benchmarks/README.md cites does not rot."""

from benchmarks import first_wave


def test_the_hand_argument_still_holds(capsys):
    first_wave.main(runs=20)
    out = capsys.readouterr().out
    assert "least j1 + 2 x1 - (103 - s1): 46 at (6, 20, 103)" in out
    assert "all among the program's: True" in out
    assert out.rstrip().endswith("none reachable")
