"""Settings defined once: the colours and the upload limit Streamlit's own config repeats must
be the ones ``wdp.config`` defines, and every environment variable the product reads is there."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from wdp.config import ENVIRONMENT, MAX_RETURN_BYTES, Colour

ROOT = Path(__file__).resolve().parent.parent
STREAMLIT = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
PALETTE = {v for k, v in vars(Colour).items() if not k.startswith("_")}


def test_the_theme_uses_the_nhs_colours_defined_in_config() -> None:
    theme = STREAMLIT["theme"]
    assert theme["primaryColor"] == theme["linkColor"] == theme["blueColor"] == Colour.BLUE
    assert theme["textColor"] == Colour.TEXT
    assert theme["backgroundColor"] == Colour.WHITE
    assert theme["secondaryBackgroundColor"] == Colour.BACKGROUND_GREY
    assert theme["borderColor"] == Colour.BORDER_GREY
    assert (theme["redColor"], theme["orangeColor"], theme["greenColor"]) == (
        Colour.RED,
        Colour.ORANGE,
        Colour.GREEN,
    )
    assert theme["grayColor"] == Colour.DARK_GREY
    assert set(theme["chartCategoricalColors"]) <= PALETTE


def test_the_browser_upload_limit_is_the_one_the_reader_enforces() -> None:
    assert STREAMLIT["server"]["maxUploadSize"] * 1024 * 1024 == MAX_RETURN_BYTES


def environment_reads(path: Path) -> list[int]:
    """Lines that read the environment: ``os.environ.get``, ``os.environ[...]``, ``os.getenv``
    (a write, e.g. for kaleido's browser path, configures a library and is not a read)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        call = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        if call and ast.unparse(node.func) in ("os.environ.get", "os.getenv", "environ.get"):
            lines.append(node.lineno)
        subscript = isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load)
        if subscript and ast.unparse(node.value) in ("os.environ", "environ"):
            lines.append(node.lineno)
    return lines


def test_no_product_module_but_config_reads_the_environment() -> None:
    product = [ROOT / "dashboard.py", *(ROOT / "pages").glob("*.py")]
    product += [p for folder in ("etl", "wdp") for p in (ROOT / folder).rglob("*.py")]
    readers = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in product
        if path != ROOT / "wdp" / "config.py"
        for line in environment_reads(path)
    ]
    assert readers == []
    assert environment_reads(ROOT / "wdp" / "config.py")  # the check sees a real read
    assert all(variable.help for variable in ENVIRONMENT.values())


def test_the_environment_check_finds_a_planted_read(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(
        'import os\nA = os.environ.get("X")\nB = os.environ["Y"]\nC = os.getenv("Z")\n'
    )
    assert environment_reads(planted) == [2, 3, 4]
