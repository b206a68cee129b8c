"""What every HTML page of planner shares: its style sheet, the CSS class of each status,
and matplotlib charts as inline SVG with their text drawn as outlines (no input as markup,
no script, nothing fetched)."""

from __future__ import annotations

import io

from planner.deciding.verdicts import Verdict

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
.verdict { display: inline-block; padding: 0.2em 0.7em; border-radius: 0.3em; color: #fff;
  font-weight: bold; letter-spacing: 0.05em; }
.safe { background: #2e7d32; } .at-risk { background: #b26a00; } .hangs { background: #c62828; }
.unknown { background: #6a1b9a; }
.outcome { border-left: 0.5em solid #888; padding: 0.5em 0.9em; background: #f5f5f5; }
.outcome.safe { border-color: #2e7d32; background: #e8f5e9; }
.outcome.at-risk { border-color: #b26a00; background: #fff3e0; }
.outcome.hangs { border-color: #c62828; background: #ffebee; }
.outcome.unknown { border-color: #6a1b9a; background: #f3e5f5; }
.pair { display: flex; flex-wrap: wrap; gap: 1em; } .pair figure { flex: 1 1 30em; margin: 0; }
figcaption { font-weight: bold; margin-bottom: 0.3em; }
table { border-collapse: collapse; margin: 0.5em 0; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
.dim { color: #666; font-size: 0.9em; } svg { max-width: 100%; height: auto; }
"""

#: The page's CSS class of each status: a verdict's own word, failures one class.
STATUS_CLASS: dict[str, str] = {
    **{v: v.value for v in Verdict},
    "failed": "failed",
    "bad-input": "failed",
}


def svg(fig) -> str:
    """``fig`` as an inline ``<svg>`` element, the figure closed."""
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]  # the element alone, inline


def pyplot():
    """matplotlib's pyplot, headless, drawing text as outlines."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "path"  # text as outlines: no input as markup
    import matplotlib.pyplot as plt

    return plt
