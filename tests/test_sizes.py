"""Rooms a newcomer can find: no module past 600 lines and no function past 100 without a
reason written at its top (a docstring paragraph starting "Long because")."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "planner"
MOST_MODULE_LINES = 600
MOST_FUNCTION_LINES = 100
REASON = "Long because"


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _has_reason(node: ast.AST) -> bool:
    doc = ast.get_docstring(node) or ""  # type: ignore[arg-type]
    return REASON in doc


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_and_functions_are_short_or_say_why(path: Path) -> None:
    text = path.read_text()
    tree = ast.parse(text)
    lines = len(text.splitlines())
    if lines > MOST_MODULE_LINES:
        assert _has_reason(tree), f"{path.name}: {lines} lines and no '{REASON}' at its top"
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MOST_FUNCTION_LINES:
                assert _has_reason(node), (
                    f"{path.name}:{node.lineno} {node.name}: {length} lines and no '{REASON}'"
                )


def test_the_check_finds_a_long_function(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MOST_FUNCTION_LINES + 1))
    tree = ast.parse(f"def f():\n{body}\n")
    (node,) = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    assert (node.end_lineno or 0) - node.lineno + 1 > MOST_FUNCTION_LINES
    assert not _has_reason(node)
