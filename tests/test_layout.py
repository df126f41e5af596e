"""Structural promises of the layout: no import cycles inside the package, sandbox routes
from the endpoint table, and no module-level caches in the protocol layer."""

from __future__ import annotations

import ast
from pathlib import Path

from daji_async import ENDPOINTS
from daji_async.sandbox import create_app
from daji_async.sandbox._products import HANDLERS

PACKAGE = Path(__file__).resolve().parent.parent / "daji_async"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def top_level_imports(path: Path) -> set[str]:
    """Package modules imported when ``path`` is imported (TYPE_CHECKING blocks and function bodies excluded)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.startswith("daji_async"):
                found.add(target)
                found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("daji_async"))
    return found


def test_no_import_cycles() -> None:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {name: {t for t in top_level_imports(path) if t in modules and t != name} for name, path in modules.items()}
    # a package's __init__ importing its own submodules is how packages work, not a cycle
    for name in graph:
        graph[name] = {t for t in graph[name] if not name.startswith(t + ".")}
    visiting: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> None:
        if name in done:
            return
        assert name not in visiting, "import cycle: " + " -> ".join([*visiting[visiting.index(name) :], name])
        visiting.append(name)
        for target in sorted(graph[name]):
            visit(target)
        visiting.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)


def test_sandbox_routes_come_from_the_endpoint_table() -> None:
    app = create_app()
    routes = {(r.method, r.resource.canonical) for r in app.router.routes() if r.resource is not None}
    for endpoint in ENDPOINTS.values():
        assert (endpoint.method, endpoint.path) in routes, endpoint.name
    assert set(HANDLERS) <= set(ENDPOINTS)


def test_no_package_module_is_over_600_lines() -> None:
    sizes = {
        str(p.relative_to(PACKAGE)): len(p.read_text(encoding="utf-8").splitlines()) for p in PACKAGE.rglob("*.py")
    }
    assert not {name: n for name, n in sizes.items() if n > 600}


def test_resources_reach_no_private_name_of_another_module() -> None:
    """Resources use the front door (`self._core`'s verbs) and public names only."""
    for path in (PACKAGE / "resources").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level and node.module:  # not `from .. import _constants`
                private = [a.name for a in node.names if a.name.startswith("_") and a.name != "__version__"]
                assert not private, (path.name, node.module, private)
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                owner = node.value
                # the resource's own attributes (self._core) are its business; nothing else's are
                own = isinstance(owner, ast.Name) and owner.id in ("self", "cls")
                assert own, f"{path.name}:{node.lineno}: reaches .{node.attr} of {ast.unparse(owner)}"
