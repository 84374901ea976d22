"""The layering, as import contracts read from the source (docs/architecture.md).

- `app/core` imports no feature, no shell (`app.web`, `app.api`, `app.cli`) and not the facade.
- A feature's pages, API and CLI modules are imported only by its own `init_app` (the feature
  package's `__init__.py`), so every rule they need lives in a service.
- `optimizer/` and `drills/` import nothing from `app/`, nor Flask or SQLAlchemy.
- No import cycles among the product's modules (imports inside functions count too; only
  `if TYPE_CHECKING:` blocks are left out).
- Test modules import no other test module: shared helpers live in `tests/helpers.py`.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("app", "optimizer", "drills")
FEATURES = ("accounts", "areas", "stock", "resources", "exchange", "incidents", "drills",
            "contingency", "notifications", "dashboard")
SHELLS = ("app.web", "app.api", "app.cli")
ENTRY_SUFFIXES = ("pages", "api", "cli")


def module_name(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def modules(*tops: str) -> dict[str, Path]:
    return {module_name(p): p for top in tops for p in sorted((ROOT / top).rglob("*.py"))}


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _walk(node: ast.AST) -> Iterator[ast.AST]:
    for child in ast.iter_child_nodes(node):
        if _type_checking(child):
            continue
        yield child
        yield from _walk(child)


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The modules a file imports (a `from package import name` that names a submodule counts
    as importing that submodule)."""
    found: set[str] = set()
    for node in _walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known else node.module)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    mods = modules(*PRODUCT)
    known = set(mods)
    return {name: {m for m in imports_of(path, known) if m in known}
            for name, path in mods.items()}


def _feature_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "app" and parts[1] in FEATURES else None


def _is_entry(module: str) -> bool:
    """pages.py, api.py, cli.py and their kin (record_pages.py, cap_api.py, solve_cli.py)."""
    leaf = module.rsplit(".", 1)[-1]
    return _feature_of(module) is not None and any(
        leaf == s or leaf.endswith(f"_{s}") for s in ENTRY_SUFFIXES)


def test_every_feature_is_a_package_with_an_init_app() -> None:
    for feature in FEATURES:
        init = ROOT / "app" / feature / "__init__.py"
        assert init.exists(), feature
        tree = ast.parse(init.read_text(encoding="utf-8"))
        assert any(isinstance(n, ast.FunctionDef) and n.name == "init_app" for n in tree.body), \
            f"app/{feature}/__init__.py has no init_app"


def test_core_imports_no_feature_and_no_shell(graph: dict[str, set[str]]) -> None:
    bad = sorted(f"{m} -> {dep}" for m, deps in graph.items() if m.startswith("app.core")
                 for dep in deps if _feature_of(dep) or dep.startswith(SHELLS)
                 or dep in ("app", "app.models", "app.demo", "app.jobs"))
    assert bad == []


def test_pages_api_and_cli_are_imported_only_by_their_own_init_app(
        graph: dict[str, set[str]]) -> None:
    bad = []
    for module, deps in graph.items():
        for dep in deps:
            if _is_entry(dep) and module != f"app.{_feature_of(dep)}" \
                    and not (module.startswith(f"app.{_feature_of(dep)}.") and _is_entry(module)
                             and dep.rsplit(".", 1)[-1] == "pages"):
                bad.append(f"{module} -> {dep}")
    # (a feature's page modules may share its one blueprint, defined in its pages.py)
    assert sorted(bad) == []


def test_the_optimiser_and_the_timetable_are_pure() -> None:
    for top in ("optimizer", "drills"):
        for path in modules(top).values():
            deps = imports_of(path, set())
            impure = sorted(d for d in deps if d.split(".")[0] in ("app", "flask", "sqlalchemy",
                                                                   "apiflask", "werkzeug"))
            assert impure == [], f"{path.relative_to(ROOT)} imports {impure}"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), and self-imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph.get(v, ()):
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_there_are_no_import_cycles(graph: dict[str, set[str]]) -> None:
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_test_modules_import_no_other_test_module() -> None:
    tests = modules("tests")
    bad = sorted(f"{name} -> {dep}" for name, path in tests.items()
                 for dep in imports_of(path, set(tests))
                 if dep.startswith("tests.") and dep != "tests.helpers" and dep in tests)
    assert bad == []


def test_the_contracts_see_a_back_arrow(tmp_path: Path) -> None:
    """The checks read real imports: a page imported from a service is caught."""
    fake = {"app.stock.services": {"app.stock.pages"}, "app.stock.pages": set(),
            "app.stock": {"app.stock.pages"}}
    bad = [f"{m} -> {d}" for m, deps in fake.items() for d in deps
           if _is_entry(d) and m != f"app.{_feature_of(d)}"]
    assert bad == ["app.stock.services -> app.stock.pages"]
