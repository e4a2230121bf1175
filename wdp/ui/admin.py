"""The Admin page's widgets: the pathfinder and password fields, and a register file checked
before anything is replaced (the page lays them out; wdp.services makes the changes)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from wdp import services
from wdp.auth import MIN_PASSWORD_LENGTH


def pathfinder_choice(pathfinders: dict[str, str]) -> str | None:
    """A lead's pathfinder, by name (None for everyone else)."""
    return st.selectbox(
        "Pathfinder (leads only)",
        [None, *sorted(pathfinders)],
        format_func=lambda c: "-" if c is None else f"{pathfinders[c]} ({c})",
        key="admin_pathfinder",
    )


def password_input() -> str:
    return st.text_input(
        "Password",
        type="password",
        key="admin_password",
        help=f"At least {MIN_PASSWORD_LENGTH} characters. Leave empty for an account that signs "
        "in only with the NHS identity provider.",
    )


def checked_register(path: Path, file_name: str) -> pd.DataFrame | None:
    """The register in an uploaded CSV, every row checked; None, with every problem said, when
    it cannot replace the register (which is then left as it was)."""
    try:
        return services.read_register_file(path)
    except services.CsvError as error:
        st.error(
            "The register was not changed:\n\n"
            + "\n".join(f"- {issue.describe(file_name)}" for issue in error.issues)
        )
    except Exception as error:  # not a CSV at all
        st.error(
            f"The register was not changed: {file_name} could not be read ({type(error).__name__})."
        )
    return None
