"""The shape of the code, checked like Home Assistant's hassfest checks integrations.

- Layers: a module imports only its own part or parts on a lower layer (docs/ARCHITECTURE.md),
  type-only imports included; product code never imports ``sim/``.
- No import cycles between files, type-only imports included.
- Every subsystem has the same inside; none imports another's internals; a pure protocol
  core (an ``adapters/`` module not named in its package's ``TRANSPORTS``) imports no
  asyncio, socket or database module.
- Subsystems are found through the ``anfang.subsystems`` entry points, each naming its
  own package's ``SUBSYSTEM``.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from anfang.app.registry import load_all
from anfang.subsystems import ENTRY_POINT_GROUP

SRC = Path(__file__).resolve().parents[1] / "src" / "anfang"
SUBSYSTEMS = SRC / "subsystems"
# Cross-cutting parts built in a subsystem's shape and registered like one.
CROSS_CUTTING = ("uplink", "compliance")

# Parts from the ground up; a part imports only parts of a lower rank (and itself).
LAYERS: dict[str, float] = {
    "__init__": 0,
    "config": 0,
    "store": 1,
    "wire": 1,
    "core": 2,
    "audit": 3,
    "auth": 4,
    "kernel": 5,
    "api": 6,
    "ingest": 7,
    "site": 7,
    "face": 7,
    "web": 7,
    "subsystems": 8,
    # Registered like a subsystem (it imports their declaration), never their internals
    # (checked below): it reaches video and access through capabilities.
    "uplink": 8.5,
    # Reads what the subsystems state through core's fact sources, never their tables.
    "compliance": 8.5,
    "app": 9,
    "sim": 10,
    "cli": 11,
}
# Every subsystem package holds these (extras are allowed).
SHAPE = ("__init__.py", "models.py", "service.py", "api.py", "sim.py", "adapters/__init__.py")
# Subsystems that so far only declare their event kinds (issue 16 builds them): their
# package holds nothing but ``__init__.py`` until they are built in the full shape.
DECLARED_ONLY: set[str] = set()
# What a pure core may not import: I/O, and the database (``anfang.store.base``'s clock
# and column types are no I/O).
IMPURE = {"asyncio", "socket", "sqlalchemy", "psycopg", "aiomqtt", "httpx", "anfang.kernel"}
IMPURE |= {"anfang.store.models", "anfang.store.migrate", "anfang.core.writer"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    return {
        _module_name(p): p
        for p in SRC.rglob("*.py")
        if "migrations" not in p.relative_to(SRC).parts
    }


def _resolve(module: str, node: ast.ImportFrom) -> list[str]:
    if node.level:
        base = module.split(".")
        is_pkg = _modules()[module].name == "__init__.py"
        base = base[: len(base) - node.level + (1 if is_pkg else 0)]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    out = [prefix]
    # ``from anfang.x import y`` may name the module ``anfang.x.y``.
    out += [f"{prefix}.{a.name}" for a in node.names if f"{prefix}.{a.name}" in _modules()]
    return out


@cache
def _imports(module: str) -> frozenset[str]:
    """Every module this one imports, anywhere in it (functions, TYPE_CHECKING included)."""
    tree = ast.parse(_modules()[module].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.update(_resolve(module, node))
    return frozenset(found)


def _own(module: str) -> Iterator[str]:
    """The anfang modules ``module`` imports (the closest existing module of each name)."""
    for name in _imports(module):
        while name and name not in _modules():
            name = name.rpartition(".")[0]
        if name.startswith("anfang") and name != module and name != "anfang":
            yield name


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_part_has_a_layer() -> None:
    parts = {_part(m) for m in _modules()}
    assert parts <= set(LAYERS), f"give these a layer: {parts - set(LAYERS)}"


def test_imports_only_go_down() -> None:
    wrong = [
        f"{m} -> {o}"
        for m in _modules()
        for o in _own(m)
        if _part(o) != _part(m) and LAYERS[_part(o)] >= LAYERS[_part(m)]
    ]
    assert not wrong, "imports that do not go down:\n" + "\n".join(sorted(wrong))


def test_product_code_never_imports_the_demo() -> None:
    wrong = [
        f"{m} -> {o}"
        for m in _modules()
        if _part(m) not in {"sim", "cli"}
        for o in _own(m)
        if _part(o) == "sim"
    ]
    assert not wrong, wrong


def test_no_import_cycles() -> None:
    graph = {m: set(_own(m)) - {m} for m in _modules()}
    # Tarjan's strongly connected components, iteratively.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                scc = []
                while True:
                    top = stack.pop()
                    on.discard(top)
                    scc.append(top)
                    if top == node:
                        break
                if len(scc) > 1:
                    cycles.append(sorted(scc))
    assert not cycles, f"import cycles: {cycles}"


def _subsystem_dirs() -> list[Path]:
    subs = sorted(p for p in SUBSYSTEMS.iterdir() if (p / "__init__.py").exists())
    return subs + [SRC / name for name in CROSS_CUTTING]


def _package(folder: Path) -> str:
    if folder.name in CROSS_CUTTING:
        return f"anfang.{folder.name}"
    return f"anfang.subsystems.{folder.name}"


@pytest.mark.parametrize("folder", _subsystem_dirs(), ids=lambda p: p.name)
def test_subsystem_shape(folder: Path) -> None:
    files = {str(p.relative_to(folder)) for p in folder.rglob("*.py")}
    if folder.name in DECLARED_ONLY:
        assert files == {"__init__.py"}, f"{folder.name}: build it in the full shape {SHAPE}"
        return
    missing = [f for f in SHAPE if f not in files]
    assert not missing, f"{folder.name} lacks {missing}"
    sub = load_all()[folder.name]
    package = _package(folder)
    # Component factories live in component.py (or in a shared part such as anfang.face).
    for spec in sub.components:
        module = spec.partition(":")[0]
        assert module == f"{package}.component" or not module.startswith(package), spec
    assert all(s.startswith(f"{package}.sim") for s in sub.sims), sub.sims
    assert sub.models and sub.api and sub.sims, f"{folder.name} declares no models/api/sims"
    # __init__.py registers only: no function or class of its own.
    tree = ast.parse((folder / "__init__.py").read_text(encoding="utf-8"))
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)]
    assert not defs, f"{folder.name}/__init__.py defines {[d.name for d in defs]}"


def test_subsystems_keep_to_their_own_internals() -> None:
    wrong = []
    for m in _modules():
        if _part(m) in CROSS_CUTTING:  # the uplink reaches subsystems through capabilities
            wrong += [f"{m} -> {o}" for o in _own(m) if o.startswith("anfang.subsystems.")]
            continue
        if not m.startswith("anfang.subsystems."):
            continue
        mine = m.split(".")[2]
        for o in _own(m):
            parts = o.split(".")
            if len(parts) > 2 and parts[1] == "subsystems" and parts[2] != mine:
                wrong.append(f"{m} -> {o}")
    assert not wrong, wrong


def test_pure_cores_do_no_io() -> None:
    wrong = []
    for folder in [*_subsystem_dirs(), SRC / "wire"]:
        adapters = folder / "adapters" if folder.name != "wire" else folder
        if not adapters.exists():
            continue
        name = "anfang.wire" if folder.name == "wire" else f"{_package(folder)}.adapters"
        package = importlib.import_module(name)
        transports: frozenset[str] = package.TRANSPORTS
        for path in adapters.glob("*.py"):
            if path.stem in transports or path.stem == "__init__":
                continue
            module = _module_name(path)
            bad = {
                i for i in _imports(module) if any(i == x or i.startswith(x + ".") for x in IMPURE)
            }
            if bad:
                wrong.append(f"{module} imports {sorted(bad)}")
    assert not wrong, wrong


def test_core_imports_no_subsystem_and_store_nothing_above() -> None:
    for m in _modules():
        if _part(m) in {"core", "store"}:
            assert not [o for o in _own(m) if _part(o) not in {"core", "store", "config"}], m
        if _part(m) == "store":
            assert not [o for o in _own(m) if _part(o) not in {"store", "config"}], m


def test_subsystems_are_entry_points() -> None:
    eps = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    folders = {p.name for p in _subsystem_dirs()}
    assert set(eps) == folders
    for name, value in eps.items():
        where = f"anfang.{name}" if name in CROSS_CUTTING else f"anfang.subsystems.{name}"
        assert value == f"{where}:SUBSYSTEM"
    assert list(load_all()) == sorted(load_all(), key=lambda k: load_all()[k].order)


def test_routers_build_no_queries() -> None:
    """Routers check permissions, validate and call services; queries live in services."""
    query = re.compile(
        r"(?<![.\w])(select|delete|update|insert)\(|\.(execute|scalars?)\(|session\.get\("
    )
    routers = [
        p
        for p in SRC.rglob("*.py")
        if "api" in p.relative_to(SRC).parts[:1] or p.stem == "api" or p.stem.startswith("api_")
    ]
    wrong = [
        f"{p.relative_to(SRC)}:{n}"
        for p in routers
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if query.search(line)
    ]
    assert not wrong, "queries built in routers:\n" + "\n".join(wrong)
