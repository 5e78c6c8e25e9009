"""The package's shape: every module imports on its own, imports form no cycle (those inside
functions included), and the pipeline never reaches up to the tools around it."""

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


def imported_by(node: ast.AST, known: set[str]) -> set[str]:
    """The package's modules one import statement names (none for any other statement)."""
    found: set[str] = set()
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        for alias in node.names:
            submodule = f"{node.module}.{alias.name}"
            found.add(submodule if submodule in known else node.module)
    elif isinstance(node, ast.Import):
        found.update(alias.name for alias in node.names)
    return found & known


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
        else:
            found.update(imported_by(node, known))
    return found


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


def every_import(path: Path, known: set[str]) -> set[str]:
    """The package's modules a module imports anywhere, inside functions too (they run as
    surely as the module's own, only later), but for ``if TYPE_CHECKING:`` blocks, which never
    run."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only.update(id(inner) for statement in node.body for inner in ast.walk(statement))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) not in type_only:
            found.update(imported_by(node, known))
    return found


def test_imports_inside_functions_form_no_cycle_either():
    modules = module_names()
    graph = {name: every_import(path, set(modules)) for name, path in modules.items()}
    assert "iombrochure.pipeline.checks" in graph["iombrochure.pipeline.build"]  # a lazy import
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


#: What the pipeline and the typography rules may never import, even inside a function: the
#: tools around the pipeline, which import it.
AROUND_THE_PIPELINE = (
    "iombrochure.cli",
    "iombrochure.live",
    "iombrochure.mail",
    "iombrochure.exchange",
    "iombrochure.doctor",
    "iombrochure.newproject",
)


@pytest.mark.parametrize("package", ["iombrochure.pipeline", "iombrochure.typography"])
def test_the_pipeline_never_reaches_up_to_the_tools_around_it(package: str):
    modules = module_names()
    for name, path in modules.items():
        if name.startswith(package):
            upward = {
                m for m in every_import(path, set(modules)) if m.startswith(AROUND_THE_PIPELINE)
            }
            assert not upward, f"{name} imports {upward}"


def test_the_typography_rules_import_no_stage():
    """A library of text rules: the check stage, --fix, mail and the translation import use it."""
    modules = module_names()
    for name, path in modules.items():
        if name.startswith("iombrochure.typography"):
            stages = {
                m for m in every_import(path, set(modules)) if m.startswith("iombrochure.pipeline")
            }
            assert not stages, f"{name} imports {stages}"
