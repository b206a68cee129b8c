"""The HTML report of a solve: one self-contained page, safe to share, rendered in a real
browser (Debian's chromium; skipped, with the reason, where it is absent)."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

import planner
from planner.cli import app
from planner.outputs.report import solve_html

ROOT = Path(__file__).resolve().parents[1]
EVIL = "<img src=x onerror=alert(1)>"


def _page(path: Path, tmp_path: Path, *args: str) -> str:
    out = tmp_path / "r.html"
    res = CliRunner().invoke(app, ["solve", str(path), "-f", "html", "-o", str(out), *args])
    assert res.exit_code in (0, 1, 3), res.output
    return out.read_text()


def test_a_page_is_whole_and_self_contained(tmp_path):
    page = _page(ROOT / "scenarios/examples/at-risk.yaml", tmp_path)
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert "<script" not in page.lower()
    # nothing is fetched: the only http URLs are XML namespaces of the inline SVG
    fetched = re.findall(r'(?:src|href)\s*=\s*"(https?:[^"]*)"|url\((https?:[^)]*)\)', page)
    assert fetched == []
    # the dead end; tasks over the waves (the plan, the run that hangs); over time; the use
    assert page.count("<svg") == 5
    for text in ("AT-RISK", "Why: it can hang (the run can do nothing from wave", "Assumptions",
                 "What would fix it", "Tasks per service over estimated time"):  # fmt: skip
        assert text in page, text


def test_the_time_chart_has_new_tasks_healthy_one_wave_after_they_run(monkeypatch):
    """Over estimated time, a wave's starts run from its beginning and are healthy from its
    end: the healthy line is the running line one wave later."""
    from planner.outputs import report

    drawn: dict[str, tuple[list, list]] = {}
    real = report.pyplot

    def spy():
        plt = real()

        class Axes:
            def __init__(self, ax):
                self.ax = ax

            def step(self, x, y, **kw):
                drawn.setdefault(kw["label"], (list(x), list(y)))
                return self.ax.step(x, y, **kw)

            def __getattr__(self, name):
                return getattr(self.ax, name)

        class Plt:
            def subplots(self, *a, **kw):
                fig, axes = plt.subplots(*a, **kw)
                return fig, [[Axes(ax) for ax in row] for row in axes]

            def __getattr__(self, name):
                return getattr(plt, name)

        return Plt()

    s = planner.load_scenario(ROOT / "scenarios/examples/at-risk.yaml")
    result = planner.solve(s, time_limit=20)
    states = report._states(result, result.problem)
    monkeypatch.setattr(report, "pyplot", spy)
    report._time_chart(result, result.problem, states)
    minutes = [0.0]
    for sec in result.duration_parts:
        minutes.append(minutes[-1] + sec / 60)
    (x_run, run), (x_ok, ok) = drawn["new running"], drawn["new healthy"]
    assert x_run == x_ok == minutes  # one step per wave boundary
    first = states[0].new_total(0)
    assert ok[0] == first and ok[1:] == run[:-1]  # healthy: running, one wave later
    assert run[-1] == states[-1].new_total(0)


def test_heatmap_groups_are_split_between_their_instances():
    from planner.outputs.report import _group_edges

    assert _group_edges([1.0, 4.5, 7.0]) == [2.5, 6.5]  # groups 0–2, 3–6, 7
    assert _group_edges([0.0]) == []


def test_names_from_the_input_are_escaped(tmp_path):
    """A service named like markup stays text: in the page and in the charts."""
    s = planner.load_scenario(ROOT / "scenarios/examples/at-risk.yaml")
    from dataclasses import replace

    evil = replace(s, name=EVIL, services=(replace(s.services[0], name=EVIL), *s.services[1:]))
    result = planner.solve(evil, time_limit=20)
    page = solve_html(result, result.problem)
    assert "<img" not in page
    escaped = "&lt;img src=x onerror=alert(1)&gt;"
    assert escaped in page and page.count("onerror") == page.count(escaped)


DATA = ROOT / "tests" / "data"


def test_a_hang_found_by_counting_draws_the_dead_end(tmp_path):
    """A fixed port at wave 1, proven by counting (no wave to replay): the page still draws
    the cluster at the dead end and the stuck service's tasks against its bounds."""
    page = _page(DATA / "reasons-port-and-cpu.yaml", tmp_path)
    assert "counting:" in page  # found by counting
    assert "<h2>The dead end: the cluster at wave 1</h2>" in page
    assert "<h2>Tasks per service over the waves</h2>" in page
    assert page.count("<svg") == 2
    assert "Instance 3 has port 80 free but has only 256 CPU units left, taken by worker" in page


def test_an_at_risk_page_draws_the_run_that_hangs_beside_the_plan(tmp_path):
    page = _page(ROOT / "scenarios/examples/at-risk.yaml", tmp_path)
    pair = page[page.index('<div class="pair">') :]
    first, second = pair.split("</figure>")[:2]
    assert "The plan: it completes" in first and "<svg" in first
    assert "ECS's choices that hang it" in second and "<svg" in second
    assert "<h2>The dead end: the cluster at wave 2</h2>" in page


def test_the_dead_end_picture_shows_what_each_instance_holds_and_why_not(monkeypatch):
    """On tests/data/reasons-port-and-cpu.yaml: api's old tasks (512 units, outlined as
    stuck) on instances 0-2, worker's 768 units (static, grey) on 3, each instance's 1,024
    units marked; the why-not strip: port, port, port, cpu, instance 0 (ECS's) boxed."""
    import matplotlib.axes

    from planner.outputs import report

    bars, cells, marks = [], [], []
    real_bar, real_patch = matplotlib.axes.Axes.bar, matplotlib.axes.Axes.add_patch
    real_hlines, real_text = matplotlib.axes.Axes.hlines, matplotlib.axes.Axes.text

    def bar(self, x, h, **kw):
        bars.append((list(h), kw.get("edgecolor"), kw.get("color")))
        return real_bar(self, x, h, **kw)

    def patch(self, p):
        if getattr(p, "get_width", None) and p.get_width() == 0.9:  # a why-not cell
            cells.append((p.get_x(), p.get_linewidth()))
        return real_patch(self, p)

    def hlines(self, y, *a, **kw):
        marks.append(list(y))
        return real_hlines(self, y, *a, **kw)

    words = []

    def text(self, x, y, s, *a, **kw):
        words.append(s)
        return real_text(self, x, y, s, *a, **kw)

    monkeypatch.setattr(matplotlib.axes.Axes, "bar", bar)
    monkeypatch.setattr(matplotlib.axes.Axes, "add_patch", patch)
    monkeypatch.setattr(matplotlib.axes.Axes, "hlines", hlines)
    monkeypatch.setattr(matplotlib.axes.Axes, "text", text)
    result = planner.solve(planner.load_scenario(DATA / "reasons-port-and-cpu.yaml"))
    state = report._replayed(result.problem, result.dead_state.choices)[-1]
    report._dead_cluster(result, result.problem, state)
    cpu = bars[:2]  # the CPU panel: the static load, then api's old tasks
    assert cpu[0][0] == [0, 0, 0, 768] and cpu[0][2] == "#bdbdbd"
    assert cpu[1][0] == [512, 512, 512] and cpu[1][1] == report._STUCK  # none on 3
    assert marks[0] == [1024] * 4
    assert [w for w in words if w in ("port", "cpu", "fits")] == ["port", "port", "port", "cpu"]
    assert [width for _, width in cells] == [2, 0, 0, 0]  # instance 0, ECS's, boxed


@pytest.mark.parametrize(
    ("name", "strip"),
    [("reasons-member-of-last.yaml", ["cpu", "cpu", "memberOf"]),
     ("reasons-distinct-last.yaml", ["cpu", "cpu", "distinct", "distinct"])],
)  # fmt: skip
def test_the_why_not_strip_names_the_constraint(monkeypatch, name, strip):
    import matplotlib.axes

    from planner.outputs import report

    words: list[str] = []
    real = matplotlib.axes.Axes.text

    def text(self, x, y, s, *a, **kw):
        words.append(s)
        return real(self, x, y, s, *a, **kw)

    monkeypatch.setattr(matplotlib.axes.Axes, "text", text)
    result = planner.solve(planner.load_scenario(DATA / name))
    report._dead_cluster(result, result.problem, report._replayed(result.problem, [])[-1])
    assert [w for w in words if w in ("cpu", "memberOf", "distinct", "rule")] == strip


def test_names_in_a_hang_page_are_escaped():
    """The stuck service, the static one and the detail that names both stay text."""
    from dataclasses import replace

    s = planner.load_scenario(DATA / "reasons-port-and-cpu.yaml")
    api, worker = s.services
    evil = replace(s, services=(replace(api, name=EVIL), replace(worker, name=EVIL + "w")))
    page = solve_html(planner.solve(evil), planner.solve(evil).problem)
    assert "<img" not in page and "taken by &lt;img" in page


def test_percents_and_table_pages(tmp_path):
    out = tmp_path / "p.html"
    seed = ROOT / "scenarios/seed/deployment-configuration.yaml"
    res = CliRunner().invoke(app, ["percents", str(seed), "-f", "html", "-o", str(out)])
    assert res.exit_code == 0, res.output
    page = out.read_text()
    assert page.startswith("<!doctype html>") and "<script" not in page
    assert 'class="hangs mark">[hangs]</td>' in page and "safe ★" in page  # file's, best
    out = tmp_path / "t.html"
    spec = ROOT / "scenarios/tables/web-tier.table.yml"
    res = CliRunner().invoke(app, ["table", str(spec), "-f", "html", "-o", str(out)])
    assert res.exit_code == 0, res.output
    page = out.read_text()
    assert "<td>★</td>" in page and "prices: on-demand" in page
    assert page.count("<svg") == 1 and "Hourly cost of the safe count" in page


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    return found


@pytest.mark.parametrize(
    "args",
    [("solve", "scenarios/examples/at-risk.yaml"), ("solve", "scenarios/seed/port-conflict.yaml"),
     ("solve", "scenarios/snapshots/stuck-mid-deployment.yaml"),
     ("solve", "tests/data/reasons-port-and-cpu.yaml"),
     ("percents", "scenarios/seed/deployment-configuration.yaml"),
     ("table", "scenarios/tables/web-tier.table.yml"), ("batch", "scenarios/seed")],
)  # fmt: skip
def test_pages_render_in_headless_chromium(tmp_path, args):
    chromium = _chromium()
    import matplotlib.image

    page = tmp_path / "r.html"
    command, path = args
    res = CliRunner().invoke(app, [command, str(ROOT / path), "-f", "html", "-o", str(page)])
    assert res.exit_code in (0, 1, 3), res.output
    shot = tmp_path / "r.png"
    run = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--enable-logging=stderr", "--v=0", f"--screenshot={shot}", "--window-size=1200,1600",
         page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert shot.is_file(), run.stderr[-2000:]
    pixels = matplotlib.image.imread(shot)
    assert pixels.std() > 0.05  # not a blank page
    assert "Uncaught" not in run.stderr and "CONSOLE" not in run.stderr


# ---------------------------------------------------------------- how it ends (§10)
# Cases built in Python (tests/builders.py): no scenario file holds capacity providers yet.


def _reacting_page(name: str) -> tuple[planner.Result, str]:
    from builders import solved

    result = solved(name)
    return result, solve_html(result, result.problem)


@pytest.mark.parametrize(
    ("name", "status", "kind"),
    [("completes", "safe", "completes"),
     ("after-scale-out", "safe", "completes-after-scale-out"),
     ("rolls-back", "at-risk", "rolls-back"), ("rollback-stuck", "hangs", "rolls-back"),
     ("fails", "hangs", "fails"), ("stuck", "hangs", "stuck")],
)  # fmt: skip
def test_the_outcome_is_a_block_under_the_verdict_in_its_status_colour(name, status, kind):
    from test_render import OUTCOME_LINES

    _, page = _reacting_page(name)
    line = OUTCOME_LINES[name][1].replace("'", "&#x27;")
    block = f'<p class="outcome {status}" data-kind="{kind}"><strong>Outcome:</strong> {line}</p>'
    assert block in page
    assert page.index("</h1>") < page.index(block) < page.index('<p class="dim">')


def test_the_rollbacks_own_verdict_and_why():
    _, page = _reacting_page("rollback-stuck")
    assert (
        "<p>The rollback (s0), solved as a rollout of its own from the dead end: "
        '<span class="verdict hangs">HANGS</span></p><ul><li>[cpu] service s1 was unable'
    ) in page
    _, page = _reacting_page("rolls-back")
    assert '<span class="verdict safe">SAFE</span></p>' in page
    assert "The rollback" not in _reacting_page("stuck")[1]


def test_the_plan_table_says_what_a_wave_launches():
    _, page = _reacting_page("after-scale-out")
    assert '<tr><td>1</td><td colspan="3">+2 m5.large launched in general</td></tr>' in page


def test_instances_not_launched_are_blank_in_the_heatmap(monkeypatch):
    """Instances 2–5 may be launched; the plan launches 2 and 3 after wave 1: at the start
    all four are blank (no capacity yet), at the end 4 and 5 still are; their groups are
    named as ones general may launch."""
    import math

    import matplotlib.axes

    from planner.outputs import report

    grids, names = [], []
    real_imshow, real_ticks = matplotlib.axes.Axes.imshow, matplotlib.axes.Axes.set_xticks

    def imshow(self, grid, *a, **kw):
        grids.append(grid)
        return real_imshow(self, grid, *a, **kw)

    def set_xticks(self, ticks, labels=None, **kw):
        names.append(list(labels or []))
        return real_ticks(self, ticks, labels, **kw)

    from builders import solved

    result = solved("after-scale-out")
    monkeypatch.setattr(matplotlib.axes.Axes, "imshow", imshow)
    monkeypatch.setattr(matplotlib.axes.Axes, "set_xticks", set_xticks)
    states = report._replayed(result.problem, result.plan)
    assert report.not_launched(result.problem, states[0]) == {2, 3, 4, 5}
    assert report.not_launched(result.problem, states[-1]) == {4, 5}
    report._heatmap(result.problem, states)
    start, _, end = grids[0].filled(math.nan).tolist()  # instances by group and zone
    order = [0, 1, 2, 4, 3, 5]  # m5.large a, b; then general's in a (2, 4) and in b (3, 5)
    blank = lambda row: [i for i, x in zip(order, row, strict=True) if math.isnan(x)]  # noqa: E731
    assert blank(start) == [2, 4, 3, 5] and blank(end) == [4, 5]
    assert names[0] == ["m5.large a", "m5.large b", "m5.large a\ngeneral may launch",
                        "m5.large b\ngeneral may launch"]  # fmt: skip


def test_the_dead_end_marks_instances_not_launched(monkeypatch):
    import matplotlib.axes

    from planner.outputs import report

    words: list[str] = []
    real = matplotlib.axes.Axes.text

    def text(self, x, y, s, *a, **kw):
        words.append(s)
        return real(self, x, y, s, *a, **kw)

    from builders import solved

    result = solved("too-big")
    monkeypatch.setattr(matplotlib.axes.Axes, "text", text)
    state = report._replayed(result.problem, result.dead_state.choices)[-1]
    report._dead_cluster(result, result.problem, state)
    assert [w for w in words if w in ("cpu", "not\nlaunched", "closed")] == [
        "cpu", "cpu", *["not\nlaunched"] * 4,
    ]  # fmt: skip
