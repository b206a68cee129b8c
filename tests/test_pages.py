"""planner.outputs.pages: the table's page fits a 1,200-pixel window with its key columns
first, and its chart names each combination (the percents and batch pages: test_report.py,
test_batch.py)."""

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from planner.deciding.tables import GROUP_KEY, capacity_table
from planner.outputs.pages import _cost_figure, combination_labels, table_html

ROOT = Path(__file__).resolve().parents[1]
WEB_TIER = ROOT / "scenarios" / "tables" / "web-tier.table.yml"
SPEC = {
    "instanceTypes": ["t3.medium", "m5.large", "r5.2xlarge"],
    "tasks": [{"cpu": 256, "memory": 512}, {"cpu": 1024, "memory": 2048}],
    "desiredCounts": [2, 6],
}


class _Capacity(HTMLParser):
    """The header and the cells of the page's ``table.capacity``."""

    def __init__(self):
        super().__init__()
        self.inside = False
        self.cell: list[str] | None = None
        self.rows: list[list[str]] = []
        self.classes: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.inside = attrs.get("class") == "capacity"
        elif self.inside and tag == "tr":
            self.rows.append([])
            self.classes.append([])
        elif self.inside and tag in ("th", "td"):
            self.cell = []
            self.classes[-1].append(attrs.get("class") or "")

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.cell is not None and tag in ("th", "td"):
            self.rows[-1].append("".join(self.cell))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def _parse(page: str) -> _Capacity:
    parsed = _Capacity()
    parsed.feed(page)
    return parsed


@pytest.fixture(scope="module")
def web_tier():
    return capacity_table(WEB_TIER, jobs=1, time_limit=2)


def test_the_key_columns_come_first_and_headers_may_break(web_tier):
    page = table_html(web_tier)
    parsed = _parse(page)
    head = parsed.rows[0]
    # the type, what the row is about, then the answer a reader came for
    assert head[0] == "instanceType"
    assert head[head.index("hostPort") + 1 : head.index("hostPort") + 4] == [
        "safeInstances", "hourlyCost", "cheapest",
    ]  # fmt: skip
    assert head.index("cheapest") < min(head.index(c) for c in ("steadyInstances", "method"))
    assert "strategy" not in head  # every row ROLLING: nothing to say
    assert "newCpu" in head and "newMemory" not in head  # only the CPU changes
    assert all(len(r) == len(head) for r in parsed.rows)
    assert len(parsed.rows) == len(web_tier) + 1
    # a header stacks the words of its name; a value never breaks
    assert "minimum<br>Healthy<br>Percent" in page
    assert re.search(r"table\.capacity td \{[^}]*white-space: nowrap", page)


def test_the_table_fits_1200_pixels_by_its_words(web_tier):
    """An estimate without a browser: no value breaks and a header breaks between the words
    of its name, so a column is as wide as its widest value or header word (``method``
    wraps between words). At the table's font (0.8 of 16 px; headers 0.9 of that) a
    character is at most about 0.6 em wide; with each cell's padding the widest table must
    fit the page's 72 em body (1,152 px) in a 1,200-pixel window."""
    for df in (web_tier, capacity_table(ROOT / "scenarios/tables/fleet-1000.table.yml", jobs=1)):
        page = table_html(df)
        parsed = _parse(page.replace("<br>", " "))
        em = 0.8 * 16
        least = 0.0
        for k, (head, css) in enumerate(zip(parsed.rows[0], parsed.classes[1], strict=True)):
            values = [r[k] for r in parsed.rows[1:]]
            if "method" in css:
                values = [w for v in values for w in v.split()]
            chars = max(0.9 * max(len(w) for w in head.split()), *(len(v) for v in values))
            least += chars * 0.6 * em + 0.6 * em + 1
        assert least <= 72 * 16, least


def test_the_chart_names_each_combination_by_what_it_is():
    df = capacity_table(SPEC, jobs=1)
    labels = combination_labels(df)
    assert labels == ["256/512 × 2", "256/512 × 6", "1024/2048 × 2", "1024/2048 × 6"]
    fig = _cost_figure(df)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == labels
    assert "host port" in ax.get_ylabel() and "USD" in ax.get_xlabel()
    # what differs is named: a second setting and a second port mode join the labels
    more = capacity_table(
        {**SPEC, "deploymentConfigurations": [{}, {"minimumHealthyPercent": 50}],
         "hostPorts": ["dynamic", "awsvpc"]}, jobs=1,
    )  # fmt: skip
    labels = combination_labels(more)
    assert len(labels) == len(set(labels)) == len(more.drop_duplicates(list(GROUP_KEY)))
    assert labels[:2] == ["256/512 × 2 100–200 % dynamic", "256/512 × 2 100–200 % awsvpc"]


def test_the_table_page_fits_a_1200_pixel_window_in_chromium(tmp_path, web_tier):
    """The page as Debian's chromium lays it out: nothing wider than the window."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    page = table_html(web_tier)
    # a copy that writes its laid-out width into the DOM (the page itself has no script)
    probe = "<script>document.title = 'width=' + document.documentElement.scrollWidth</script>"
    path = tmp_path / "t.html"
    path.write_text(page.replace("</body>", probe + "</body>"))
    run = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,1600",
         "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    found = re.search(r"<title>width=(\d+)</title>", run.stdout)
    assert found, run.stderr[-2000:]
    assert int(found.group(1)) <= 1200
