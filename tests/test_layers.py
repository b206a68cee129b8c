"""planner's layers: every import points to the same or a lower layer, and none loops.

Every module under planner/ is parsed (never imported) and every import in it is an edge:
at module level, inside functions, and under ``TYPE_CHECKING`` alike (a type-only import
still ties the two modules together for a reader and for mypy). ``from planner.x import y``
points to the module ``planner.x.y`` when there is one, else to ``planner.x``. A parent
package that Python imports on the way (``planner`` for ``planner.model.rollout``) is not
an edge: only the module named is.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "planner"

#: Lowest first: an import may point to its own layer or one to its left.
LAYERS = ("errors", "running", "model", "inputs", "solvers", "deciding", "outputs", "top")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    """The layer of a module: its subpackage, or the file at the top (``planner.errors``
    the lowest; ``planner`` and ``planner.cli`` the highest)."""
    parts = module.split(".")
    if module == "planner" or parts[1] == "cli":
        return LAYERS.index("top")
    assert parts[1] in LAYERS, f"{module}: in no layer; add it to LAYERS in {__file__}"
    return LAYERS.index(parts[1])


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path, name: str, known: set[str]) -> set[str]:
    """The planner modules that the module ``name`` (file ``path``) imports, anywhere in it."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level − 1 packages
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*up, base] if base else up)
            targets = [f"{base}.{alias.name}" for alias in node.names]
            targets = [t if t in known else base for t in targets]
        else:
            continue
        for target in targets:
            while target not in known and "." in target:  # import planner.model.x.y: x
                target = target.rpartition(".")[0]
            if target in known and target.split(".")[0] == "planner" and target != name:
                out.add(target)
    return out


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports(path, name, known) for name, path in found.items()}


def upward(edges: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {(a, b) for a, targets in edges.items() for b in targets if layer(b) > layer(a)}


def cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (its modules, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(a: str) -> list[str] | None:
        state[a] = 1
        path.append(a)
        for b in sorted(edges[a]):
            if state.get(b) == 1:
                return [*path[path.index(b) :], b]
            if b not in state and (found := visit(b)):
                return found
        path.pop()
        state[a] = 2
        return None

    for a in sorted(edges):
        if a not in state and (found := visit(a)):
            return found
    return None


def test_every_module_is_read_and_in_a_layer():
    edges = graph()
    assert {"planner", "planner.cli", "planner.errors", "planner.model.rollout"} <= set(edges)
    assert "planner.model.placement" in edges["planner.model.problem"]  # the walk sees imports
    for name in edges:
        layer(name)


def test_no_import_points_to_a_higher_layer():
    new = upward(graph())
    assert not new, "imports pointing to a higher layer:\n" + "\n".join(
        f"  {a} ({LAYERS[layer(a)]}) imports {b} ({LAYERS[layer(b)]})" for a, b in sorted(new)
    )


def test_no_import_cycle():
    edges = graph()
    found = cycle(edges)
    assert found is None, "import cycle: " + " -> ".join(found or ())


def test_the_checks_see_a_cycle_and_an_upward_import():
    """The graph functions on a made-up graph: they are what the tests above rely on."""
    edges = {
        "planner.model.a": {"planner.model.b"},
        "planner.model.b": {"planner.deciding.c"},
        "planner.deciding.c": {"planner.model.a"},
    }
    assert cycle(edges) == [
        "planner.deciding.c",
        "planner.model.a",
        "planner.model.b",
        "planner.deciding.c",
    ]
    assert upward(edges) == {("planner.model.b", "planner.deciding.c")}
    del edges["planner.deciding.c"]
    edges["planner.model.b"] = set()
    assert cycle(edges) is None and upward(edges) == set()


def test_every_subpackage_ships_in_the_wheel():
    """pyproject.toml lists its packages by name: a new subpackage left out of the list
    would be missing from the wheel (and planner would fail to start outside a checkout)."""
    import tomllib

    listed = set(
        tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["tool"]["setuptools"][
            "packages"
        ]
    )
    found = {module_name(p) for p in PACKAGE.rglob("__init__.py")}
    assert found <= listed, f"not in pyproject.toml's packages: {sorted(found - listed)}"
