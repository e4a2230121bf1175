"""What several benchmarks share: the sample programme, built the way a user builds it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def seed_sample(path: Path) -> Path:
    """Build the sample programme at ``path`` with ``python -m etl seed``; returns ``path``."""
    subprocess.run(
        [sys.executable, "-m", "etl", "seed", "--db", str(path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return path
