"""Every page of the app, declared once: its script, title, menu icon, who may open it, and the
board-pack slide that shows its key view.

The menu (``wdp.ui.filters.menu``), the server-side role check (``wdp.ui.page.setup``) and
presentation mode ("Present this view") all read this list; ``tests/test_architecture.py``
checks that every file in ``pages/`` has exactly one spec here and every spec a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wdp.config import ROOT
from wdp.domain import Role


@dataclass(frozen=True)
class PageSpec:
    script: str  # relative to the project root: what Streamlit runs and links to
    title: str  # the page's heading and its menu label
    icon: str
    roles: tuple[Role, ...] = ()  # who may open it; empty: everyone the database lets in
    slide: str | None = None  # the board-pack slide showing this page's key view
    menu_label: str | None = None  # when the menu says it shorter than the heading
    public: bool = False  # open to anyone, signed in or not, whatever the data (a statement)

    @property
    def label(self) -> str:
        return self.menu_label or self.title

    @property
    def url_path(self) -> str:
        """The page's address on the site: Streamlit names a page by its file, without the
        number that orders it ("pages/5_Upload.py" is "/Upload"); the entry script is "/"."""
        if self.script == "dashboard.py":
            return "/"
        return "/" + Path(self.script).stem.split("_", 1)[1]

    @property
    def exists(self) -> bool:
        return (ROOT / self.script).is_file()

    def allows(self, role: Role | None) -> bool:
        """Whether someone in ``role`` may open the page (None: not signed in, who is then
        asked to sign in by the page itself when it needs a role)."""
        return not self.roles or role is None or role in self.roles


APP_TITLE = "WDP programme dashboard"

# Material Symbols (":material/name:"), which Streamlit serves with the app itself: emoji need an
# emoji font, which servers and many locked-down machines lack (they show as empty boxes).
PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "dashboard.py", APP_TITLE, ":material/home:", slide="headlines", menu_label="Overview"
    ),
    PageSpec("pages/1_Trained_staff.py", "Trained staff", ":material/school:", slide="champions"),
    PageSpec(
        "pages/2_Pathfinder_status.py", "Pathfinder status", ":material/traffic:", slide="rag"
    ),
    PageSpec(
        "pages/3_Screening_uptake.py",
        "Screening uptake by area",
        ":material/monitor_heart:",
        slide="funnel",
    ),
    PageSpec(
        "pages/4_Campaign_activity.py", "Campaign activity", ":material/campaign:", slide="activity"
    ),
    PageSpec(
        "pages/5_Upload.py",
        "Upload a return",
        ":material/upload_file:",
        roles=(Role.LEAD, Role.DIRECTOR, Role.ADMIN),
    ),
    PageSpec(
        "pages/6_Data_quality.py",
        "Data quality",
        ":material/fact_check:",
        roles=(Role.DIRECTOR, Role.ADMIN, Role.VIEWER),
    ),
    PageSpec("pages/7_Admin.py", "Admin", ":material/admin_panel_settings:", roles=(Role.ADMIN,)),
    PageSpec(
        "pages/9_Evaluation.py",
        "Evaluation",
        ":material/science:",
        roles=(Role.DIRECTOR, Role.ADMIN, Role.VIEWER, Role.LEAD),
        slide="evaluation",
    ),
    PageSpec("pages/8_Board_pack.py", "Board pack", ":material/slideshow:"),
    PageSpec(
        "pages/10_Accessibility.py",
        "Accessibility statement",
        ":material/accessibility_new:",
        menu_label="Accessibility",
        public=True,
    ),
)
BY_SCRIPT = {spec.script: spec for spec in PAGES}
BOARD_PACK = BY_SCRIPT["pages/8_Board_pack.py"]
OVERVIEW = BY_SCRIPT["dashboard.py"]


def spec_for_path(url_path: str) -> PageSpec | None:
    """The page at an address on the site (None: no page there)."""
    wanted = url_path.rstrip("/") or "/"
    return next((spec for spec in PAGES if spec.url_path == wanted), None)


def spec_for(script: str | Path) -> PageSpec:
    """The spec of a page script (``__file__`` of the page, or its path from the root)."""
    path = Path(script)
    relative = path.resolve().relative_to(ROOT) if path.is_absolute() else path
    return BY_SCRIPT[relative.as_posix()]
