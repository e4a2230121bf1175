"""The programme's vocabulary, in one place: what the words mean, how people read them.

Everything the product names (programmes, measures, stages, RAG, roles, tracker and submission
statuses, comparisons with England, the reporting period, a problem found in a return) is
defined here once, with the label people read and, where one is shown, its symbol: "▲ Amber" is
decided here and nowhere else. Codes are what the database stores and the URL carries; labels are
what a person sees. The return's sheet models (``etl.models``, the load contract) build on these.

No imports from the rest of the project: every layer may use this module.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, Literal, Self

NO_RETURN = "No return yet"  # a pathfinder with no return has no stage or RAG yet


def match_key(text: str) -> str:
    """Comparison key that ignores case, spaces and punctuation ("Admin / Receptionist")."""
    return re.sub(r"[^a-z0-9]", "", text.casefold())


_LOOKUPS: dict[type, dict[str, Any]] = {}  # per enumeration: accepted spelling -> member


class LabelledEnum(StrEnum):
    """A str enum whose members carry a human label (the dropdown text) and optional aliases.

    ``symbol`` is the shape shown beside the label where colour would otherwise carry meaning
    (RAG, tracker status, comparison with England); ``shown`` is what a table cell says.
    """

    label: str
    aliases: tuple[str, ...]

    def __new__(cls, code: str, label: str, *aliases: str) -> Self:
        obj = str.__new__(cls, code)
        obj._value_ = code
        obj.label = label
        obj.aliases = aliases
        return obj

    @property
    def symbol(self) -> str:
        return ""

    @property
    def shown(self) -> str:
        """The label with its symbol, e.g. "▲ Amber" (just the label when there is no symbol)."""
        return f"{self.symbol} {self.label}" if self.symbol else self.label

    @classmethod
    def lookup(cls, text: str) -> Self | None:
        """The member whose code, label or alias matches, ignoring case, spaces, punctuation."""
        table = _LOOKUPS.get(cls)
        if table is None:
            table = {}
            for member in cls:
                for name in (member.value, member.label, *member.aliases):
                    table[name] = table[match_key(name)] = member
            _LOOKUPS[cls] = table
        return table.get(text) or table.get(match_key(text))

    @classmethod
    def labels(cls) -> list[str]:
        return [m.label for m in cls]

    @classmethod
    def codes(cls) -> list[str]:
        return [m.value for m in cls]

    @classmethod
    def label_for(cls, code: object, missing: str = NO_RETURN) -> str:
        """The label of a stored code; ``missing`` when there is none. A code this program does
        not know (an older database) is shown as stored rather than hidden."""
        if not isinstance(code, str) or not code:
            return missing
        member = cls.lookup(code)
        return member.label if member else code

    @classmethod
    def shown_for(cls, code: object, missing: str = NO_RETURN) -> str:
        """Like ``label_for``, with the member's symbol."""
        if not isinstance(code, str) or not code:
            return missing
        member = cls.lookup(code)
        return member.shown if member else code


# ------------------------------------------------------------------------------------------------
# Screening
# ------------------------------------------------------------------------------------------------


class Programme(LabelledEnum):
    BREAST = ("breast", "Breast")
    CERVICAL = ("cervical", "Cervical")
    BOWEL = ("bowel", "Bowel")


class Measure(LabelledEnum):
    """Different measures: never compared with each other (DOMAIN.md)."""

    COVERAGE = ("coverage", "Coverage")
    UPTAKE = ("uptake", "Uptake")
    FIRST_TIME_ATTENDANCE = ("first_time_attendance", "First-time attendance", "first time")


class AreaType(LabelledEnum):
    GP_PRACTICE = ("gp_practice", "GP practice (ODS code)", "GP practice", "practice")
    LOCAL_AUTHORITY = ("local_authority", "Local authority (ONS code)", "local authority", "LA")
    SCREENING_SERVICE = ("screening_service", "Screening service", "service")


class Comparison(LabelledEnum):
    """An area against England: its 95% interval wholly above, overlapping, or wholly below
    England's value (for screening, higher is better)."""

    BETTER = ("better", "Better than England")
    SIMILAR = ("similar", "Similar to England")
    WORSE = ("worse", "Worse than England")
    NOT_COMPARED = ("not_compared", "Not compared")

    @property
    def symbol(self) -> str:
        return {"better": "▲", "similar": "●", "worse": "▼", "not_compared": "■"}[self.value]


# ------------------------------------------------------------------------------------------------
# What a return reports
# ------------------------------------------------------------------------------------------------


class StaffRole(LabelledEnum):
    PRACTICE_NURSE = ("practice_nurse", "Practice nurse", "nurse", "PN")
    HEALTHCARE_ASSISTANT = ("healthcare_assistant", "Healthcare assistant", "HCA")
    ADMIN_RECEPTIONIST = ("admin_receptionist", "Admin/receptionist", "admin", "receptionist")
    PRACTICE_MANAGER = ("practice_manager", "Practice manager", "PM")
    GP = ("gp", "GP", "general practitioner")
    OTHER = ("other", "Other")


class Course(LabelledEnum):
    CHAMPION_CORE = ("champion_core", "Digital Health Champion core course")
    SOCIAL_MEDIA_SCREENING = ("social_media_screening", "Social media for cancer screening")
    MESSENGER = ("messenger_enquiries", "Answering Messenger enquiries")
    REFRESHER = ("refresher", "Refresher")
    OTHER = ("other", "Other")


class Channel(LabelledEnum):
    FACEBOOK_PAGE = ("facebook_page", "Facebook page", "facebook")
    COMMUNITY_GROUP = ("community_group", "Community group")
    MESSENGER = ("messenger", "Messenger", "facebook messenger")
    OTHER = ("other", "Other")


class Stage(LabelledEnum):
    PLANNING = ("planning", "Planning")
    LIVE = ("live", "Live")
    EVALUATING = ("evaluating", "Evaluating")
    CLOSED = ("closed", "Closed")


class Rag(LabelledEnum):
    """Red, amber, green: always written out with a shape, so colour never carries it alone."""

    RED = ("red", "Red", "R")
    AMBER = ("amber", "Amber", "A")
    GREEN = ("green", "Green", "G")

    @property
    def symbol(self) -> str:
        return {"red": "◆", "amber": "▲", "green": "●"}[self.value]


class MilestoneStatus(LabelledEnum):
    NOT_STARTED = ("not_started", "Not started")
    IN_PROGRESS = ("in_progress", "In progress")
    COMPLETE = ("complete", "Complete", "completed", "done")
    DELAYED = ("delayed", "Delayed")
    CANCELLED = ("cancelled", "Cancelled")

    @property
    def is_closed(self) -> bool:
        """A closed milestone is never overdue."""
        return self in (MilestoneStatus.COMPLETE, MilestoneStatus.CANCELLED)


class Level(LabelledEnum):
    LOW = ("low", "Low", "L")
    MEDIUM = ("medium", "Medium", "M")
    HIGH = ("high", "High", "H")


class RiskStatus(LabelledEnum):
    OPEN = ("open", "Open")
    CLOSED = ("closed", "Closed")


# ------------------------------------------------------------------------------------------------
# Returns as the programme office tracks them
# ------------------------------------------------------------------------------------------------


class SubmissionStatus(LabelledEnum):
    """What became of one load attempt (the history shows all five)."""

    ACCEPTED = ("accepted", "Accepted")  # stored; it counts for its pathfinder and period
    UNCHANGED = ("unchanged", "Unchanged")  # byte for byte a file already accepted
    REJECTED = ("rejected", "Rejected")  # nothing stored but the attempt and its report
    SUPERSEDED = ("superseded", "Superseded")  # accepted, then replaced by a corrected return
    NOT_COMPLETED = ("not completed", "Not completed")  # the load never finished (killed)


class TrackerStatus(LabelledEnum):
    """A pathfinder's return for one quarter, as the submission tracker judges it."""

    ON_TIME = ("on_time", "On time")
    LATE = ("late", "Late")
    MISSING = ("missing", "Missing")
    NOT_YET_DUE = ("not_yet_due", "Not yet due")
    NOT_EXPECTED = ("not_expected", "–")  # before the pathfinder's first return

    @property
    def symbol(self) -> str:
        return {"on_time": "✔", "late": "⚠", "missing": "✖", "not_yet_due": "○"}.get(self.value, "")

    @property
    def is_expected(self) -> bool:
        return self is not TrackerStatus.NOT_EXPECTED

    @property
    def is_received(self) -> bool:
        return self in (TrackerStatus.ON_TIME, TrackerStatus.LATE)

    @property
    def is_outstanding(self) -> bool:
        """Still to come in: on the chase list."""
        return self in (TrackerStatus.MISSING, TrackerStatus.NOT_YET_DUE)


# ------------------------------------------------------------------------------------------------
# People
# ------------------------------------------------------------------------------------------------


class ReminderKind(LabelledEnum):
    """What a reminder is about (wdp.reminders)."""

    DUE_SOON = ("due_soon", "Due soon")
    DUE_TODAY = ("due_today", "Due today")
    LATE = ("late", "Late")
    REJECTED = ("rejected", "Upload not loaded")
    DIGEST = ("digest", "Weekly digest")


class MessageStatus(LabelledEnum):
    """What became of a reminder in the message log (wdp.db.reminders)."""

    PENDING = ("pending", "Waiting to be sent")
    SENDING = ("sending", "Being sent")
    SENT = ("sent", "Sent")
    FAILED = ("failed", "Failed")
    UNKNOWN = ("unknown", "May not have gone")

    @property
    def symbol(self) -> str:
        return {"sent": "✔", "failed": "✖", "unknown": "?", "pending": "○"}.get(self.value, "")


class Role(LabelledEnum):
    """What an account may do. A lead sees and submits only their own pathfinder's returns."""

    DIRECTOR = ("director", "Programme director")
    LEAD = ("lead", "Pathfinder lead")
    VIEWER = ("viewer", "Viewer")
    ADMIN = ("admin", "Admin")

    @property
    def can_upload(self) -> bool:
        return self is not Role.VIEWER

    @property
    def sees_every_pathfinder(self) -> bool:
        return self is not Role.LEAD


# ------------------------------------------------------------------------------------------------
# Time
# ------------------------------------------------------------------------------------------------

PERIOD_RE = re.compile(r"(?:FY\s*)?(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*,?\s*Q\s*([1-4])", re.I)
PERIOD_RE_Q_FIRST = re.compile(r"Q\s*([1-4])\s*,?\s*(?:FY\s*)?(\d{4})\s*[-/]\s*(\d{2}|\d{4})", re.I)


@dataclass(frozen=True, order=True)
class ReportingPeriod:
    """An NHS financial-year quarter: '2017-18 Q1' is April to June 2017."""

    year: int  # the financial year's first calendar year
    quarter: int

    @property
    def label(self) -> str:
        return f"{self.year}-{(self.year + 1) % 100:02d} Q{self.quarter}"

    @property
    def start(self) -> dt.date:
        month = 4 + 3 * (self.quarter - 1)
        return dt.date(self.year + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> dt.date:
        nxt = self.next().start
        return nxt - dt.timedelta(days=1)

    def next(self) -> ReportingPeriod:
        return ReportingPeriod(self.year + (self.quarter == 4), self.quarter % 4 + 1)

    @classmethod
    def parse(cls, text: str) -> ReportingPeriod | None:
        text = text.strip()
        if m := PERIOD_RE.fullmatch(text):
            year, end, quarter = int(m[1]), m[2], int(m[3])
        elif m := PERIOD_RE_Q_FIRST.fullmatch(text):
            quarter, year, end = int(m[1]), int(m[2]), m[3]
        else:
            return None
        if int(end[-2:]) != (year + 1) % 100:
            return None
        return cls(year, quarter)

    @classmethod
    def containing(cls, day: dt.date) -> ReportingPeriod:
        year = day.year if day.month >= 4 else day.year - 1
        return cls(year, (day.month - 4) % 12 // 3 + 1)


# ------------------------------------------------------------------------------------------------
# Problems found in what people send
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    """One problem found in a return, located the way a person would find it in Excel.

    ``sheet``, ``row`` and ``column`` are None for a whole-file problem (not an .xlsx, empty,
    password-protected); ``row`` is the Excel row number and ``column`` the header a person sees.
    """

    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    message: str
    severity: Literal["error", "warning"] = "error"

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("severity")
        return data

    def describe(self, file_name: str | None = None) -> str:
        where = [f"file {file_name}"] if file_name else []
        if self.sheet:
            where.append(f"sheet {self.sheet}")
        if self.row:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        value = f" (value: {self.value!r})" if self.value not in (None, "") else ""
        return f"{', '.join(where)}: {self.message}{value}"
