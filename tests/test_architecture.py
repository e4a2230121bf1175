"""The shape of the code, checked: layers import only downwards, only the database layer talks to
a database driver, SQL lives only there, every page has one spec, and tests share helpers, not
each other. Each check is a function over a source tree, and each is shown to fail on a tree with
a planted mistake (so none of them can pass by looking at nothing).

Layers, lowest first (a module may import its own layer and the ones below):

    domain       wdp.domain, wdp.config, wdp.files, wdp.stats, wdp.spc, wdp.funnel,
                 wdp.evaluation (pure statistics: numpy and pandas, nothing above)
    db           wdp.db
    etl, charts  etl, wdp.charts, wdp.geo, wdp.headlines, wdp.auth, wdp.study,
                 wdp.notify (sending reminders: SMTP or GOV.UK Notify)
    board pack   wdp.boardpack
    services     wdp.services
    ui           wdp.ui
    pages, CLI   pages, dashboard, etl.cli, etl.__main__

and, across the grain of the middle layer: nothing in ``wdp`` but ``wdp.services`` imports ``etl``.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from wdp.ui.pages import PAGES

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("dashboard.py", "pages", "etl", "wdp")

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "domain",
        (
            "wdp.domain",
            "wdp.config",
            "wdp.files",
            "wdp.stats",
            "wdp.spc",
            "wdp.funnel",
            "wdp.evaluation",
        ),
    ),
    ("db", ("wdp.db",)),
    (
        "etl and charts",
        (
            "etl",
            "wdp.charts",
            "wdp.geo",
            "wdp.headlines",
            "wdp.auth",
            "wdp.study",
            "wdp.notify",
            "wdp.reminders",
        ),
    ),
    ("board pack", ("wdp.boardpack",)),
    ("services", ("wdp.services",)),
    ("ui", ("wdp.ui",)),
    ("pages and CLI", ("pages", "dashboard", "etl.cli", "etl.__main__")),
)
# Driver and UI packages, and who alone may import them.
ONLY = {
    "duckdb": ("wdp.db",),
    "duckdb_extensions": ("wdp.db",),
    "psycopg": ("wdp.db",),
    "streamlit": ("wdp.ui", "pages", "dashboard"),
}


# ------------------------------------------------------------------------------------------------
# Reading a tree
# ------------------------------------------------------------------------------------------------


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def product_files(root: Path) -> list[Path]:
    files = []
    for entry in PRODUCT:
        path = root / entry
        files += [path] if path.suffix == ".py" else sorted(path.rglob("*.py"))
    return [f for f in files if f.exists()]


def imports(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, anywhere in it (deferred imports inside functions too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # "from wdp import ui" imports the module wdp.ui
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def layer_of(module: str) -> int | None:
    """The layer of a project module (the longest matching prefix wins: etl.cli is the CLI)."""
    if module == "wdp":  # the package itself: a docstring, imported by all
        return 0
    best: tuple[int, int] | None = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if _within(module, (prefix,)) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), index)
    return best[1] if best else None


# ------------------------------------------------------------------------------------------------
# The checks: each returns what it found wrong, as "file:line: what"
# ------------------------------------------------------------------------------------------------


def against_the_grain(root: Path) -> list[str]:
    """Imports of a higher layer, and imports of etl from anywhere in wdp but its services."""
    problems = []
    for path in product_files(root):
        importer = module_name(root, path)
        mine = layer_of(importer)
        if mine is None:
            problems.append(f"{path.relative_to(root)}: in no layer (add it to LAYERS)")
            continue
        for line, imported in imports(path):
            theirs = layer_of(imported)
            where = f"{path.relative_to(root)}:{line}"
            if theirs is not None and theirs > mine:
                problems.append(
                    f"{where}: {LAYERS[mine][0]} imports {imported} ({LAYERS[theirs][0]})"
                )
            elif (
                _within(importer, ("wdp",))
                and not _within(importer, ("wdp.services",))
                and _within(imported, ("etl",))
            ):
                problems.append(f"{where}: {importer} imports {imported}; only wdp.services may")
    return sorted(set(problems))


def forbidden_packages(root: Path) -> list[str]:
    """A driver or UI package imported outside the layer that owns it."""
    problems = []
    for path in product_files(root):
        importer = module_name(root, path)
        for line, imported in imports(path):
            package = imported.split(".")[0]
            if package in ONLY and not _within(importer, ONLY[package]):
                problems.append(f"{path.relative_to(root)}:{line}: imports {package}")
    return sorted(set(problems))


SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET|CREATE\s+(TEMP\s+)?"
    r"(TABLE|VIEW|SEQUENCE|MACRO)|DROP\s+(TABLE|VIEW)|ALTER\s+TABLE|BEGIN\s+TRANSACTION)\b",
    re.S,
)


def sql_outside_the_database_layer(root: Path) -> list[str]:
    """SQL text, or a call that runs it, in any product module outside wdp/db."""
    problems = []
    for path in product_files(root):
        if _within(module_name(root, path), ("wdp.db",)):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            where = f"{path.relative_to(root)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if SQL.search(node.value):
                    problems.append(f"{where}: SQL text {node.value[:40]!r}")
            elif isinstance(node, ast.Attribute) and node.attr in ("execute", "executemany", "sql"):
                problems.append(f"{where}: .{node.attr}(...)")
    return problems


def pages_without_a_spec(root: Path, specs=PAGES) -> list[str]:
    """Page files with no spec, specs with no file, and a page declared twice."""
    files = {"dashboard.py", *(f"pages/{p.name}" for p in (root / "pages").glob("*.py"))}
    scripts = [spec.script for spec in specs]
    problems = [f"{f}: no spec in wdp/ui/pages.py" for f in sorted(files - set(scripts))]
    problems += [f"{s}: a spec with no page file" for s in sorted(set(scripts) - files)]
    problems += [
        f"{s}: declared twice" for s in sorted({s for s in scripts if scripts.count(s) > 1})
    ]
    return problems


def imports_of_test_modules(root: Path) -> list[str]:
    """A test module imported by another (shared helpers live in conftest.py or a helper
    module: tests/helpers.py, apptest.py, processes.py, hostile.py, e2e/browser.py)."""
    problems = []
    for path in sorted((root / "tests").rglob("*.py")):
        for line, imported in imports(path):
            if imported.split(".")[-1].startswith("test_"):
                problems.append(f"{path.relative_to(root)}:{line}: imports {imported}")
    # Imports inside strings run as programs (a subprocess's script) count too.
    for path in sorted((root / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for match in re.finditer(r"from (tests\.[\w.]*test_\w+) import", node.value):
                    problems.append(f"{path.relative_to(root)}: a script imports {match[1]}")
    return problems


CHECKS = {
    "layers": against_the_grain,
    "drivers": forbidden_packages,
    "sql": sql_outside_the_database_layer,
    "page specs": pages_without_a_spec,
    "test imports": imports_of_test_modules,
}


@pytest.mark.parametrize("name", list(CHECKS))
def test_the_product_keeps_its_shape(name: str) -> None:
    assert CHECKS[name](ROOT) == []


# ------------------------------------------------------------------------------------------------
# Each check catches a planted mistake
# ------------------------------------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the product and its tests to plant mistakes in."""
    for entry in (*PRODUCT, "tests"):
        source = ROOT / entry
        if source.is_dir():
            shutil.copytree(source, tmp_path / entry, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / entry)
    return tmp_path


def plant(tree: Path, relative: str, text: str) -> None:
    path = tree / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


OTHER_TEST = "test_cli"
PLANTED = [
    pytest.param(
        "layers",
        "wdp/charts/planted.py",
        "from wdp.ui import page\n",
        "imports wdp.ui",
        id="charts-import-the-ui",
    ),
    pytest.param(
        "layers",
        "wdp/db/planted.py",
        "def f():\n    from wdp.services import backup\n",
        "db imports wdp.services",
        id="db-defers-an-import-of-services",
    ),
    pytest.param(
        "layers",
        "wdp/boardpack/planted.py",
        "from etl.load import load_return\n",
        "only wdp.services may",
        id="board-pack-imports-etl",
    ),
    pytest.param(
        "drivers",
        "wdp/headlines_planted.py",
        "import duckdb\n",
        "imports duckdb",
        id="duckdb-outside-the-db-layer",
    ),
    pytest.param(
        "drivers",
        "etl/planted.py",
        "import streamlit as st\n",
        "imports streamlit",
        id="streamlit-in-the-etl",
    ),
    pytest.param(
        "sql",
        "wdp/charts/planted.py",
        'Q = "SELECT count(*) FROM submission"\n',
        "SQL text",
        id="sql-text-in-charts",
    ),
    pytest.param(
        "sql",
        "pages/planted_helper.py",
        "def f(con):\n    return con.execute('x')\n",
        ".execute",
        id="a-page-runs-a-query",
    ),
    pytest.param(
        "page specs",
        "pages/9_Planted.py",
        "import streamlit as st\n",
        "no spec",
        id="a-page-without-a-spec",
    ),
    pytest.param(
        "test imports",
        "tests/test_planted.py",
        f"from tests.{OTHER_TEST} import etl\n",  # (built, so this file holds no such import)
        f"imports tests.{OTHER_TEST}",
        id="a-test-imports-another",
    ),
]


@pytest.mark.parametrize(("check", "where", "text", "expected"), PLANTED)
def test_each_check_catches_a_planted_mistake(
    tree: Path, check: str, where: str, text: str, expected: str
) -> None:
    assert CHECKS[check](tree) == []  # the copy is as clean as the product
    plant(tree, where, text)
    found = CHECKS[check](tree)
    assert any(expected in problem and Path(where).name in problem for problem in found), found


def test_a_spec_without_its_page_is_caught(tree: Path) -> None:
    (tree / "pages" / "6_Data_quality.py").unlink()
    assert pages_without_a_spec(tree) == ["pages/6_Data_quality.py: a spec with no page file"]


# Build steps that regenerate shipped files from the curated source data (run by a developer,
# never by the app or the ETL at run time).
BUILD_STEPS = {ROOT / "etl" / "boundaries.py"}
# A path into the shared folder's data, or "shared" as a path component in code.
SHARED_PATH = re.compile(r"shared/data|[\"']shared[\"']")


def test_the_product_never_reads_the_shared_folder_at_run_time() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("etl", "wdp", "pages")
        for path in (ROOT / folder).rglob("*.py")
        if path not in BUILD_STEPS and SHARED_PATH.search(path.read_text())
    ]
    assert offenders == []


def test_a_unit_test_that_starts_a_process_is_stopped_and_told_to_mark_itself() -> None:
    """The unit tier's guard (tests/conftest.py) is live: this unmarked test may not spawn."""
    import subprocess
    import sys

    with pytest.raises(RuntimeError, match=r"starts a process .* mark it @pytest.mark.process"):
        subprocess.run([sys.executable, "-c", "pass"], check=False)
