"""Apps depend one way: no cycle between Debitor's apps, and ``core`` depends on none.

The graph covers every app of ours in ``INSTALLED_APPS`` (a new app is included without
touching this test), read from the source of each app with ``ast`` — imports at module
level and inside functions, lazy model references (``"invoicing.Invoice"``,
``get_model``) — and from the migrations' ``dependencies``. Tests of an app (``tests/``
folders, ``test_*.py``, ``conftest.py``) are left out on purpose: a test may build data
through any app's services. Where two apps need each other, one registers with the other
(job kinds, follow-up task causes, message purposes and reactions); see README,
*Architecture*.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

from tests.support.app_graph import AppGraph, AppInfo, build_graph

ROOT = Path(settings.BASE_DIR)


def our_apps() -> list[AppInfo]:
    """The installed apps whose package lives in this repository (not in site-packages)."""
    return [
        AppInfo(
            name=config.name,
            label=config.label,
            path=Path(config.path),
            models=frozenset(model._meta.model_name for model in config.get_models(include_auto_created=True)),
        )
        for config in apps.get_app_configs()
        if Path(config.path).parent == ROOT
    ]


@pytest.fixture(scope="module")
def graph() -> AppGraph:
    return build_graph(our_apps(), ROOT)


def test_every_app_of_ours_is_in_the_graph(graph):
    assert {"core", "customers", "invoicing", "payments", "tasks", "analytics"} <= set(graph.apps)
    assert not {name for name in graph.apps if name.startswith(("django", "rest_framework"))}


def test_the_graph_holds_the_dependencies_we_know_of(graph):
    # Guards against a reader that finds nothing and so passes vacuously.
    for edge in [("invoicing", "customers"), ("payments", "invoicing"), ("payments", "customers")]:
        assert edge in graph.edges, edge
    migration_sites = [site for site in graph.edges[("invoicing", "customers")] if "migrations/" in site.path]
    assert any("migration dependency" in site.what for site in migration_sites)
    assert any("model reference" in site.what or "ForeignKey" in site.what for site in migration_sites)


def test_core_depends_on_no_app(graph):
    edges = {edge: sites for edge, sites in graph.edges.items() if edge[0] == "core"}
    assert not edges, "core must not depend on any app:\n" + "\n".join(
        f"  core → {target}:\n" + "\n".join(f"    {site}" for site in sites) for (_, target), sites in edges.items()
    )


def test_no_two_apps_depend_on_each_other(graph):
    assert not graph.cycles(), "Apps depend one way; these cycles break it:\n" + graph.describe_cycles()


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_synthetic_cycle_is_found_with_its_files_and_lines(tmp_path):
    write(tmp_path / "alpha/__init__.py", "")
    write(tmp_path / "alpha/models.py", 'parent = ForeignKey("beta.Thing", on_delete=CASCADE)\n')
    write(tmp_path / "alpha/tests/test_x.py", "import gamma\n")  # tests may import anything
    write(tmp_path / "beta/__init__.py", "")
    write(tmp_path / "beta/services.py", "def f():\n    from gamma.models import Other\n")
    write(tmp_path / "beta/sub/__init__.py", "from ..services import f\n")  # relative: stays in beta
    write(tmp_path / "gamma/__init__.py", "")
    write(
        tmp_path / "gamma/migrations/0002_x.py",
        'dependencies = [("gamma", "0001_initial"), ("alpha", "0003_y")]\n',
    )
    write(tmp_path / "gamma/handlers.py", 'LABEL = "alpha.not_a_model"\n')  # not a model: no edge
    write(
        tmp_path / "beta/migrations/0003_data.py", 'def forward(apps, editor):\n    apps.get_model("gamma", "Other")\n'
    )
    synthetic = [
        AppInfo(name="alpha", label="alpha", path=tmp_path / "alpha", models=frozenset({"item"})),
        AppInfo(name="beta", label="beta", path=tmp_path / "beta", models=frozenset({"thing"})),
        AppInfo(name="gamma", label="gamma", path=tmp_path / "gamma", models=frozenset({"other"})),
    ]

    graph = build_graph(synthetic, tmp_path)

    assert set(graph.edges) == {("alpha", "beta"), ("beta", "gamma"), ("gamma", "alpha")}
    assert graph.cycles() == [["alpha", "beta", "gamma"]]
    assert [site.what for site in graph.edges[("beta", "gamma")]] == [
        "get_model('gamma', ...)",
        "from gamma.models import Other",
    ]
    report = graph.describe_cycles()
    assert "Cycle: alpha → beta → gamma → alpha" in report
    assert "alpha/models.py:1 (ForeignKey('beta.Thing'))" in report
    assert "beta/services.py:2 (from gamma.models import Other)" in report
    assert "gamma/migrations/0002_x.py:1 (migration dependency ('alpha', '0003_y'))" in report


def test_a_one_way_graph_has_no_cycle_and_one_back_edge_makes_one():
    graph = AppGraph(apps=["a", "b", "c"])
    graph.edges[("a", "b")] = []
    graph.edges[("b", "c")] = []
    assert graph.cycles() == []
    graph.edges[("c", "b")] = []
    assert graph.cycles() == [["b", "c"]]
    graph.edges[("c", "a")] = []
    assert graph.cycles() == [["a", "b", "c"]]
    assert graph.simple_cycles() == [["b", "c"], ["a", "b", "c"]]


def test_every_app_of_ours_with_tests_is_in_pytests_testpaths():
    """CI runs plain ``pytest``: an app whose tests are not in ``testpaths`` would silently not run."""
    import tomllib

    testpaths = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["testpaths"])
    with_tests = {app.path.name for app in our_apps() if (app.path / "tests").is_dir()}
    assert with_tests, "found no app with a tests folder"
    assert with_tests - testpaths == set()
