"""The package layout is the architecture: imports only go down the layers.

An AST check over every module of ``posecheck/`` (function-level imports included, since
a lazy import is still a dependency): each subpackage imports only the layers below it
(:data:`ALLOWED`, the same table as docs/architecture.md), no two modules import each
other in a circle, and only the estimator imports mediapipe. A failure names the module,
the line and the import, and says what that layer may import.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "posecheck"

# The layers, bottom up; a layer may import itself and the layers it names. The top-level
# modules count as layers of their own: pipeline.py (the one loop both modes share) and
# api.py (the public API) above every subpackage but cli/, which is the top.
ALLOWED: dict[str, frozenset[str]] = {
    "pose": frozenset(),
    "sources": frozenset({"pose"}),
    "check": frozenset({"pose"}),
    # workout/: recognise exercises, find sets, judge each set (no drawing, no files)
    "workout": frozenset({"pose", "check"}),
    "report": frozenset({"pose", "sources", "check", "workout"}),
    "coach": frozenset({"pose", "check", "workout", "report"}),
    "evaluate": frozenset({"pose", "sources", "check", "workout"}),
    "pipeline": frozenset({"pose", "sources", "check", "workout", "report", "coach"}),
    "api": frozenset({"pose", "sources", "check", "workout", "report", "coach", "pipeline"}),
    # workout_api.py: the public API for a whole workout, beside the one-exercise API
    "workout_api": frozenset(
        {"pose", "sources", "check", "workout", "report", "coach", "pipeline", "api"}
    ),
    # posecheck/__init__.py: the names of both public APIs, loaded on first use
    "package": frozenset({"api", "workout_api", "pose"}),
    # distributed.py: the Ray engine for many videos, on top of the public API
    "distributed": frozenset(
        {"pose", "sources", "check", "workout", "report", "coach", "pipeline", "api"}
    ),
    "cli": frozenset(
        {
            "pose",
            "sources",
            "check",
            "workout",
            "report",
            "coach",
            "evaluate",
            "pipeline",
            "api",
            "workout_api",
            "distributed",
        }
    ),
}
#: Importable from anywhere: the version string, and the exercise/routine data packages.
ANYWHERE = frozenset({"_version", "exercise_specs", "routines"})
#: The one module that talks to MediaPipe (everything else sees PoseFrames).
MEDIAPIPE_ONLY = "pose/estimator.py"


def layer_of(module: str) -> str:
    """``posecheck.check.checker`` -> ``check``; ``posecheck.pipeline`` -> ``pipeline``;
    ``posecheck`` (the package itself, whose lazy names are both public APIs) ->
    ``package``."""
    parts = module.split(".")
    assert parts[0] == "posecheck", module
    return parts[1] if len(parts) > 1 else "package"


def module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> list[Path]:
    """Every source file of the package (the data folders are not code)."""
    return sorted(
        p for p in PKG.rglob("*.py") if not ({"exercise_specs", "routines"} & set(p.parts))
    )


def imports_of(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module) of every import in the file, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            # ``from pkg import x``: x may be a module of pkg (``from posecheck.cli import
            # specs``) or a name in it; callers strip what is not a module.
            for alias in node.names:
                yield node.lineno, f"{mod}.{alias.name}"


def internal_imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) of every import of a posecheck module: ``from posecheck.x import
    name`` counts as importing ``posecheck.x``, ``from posecheck.cli import specs`` as
    importing ``posecheck.cli.specs``."""
    known = {module_name(p) for p in modules()}
    for line, mod in imports_of(path):
        if mod == "posecheck" or mod.startswith("posecheck."):
            while mod not in known and "." in mod:
                mod = mod.rpartition(".")[0]
            yield line, mod


def test_every_module_is_in_a_known_layer() -> None:
    for path in modules():
        name = module_name(path)
        if name == "posecheck":
            continue
        layer = layer_of(name)
        assert layer in ALLOWED or layer in ANYWHERE or name == "posecheck.__main__", (
            f"{path.relative_to(PKG.parent)}: not in a layer; add it to a subpackage, or to "
            "ALLOWED here and in docs/architecture.md"
        )


def test_imports_only_go_down_the_layers() -> None:
    bad = []
    for path in modules():
        name = module_name(path)
        own = layer_of(name)
        if own not in ALLOWED:  # posecheck.__main__ and _version: entry point, leaf
            continue
        for line, mod in internal_imports(path):
            target = layer_of(mod)
            if target == own or target in ANYWHERE or target in ALLOWED[own]:
                continue
            may = ", ".join(sorted(ALLOWED[own])) or "nothing else in posecheck"
            bad.append(
                f"{path.relative_to(PKG.parent)}:{line}: imports {mod} ({own} may import {may})"
            )
    assert not bad, "imports going up or across the layers:\n" + "\n".join(bad)


def test_the_layers_themselves_have_no_cycle() -> None:
    """The table is a partial order: following "may import" never comes back."""

    def reach(start: str, seen: tuple[str, ...]) -> None:
        for nxt in ALLOWED[start]:
            assert nxt not in seen, " -> ".join((*seen, nxt))
            reach(nxt, (*seen, nxt))

    for layer in ALLOWED:
        reach(layer, (layer,))


def test_no_module_imports_itself_back_in_a_circle() -> None:
    """Module by module, lazy imports included: no A -> B -> ... -> A."""
    names = {module_name(p): p for p in modules()}
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        graph[name] = set()
        for _, mod in internal_imports(path):
            if mod != name and mod != "posecheck":
                graph[name].add(mod)
    cycles = []
    state: dict[str, int] = {}  # 1 on the stack, 2 done

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*stack[stack.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_only_the_estimator_imports_mediapipe() -> None:
    found = [
        f"{path.relative_to(PKG.parent)}:{line}"
        for path in modules()
        for line, mod in imports_of(path)
        if mod.split(".")[0] == "mediapipe"
    ]
    assert found == [f"posecheck/{MEDIAPIPE_ONLY}:{line}" for line in _lines(MEDIAPIPE_ONLY)]
    assert found, "the estimator no longer imports mediapipe: update MEDIAPIPE_ONLY"


def _lines(rel: str) -> list[int]:
    path = PKG / rel
    return [line for line, mod in imports_of(path) if mod.split(".")[0] == "mediapipe"]


@pytest.mark.parametrize("layer", ["check"])
def test_the_checker_never_draws(layer: str) -> None:
    """The checker decides; drawing (OpenCV), encoding (PyAV) and speech are elsewhere."""
    found = [
        f"{path.relative_to(PKG.parent)}:{line}: {mod}"
        for path in (PKG / layer).rglob("*.py")
        for line, mod in imports_of(path)
        if mod.split(".")[0] in ("cv2", "av", "mediapipe")
    ]
    assert not found, found


def test_every_subpackage_says_what_it_owns_and_may_import() -> None:
    for init in sorted(PKG.glob("*/__init__.py")):
        if init.parent.name in ("exercise_specs", "routines"):
            continue
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert "Owns" in doc and "import" in doc, f"{init}: say what it owns and may import"
