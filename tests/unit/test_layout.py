"""The layout keeps its promises: no import cycles, torch only in the NLP package, benchmarks
that stand on their own, one meaning per module name, and a README that names every module.

Imports are read from the source (every ``import``, at module level, inside functions and under
``TYPE_CHECKING`` alike), so a cycle hidden in a lazy import counts as a cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("worker", "tasks")
HEAVY = ("torch", "transformers", "onnxruntime", "tokenizers", "sentence_transformers")


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources(*folders: str) -> dict[str, Path]:
    return {_module(p): p for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))}


def _imports(path: Path) -> Iterator[str]:
    """Every module name `path` imports, anywhere in the file."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _graph() -> nx.DiGraph:
    modules = _sources(*PACKAGES)
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        graph.add_edges_from((name, target) for target in _imports(path) if target in modules)
    return graph


def test_no_module_imports_its_importer_even_lazily() -> None:
    cycles = list(nx.simple_cycles(_graph()))
    assert not cycles, cycles


@pytest.mark.parametrize("folder", ["worker", "tasks"])
def test_only_the_nlp_package_imports_torch_and_transformers(folder: str) -> None:
    heavy = {
        (name, target)
        for name, path in _sources(folder).items()
        if not name.startswith("worker.nlp")
        for target in _imports(path)
        if target.split(".")[0] in HEAVY
    }
    assert not heavy


def test_benchmarks_do_not_import_the_tests() -> None:
    borrowed = {
        (name, target)
        for name, path in _sources("bench").items()
        for target in _imports(path)
        if target.split(".")[0] == "tests"
    }
    assert not borrowed


def test_no_two_modules_share_a_name() -> None:
    names = [p.stem for p in _sources(*PACKAGES).values() if p.stem != "__init__"]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


def test_the_readme_layout_names_every_module_and_nothing_else() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Layout", 1)[1].split("```", 2)[1]
    listed = set(_layout_paths(block))
    modules = {str(p.relative_to(ROOT)) for p in _sources(*PACKAGES).values()}
    assert listed == {m for m in modules if not m.endswith("__init__.py")}


def _layout_paths(block: str) -> Iterator[str]:
    """The .py paths a tree names: two spaces of indent per level, folders end with '/'."""
    folders: list[str] = []
    for line in block.splitlines():
        if not line.strip():
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 2
        name = line.split()[0]
        folders = folders[:depth]
        if name.endswith("/"):
            folders.append(name)
        elif name.endswith(".py"):
            yield "".join(folders) + name
