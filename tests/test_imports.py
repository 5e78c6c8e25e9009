"""The package's shape: every module imports on its own, and module-level imports form no cycle."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "iombrochure"


def module_names() -> dict[str, Path]:
    names = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def module_level_imports(path: Path, known: set[str]) -> set[str]:
    """The package's modules a module imports at its top level (``if TYPE_CHECKING:`` and
    other top-level blocks included; imports inside functions are deliberate and lazy)."""
    found: set[str] = set()
    statements = list(ast.parse(path.read_text(encoding="utf-8")).body)
    while statements:
        node = statements.pop()
        if isinstance(node, ast.If | ast.Try):
            statements.extend(node.body + node.orelse)
            statements.extend(getattr(node, "finalbody", []))
            for handler in getattr(node, "handlers", []):
                statements.extend(handler.body)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in known else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name in known}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a list of names, or None (depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        path.append(name)
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[name] = 2
        return None

    for name in sorted(graph):
        if name not in state and (cycle := visit(name)):
            return cycle
    return None


@pytest.mark.parametrize("name", sorted(module_names()))
def test_every_module_imports(name: str):
    importlib.import_module(name)


def test_module_level_imports_have_no_cycle():
    modules = module_names()
    graph = {name: module_level_imports(path, set(modules)) for name, path in modules.items()}
    assert graph["iombrochure.pipeline.build"], "the graph should see build's imports"
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_pipeline_stages_never_import_the_cli_or_the_tools_around_them_at_module_level():
    modules = module_names()
    for name, path in modules.items():
        if name.startswith(("iombrochure.pipeline", "iombrochure.quality")):
            imported = module_level_imports(path, set(modules))
            upward = {
                m
                for m in imported
                if m.startswith(("iombrochure.cli", "iombrochure.live", "iombrochure.mail"))
            }
            assert not upward, f"{name} imports {upward}"
