"""The return workbook's contract: one pydantic model per sheet.

These models are the single source of truth. ``etl.template`` writes the downloadable template from
them (headers, help text, dropdowns, example row, version), ``etl.validate`` validates every typed
row with them, and ``wdp.db.schema`` stores exactly their fields (a contract test keeps all three
equal). Change a sheet here, bump ``TEMPLATE_VERSION``, add a migration, regenerate the sample.

Cell parsers are lenient about what is harmless (spaces, case, "1,234", Excel or dd/mm/yyyy dates)
and strict about what is wrong; every failure carries a plain-English message saying how to fix it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from wdp.domain import (
    AreaType,
    Channel,
    Course,
    LabelledEnum,
    Level,
    Measure,
    MilestoneStatus,
    Programme,
    Rag,
    ReportingPeriod,
    RiskStatus,
    StaffRole,
    Stage,
)

TEMPLATE_VERSION = "1.0"

# --------------------------------------------------------------------------------------------
# Cell parsers. Each raises PydanticCustomError("wdp", <plain English>) so the message reaches the
# person unchanged.
# --------------------------------------------------------------------------------------------


def fail(message: str) -> PydanticCustomError:
    return PydanticCustomError("wdp", message)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", str(value)).strip()


# Far above any real count (England has ~57 million people), small enough for a BIGINT column.
MAX_COUNT = 10_000_000_000


def parse_count(value: Any) -> int | None:
    """Whole numbers of 0 or more; accepts 1,234 and 4506.0 (calamine reads numbers as floats)."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise fail("Enter a whole number, not TRUE or FALSE.")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if value != value or not value.is_integer():
            raise fail("Enter a whole number (no decimals).")
        number = int(value)
    else:
        text = str(value).strip().replace(",", "").replace(" ", "")
        if not re.fullmatch(r"[+-]?\d+(\.0+)?", text):
            raise fail("Enter a whole number, for example 12 or 1,234.")
        number = int(text.split(".")[0])
    if number < 0:
        raise fail("Counts cannot be negative. Enter 0 or more.")
    if number > MAX_COUNT:
        raise fail(
            f"{number:,} is too large for a count here (the most is {MAX_COUNT:,}). Check it."
        )
    return number


_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(value: Any) -> dt.date | None:
    """A day: an Excel date cell, an Excel serial number, dd/mm/yyyy or yyyy-mm-dd text."""
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # An unformatted Excel date is a serial day number (1900 date system).
        if 1 <= value <= 2958465:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise fail("Enter a date as dd/mm/yyyy, for example 01/04/2017.")
    text = str(value).strip()
    try:
        if m := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text):
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?", text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise fail(f"{text} is not a real date. Enter a date as dd/mm/yyyy.") from None
    raise fail("Enter a date as dd/mm/yyyy, for example 01/04/2017.")


def parse_month(value: Any) -> dt.date | None:
    """A calendar month, stored as its first day: any date in it, mm/yyyy, or 'Apr 2017'."""
    if _blank(value):
        return None
    if isinstance(value, str):
        text = value.strip()
        m = re.fullmatch(r"(\d{1,2})[/.-](\d{4})", text)
        if m and 1 <= int(m[1]) <= 12:
            return dt.date(int(m[2]), int(m[1]), 1)
        m = re.fullmatch(r"([A-Za-z]{3})[A-Za-z]*\.?[\s-]+(\d{4})", text)
        if m and (month := _MONTHS.get(m[1].casefold())) is not None:
            return dt.date(int(m[2]), month, 1)
    try:
        day = parse_date(value)
    except PydanticCustomError:
        raise fail("Enter the month as a date (01/04/2017) or as Apr 2017.") from None
    return day.replace(day=1) if day else None


def parse_enum(enum: type[LabelledEnum]) -> Callable[[Any], LabelledEnum | None]:
    def parse(value: Any) -> LabelledEnum | None:
        text = _text(value)
        if text is None:
            return None
        if (member := enum.lookup(text)) is None:
            raise fail(f"Choose one of: {', '.join(enum.labels())}.")
        return member

    return parse


def parse_ods_code(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    code = text.upper().replace(" ", "")
    if not re.fullmatch(r"[A-Z][0-9A-Z]{4,5}", code):
        raise fail("Enter the practice's ODS code: a letter and 5 characters, e.g. P81103.")
    return code


def parse_code(value: Any) -> str | None:
    text = _text(value)
    return None if text is None else text.upper().replace(" ", "")


def parse_period(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    period = ReportingPeriod.parse(text)
    if period is None:
        raise fail("Enter the financial-year quarter as 2017-18 Q1 (Q1 is April to June).")
    return period.label


def parse_text(max_length: int) -> Callable[[Any], str | None]:
    def parse(value: Any) -> str | None:
        text = _text(value)
        if text is not None and len(text) > max_length:
            raise fail(f"Shorten this to {max_length} characters or fewer (it has {len(text)}).")
        return text

    return parse


def parse_email(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", text):
        raise fail("Enter a work email address, for example team@nhs.net.")
    return text.lower()


def parse_version(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    if isinstance(value, float | int):
        text = f"{float(value):.1f}"
    return text


# --------------------------------------------------------------------------------------------
# Column declarations: the header a person sees, the help text, and an example value.
# --------------------------------------------------------------------------------------------


def col(header: str, help: str, example: Any, *, unit: str = "") -> Any:
    """Declare a column: alias = header text; help and example feed the template."""
    return Field(
        default=None,
        alias=header,
        description=help,
        json_schema_extra={"example": example, "unit": unit},
    )


def required(header: str, help: str, example: Any) -> Any:
    return Field(alias=header, description=help, json_schema_extra={"example": example})


Count = Annotated[int, BeforeValidator(parse_count)]
OptCount = Annotated[int | None, BeforeValidator(parse_count)]
Day = Annotated[dt.date, BeforeValidator(parse_date)]
OptDay = Annotated[dt.date | None, BeforeValidator(parse_date)]
Month = Annotated[dt.date, BeforeValidator(parse_month)]
OdsCode = Annotated[str | None, BeforeValidator(parse_ods_code)]
Code = Annotated[str, BeforeValidator(parse_code)]
Period = Annotated[str, BeforeValidator(parse_period)]
ShortText = Annotated[str, BeforeValidator(parse_text(200))]
OptShortText = Annotated[str | None, BeforeValidator(parse_text(200))]
LongText = Annotated[str, BeforeValidator(parse_text(2000))]
OptLongText = Annotated[str | None, BeforeValidator(parse_text(2000))]
Email = Annotated[str, BeforeValidator(parse_email)]
Version = Annotated[str, BeforeValidator(parse_version)]


def Choice(enum: type[LabelledEnum]) -> Any:
    return Annotated[enum, BeforeValidator(parse_enum(enum))]


class SheetModel(BaseModel):
    """Base for sheet rows: fields are populated by header text (alias) or by field name."""

    model_config = ConfigDict(populate_by_name=True, frozen=True, str_strip_whitespace=True)


def column_error(column: str, message: str) -> PydanticCustomError:
    """An error raised by a row-level check that belongs to one column."""
    return PydanticCustomError("wdp_row", message, {"column": column})


# --------------------------------------------------------------------------------------------
# Sheets
# --------------------------------------------------------------------------------------------


class Details(SheetModel):
    """Who is returning what: one per workbook (a form: labels in column A, values in column B)."""

    pathfinder_code: Code = required(
        "Pathfinder code",
        "Your pathfinder's code from the programme register, e.g. WDP-STK.",
        "WDP-STK",
    )
    reporting_period: Period = required(
        "Reporting period",
        "Financial-year quarter this return covers, as 2017-18 Q1 (Q1 = April to June).",
        "2017-18 Q1",
    )
    submitted_by_role: ShortText = required(
        "Submitted by (role)",
        "Your job title, not your name, e.g. Pathfinder lead.",
        "Pathfinder lead",
    )
    submitted_by_organisation: ShortText = required(
        "Submitted by (organisation)",
        "The organisation submitting the return.",
        "Stoke-on-Trent CCG",
    )
    contact_email: Email = required(
        "Work contact email",
        "A shared work mailbox for queries about this return.",
        "wdp.stoke@nhs.net",
    )
    template_version: Version = required(
        "Template version", "Filled in by the template. Do not change it.", TEMPLATE_VERSION
    )


class Training(SheetModel):
    """Digital Health Champions trained: counts, never names."""

    month: Month = required(
        "Month", "Month the training took place, e.g. 01/05/2017 or May 2017.", "May 2017"
    )
    practice_code: OdsCode = col(
        "GP practice ODS code",
        "ODS code of the GP practice the staff work in. Leave blank if not a practice and fill "
        "in Organisation instead.",
        "M83038",
    )
    organisation: OptShortText = col(
        "Organisation",
        "Only when staff are not from one GP practice, e.g. a PCN or federation.",
        None,
    )
    staff_role: Choice(StaffRole) = required(
        "Staff role", "Choose from the list.", StaffRole.PRACTICE_NURSE.label
    )
    course: Choice(Course) = required("Course", "Choose from the list.", Course.CHAMPION_CORE.label)
    champions_trained: Count = required(
        "Champions trained", "Number of staff who completed the course (a whole number).", 3
    )

    @model_validator(mode="after")
    def _where(self) -> Training:
        if self.practice_code is None and self.organisation is None:
            raise column_error(
                "practice_code",
                "Enter the GP practice ODS code, or the Organisation if the "
                "staff are not from one practice.",
            )
        return self


class Activity(SheetModel):
    """Social-media and outreach outputs. One row per month and channel, or one notable post."""

    month: Month = required("Month", "Month of the activity, e.g. May 2017.", "May 2017")
    channel: Choice(Channel) = required(
        "Channel", "Choose from the list.", Channel.FACEBOOK_PAGE.label
    )
    practice_code: OdsCode = col(
        "GP practice ODS code",
        "Practice whose page or group it was; blank for a shared page.",
        "M83038",
    )
    organisation: OptShortText = col(
        "Organisation", "Whose page or group it was, when not one practice's.", None
    )
    post_title: OptShortText = col(
        "Post title",
        "Only for a single notable post (then Posts is 1); blank for monthly totals.",
        None,
    )
    posts: Count = required("Posts", "Number of posts or messages published.", 12)
    reach: OptCount = col(
        "Reach", "People who saw the content (from the platform's insights).", 4500
    )
    engagements: OptCount = col("Engagements", "Reactions, comments, shares and clicks.", 310)
    messenger_enquiries: OptCount = col(
        "Messenger enquiries", "Questions received by Messenger or direct message.", 14
    )
    appointments_booked: OptCount = col(
        "Appointments booked", "Screening appointments booked as a result, where known.", 6
    )


class Screening(SheetModel):
    """Screening figures for the pathfinder's areas or practices (numerator and denominator)."""

    area_type: Choice(AreaType) = required(
        "Area type", "Choose from the list.", AreaType.GP_PRACTICE.label
    )
    area_code: Code = required(
        "Area code",
        "GP practice ODS code (P81103), ONS local authority code (E06000021) or the screening "
        "service code from the Guide sheet.",
        "M83038",
    )
    programme: Choice(Programme) = required(
        "Programme", "Breast, Cervical or Bowel.", Programme.CERVICAL.label
    )
    measure: Choice(Measure) = required(
        "Measure",
        "Coverage (screened within the look-back period / eligible), Uptake (screened within "
        "6 months of invitation / invited) or First-time attendance (first-invitation "
        "attendances / first invitations).",
        Measure.UPTAKE.label,
    )
    period_start: Day = required(
        "Period start", "First day the figure covers, dd/mm/yyyy.", "01/01/2017"
    )
    period_end: Day = required(
        "Period end",
        "Last day the figure covers; not after the reporting period ends.",
        "30/06/2017",
    )
    numerator: Count = required("Numerator", "People screened (attended) in the period.", 412)
    denominator: Count = required("Denominator", "People eligible or invited in the period.", 580)

    @model_validator(mode="after")
    def _consistent(self) -> Screening:
        if self.period_start > self.period_end:
            raise column_error("period_end", "Period end is before Period start. Check the dates.")
        if self.denominator == 0:
            raise column_error("denominator", "The denominator must be more than 0.")
        if self.numerator > self.denominator:
            raise column_error(
                "numerator",
                f"The numerator ({self.numerator:,}) is larger than the denominator "
                f"({self.denominator:,}). People screened cannot exceed people eligible or "
                "invited.",
            )
        return self


class Status(SheetModel):
    """The pathfinder's overall position this quarter (a form, like Details)."""

    stage: Choice(Stage) = required(
        "Stage", "Planning, Live, Evaluating or Closed.", Stage.LIVE.label
    )
    rag: Choice(Rag) = required("Overall RAG", "Red, Amber or Green.", Rag.GREEN.label)
    commentary: LongText = required(
        "Commentary",
        "What happened this quarter and why the RAG is what it is.",
        "Champions trained at 4 practices; Facebook page live.",
    )
    go_live_date: OptDay = col(
        "Go-live date",
        "When champions started posting (dd/mm/yyyy); blank if not yet live.",
        "01/06/2017",
    )


class Milestone(SheetModel):
    milestone: ShortText = required(
        "Milestone", "A short name for the milestone.", "First practice page live"
    )
    due_date: Day = required("Due date", "When it is due, dd/mm/yyyy.", "30/06/2017")
    status: Choice(MilestoneStatus) = required(
        "Status", "Choose from the list.", MilestoneStatus.IN_PROGRESS.label
    )
    rag: Choice(Rag) = required("RAG", "Red, Amber or Green.", Rag.AMBER.label)
    commentary: OptLongText = col("Commentary", "Anything the programme should know.", None)


class Risk(SheetModel):
    risk: ShortText = required("Risk", "What might go wrong.", "Practice staff time for training")
    likelihood: Choice(Level) = required("Likelihood", "Low, Medium or High.", Level.MEDIUM.label)
    impact: Choice(Level) = required("Impact", "Low, Medium or High.", Level.HIGH.label)
    rag: Choice(Rag) = required("RAG", "Red, Amber or Green.", Rag.AMBER.label)
    mitigation: OptLongText = col(
        "Mitigation", "What you are doing about it.", "Training in protected learning time"
    )
    status: Choice(RiskStatus) = required("Status", "Open or Closed.", RiskStatus.OPEN.label)


@dataclass(frozen=True)
class SheetSpec:
    """How a model appears in the workbook and in the database."""

    name: str
    model: type[SheetModel]
    kind: Literal["form", "table"]
    table: str
    purpose: str
    key: tuple[str, ...] = ()  # columns that identify a row: a repeat is a duplicate

    @cached_property
    def fields(self) -> list[str]:
        return list(self.model.model_fields)

    @cached_property
    def headers(self) -> dict[str, str]:
        """Field name -> the column header (or form label) a person sees."""
        return {f: info.alias or f for f, info in self.model.model_fields.items()}

    def header(self, field: str) -> str:
        return self.headers[field]


SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec("Details", Details, "form", "submission", "Who is returning what. One per workbook."),
    SheetSpec(
        "Training",
        Training,
        "table",
        "training",
        "Digital Health Champions trained, by month, practice, role and course.",
        key=("month", "practice_code", "organisation", "staff_role", "course"),
    ),
    SheetSpec(
        "Activity",
        Activity,
        "table",
        "activity",
        "Social-media and outreach outputs by month and channel.",
        key=("month", "channel", "practice_code", "organisation", "post_title"),
    ),
    SheetSpec(
        "Screening",
        Screening,
        "table",
        "screening",
        "Screening figures for your areas or practices.",
        key=("area_type", "area_code", "programme", "measure", "period_start", "period_end"),
    ),
    SheetSpec(
        "Status", Status, "form", "pathfinder_status", "Your overall stage and RAG this quarter."
    ),
    SheetSpec(
        "Milestones",
        Milestone,
        "table",
        "milestone",
        "Milestones with due date, status and RAG.",
        key=("milestone",),
    ),
    SheetSpec(
        "Risks", Risk, "table", "risk", "Risks with likelihood, impact and RAG.", key=("risk",)
    ),
)

SHEETS_BY_NAME = {spec.name: spec for spec in SHEETS}
