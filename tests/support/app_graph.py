"""The dependency graph between Debitor's apps, read from their source with ``ast``.

An edge ``a → b`` means code or a migration of app ``a`` needs app ``b``: an import
(module level or inside a function, ``import b.x``, ``from b.x import y``, relative
imports, ``import_module("b.x")``), a lazy model reference (``"b.Model"`` anywhere as a
whole string literal, ``get_model("b", "Model")``, ``app_label="b"``), or a migration
``dependencies``/``run_before`` entry naming ``b``. Test code (``tests/`` folders,
``test_*.py``, ``conftest.py``) is not read: tests may use every app.

The builder works on plain data (``AppInfo``), so it can be checked on a synthetic tree.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

MODEL_FIELD_CALLS = {"ForeignKey", "OneToOneField", "ManyToManyField", "ForeignObject"}
IMPORT_CALLS = {"import_module", "import_string", "__import__"}


@dataclass(frozen=True)
class AppInfo:
    name: str  # the package, e.g. "invoicing"
    label: str  # the app label used in model references and migrations
    path: Path
    models: frozenset[str] = frozenset()  # lower-case model names, for "label.Model" literals


@dataclass(frozen=True)
class Site:
    path: str  # relative to the project root
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} ({self.what})"


@dataclass
class AppGraph:
    apps: list[str]
    edges: dict[tuple[str, str], list[Site]] = field(default_factory=lambda: defaultdict(list))

    def successors(self, app: str) -> list[str]:
        return sorted({b for (a, b) in self.edges if a == app})

    def cycles(self) -> list[list[str]]:
        """The strongly connected components with more than one app (each one holds a cycle)."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        on_stack: set[str] = set()
        components: list[list[str]] = []

        def visit(app: str) -> None:  # Tarjan; a handful of apps, recursion is fine
            index[app] = low[app] = len(index)
            stack.append(app)
            on_stack.add(app)
            for nxt in self.successors(app):
                if nxt not in index:
                    visit(nxt)
                    low[app] = min(low[app], low[nxt])
                elif nxt in on_stack:
                    low[app] = min(low[app], index[nxt])
            if low[app] == index[app]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == app:
                        break
                if len(component) > 1:
                    components.append(sorted(component))

        for app in sorted(self.apps):
            if app not in index:
                visit(app)
        return sorted(components)

    def simple_cycles(self) -> list[list[str]]:
        """Every elementary cycle, each starting at its smallest app, shortest first."""
        found: list[list[str]] = []

        def walk(start: str, path: list[str]) -> None:
            for nxt in self.successors(path[-1]):
                if nxt == start:
                    found.append(path)
                elif nxt > start and nxt not in path:
                    walk(start, [*path, nxt])

        for start in sorted(self.apps):
            walk(start, [start])
        return sorted(found, key=lambda cycle: (len(cycle), cycle))

    def describe_cycles(self) -> str:
        """Each cycle by name, then the files and lines behind every edge on a cycle."""
        cycles = self.simple_cycles()
        lines = ["Cycle: " + " → ".join([*cycle, cycle[0]]) for cycle in cycles]
        on_cycles = sorted({(c[i], c[(i + 1) % len(c)]) for c in cycles for i in range(len(c))})
        for a, b in on_cycles:
            lines.append(f"  {a} → {b}:")
            lines.extend(f"    {site}" for site in self.edges[(a, b)])
        return "\n".join(lines)


def is_test_file(relative: Path) -> bool:
    return "tests" in relative.parts or relative.name.startswith("test_") or relative.name == "conftest.py"


def source_files(app: AppInfo) -> list[Path]:
    return sorted(
        path
        for path in app.path.rglob("*.py")
        if "__pycache__" not in path.parts and not is_test_file(path.relative_to(app.path))
    )


def build_graph(apps: list[AppInfo], root: Path) -> AppGraph:
    graph = AppGraph(apps=[app.name for app in apps])
    for app in apps:
        for path in source_files(app):
            reader = _ModuleReader(app=app, apps=apps, path=path)
            reader.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
            for target, line, what in reader.found:
                if target != app.name:
                    graph.edges[(app.name, target)].append(Site(str(path.relative_to(root)), line, what))
    return graph


class _ModuleReader(ast.NodeVisitor):
    def __init__(self, *, app: AppInfo, apps: list[AppInfo], path: Path) -> None:
        self.app = app
        self.by_name = {other.name: other for other in apps}
        self.by_label = {other.label: other for other in apps}
        relative = path.relative_to(app.path).with_suffix("")
        parts = [*app.name.split("."), *relative.parts]
        self.is_package = parts[-1] == "__init__"
        self.module = ".".join(parts[:-1] if self.is_package else parts)
        self.is_migration = "migrations" in relative.parts
        self.found: list[tuple[str, int, str]] = []
        self.seen_literals: set[int] = set()  # literals already reported as part of a call

    # --- resolving names to apps
    def _app_of_module(self, module: str) -> str | None:
        candidates = [name for name in self.by_name if module == name or module.startswith(name + ".")]
        return max(candidates, key=len) if candidates else None

    def _add_module(self, module: str, node: ast.AST, what: str) -> None:
        target = self._app_of_module(module)
        if target is not None:
            self.found.append((target, node.lineno, what))

    def _add_label(self, label: str, node: ast.AST, what: str) -> None:
        if label in self.by_label:
            self.found.append((self.by_label[label].name, node.lineno, what))

    # --- imports
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add_module(alias.name, node, f"import {alias.name}")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            package = self.module if self.is_package else self.module.rpartition(".")[0]
            base = package.split(".")
            base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
            module = ".".join([*base, node.module] if node.module else base)
        else:
            module = node.module or ""
        names = ", ".join(alias.name for alias in node.names)
        self._add_module(module, node, f"from {'.' * node.level}{node.module or ''} import {names}")

    # --- string references
    def visit_Constant(self, node: ast.Constant) -> None:
        # "invoicing.Invoice" as a whole literal is a lazy model reference wherever it appears.
        if id(node) not in self.seen_literals and isinstance(node.value, str) and node.value.count(".") == 1:
            label, model = node.value.split(".")
            other = self.by_label.get(label)
            if other is not None and model.lower() in other.models:
                self._add_label(label, node, f"model reference {node.value!r}")

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        first = node.args[0] if node.args else None
        first_str = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
        if name in IMPORT_CALLS and first_str:
            self._add_module(first_str, node, f"{name}({first_str!r})")
        elif name in {"get_model", "get_by_natural_key"} and first_str:
            self._add_label(first_str.partition(".")[0], node, f"{name}({first_str!r}, ...)")
        elif name in MODEL_FIELD_CALLS:
            for arg in [first, *(kw.value for kw in node.keywords if kw.arg == "to")]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and "." in arg.value:
                    self.seen_literals.add(id(arg))
                    self._add_label(arg.value.partition(".")[0], node, f"{name}({arg.value!r})")
        for keyword in node.keywords:
            if keyword.arg == "app_label" and isinstance(keyword.value, ast.Constant):
                self._add_label(str(keyword.value.value), node, f"app_label={keyword.value.value!r}")
        self.generic_visit(node)

    # --- migrations
    def visit_Assign(self, node: ast.Assign) -> None:
        targets = {target.id for target in node.targets if isinstance(target, ast.Name)}
        if self.is_migration and targets & {"dependencies", "run_before"} and isinstance(node.value, ast.List):
            for item in node.value.elts:
                elts = item.elts if isinstance(item, ast.Tuple) else []
                if len(elts) == 2 and all(isinstance(elt, ast.Constant) for elt in elts):
                    label, migration = (elt.value for elt in elts)
                    self._add_label(label, item, f"migration dependency ({label!r}, {migration!r})")
        self.generic_visit(node)
