"""Dependency direction: pages -> wdp.ui -> wdp.db.queries -> wdp.db. The ETL never needs a UI."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UI_MODULES = set((ROOT / "wdp" / "ui").rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_etl_and_the_database_layer_never_import_streamlit() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("etl", "wdp")
        for path in (ROOT / folder).rglob("*.py")
        if path not in UI_MODULES and "streamlit" in imported_modules(path)
    ]
    assert offenders == []


def test_sql_lives_only_in_the_database_layer() -> None:
    """No module outside wdp/db executes SQL (pages and the ETL call named functions)."""
    offenders = []
    for path in [
        *ROOT.glob("*.py"),
        *(ROOT / "pages").glob("*.py"),
        *(ROOT / "etl").rglob("*.py"),
        *(ROOT / "wdp" / "ui").rglob("*.py"),
        *(ROOT / "wdp" / "charts").rglob("*.py"),
        ROOT / "wdp" / "stats.py",
    ]:
        if path.exists() and ".execute(" in path.read_text():
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


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
