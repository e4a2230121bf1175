"""Generate the sample programme: SYNTHETIC pathfinder returns for demonstration and tests.

    python -m etl.sample            # rewrites data/sample/ (deterministic: same seed, same figures)

Nothing here is real pathfinder data. The places, GP practices (real ODS codes) and screening
services are real names used to make the sample look like the programme; every count is invented,
except that the raw counts are built so that, when the dashboard computes them, they reproduce the
headline results the programme reported (``../shared/DOMAIN.md``):

- North Midlands Breast Screening Service: first-time attendances up 12.9% on average between
  screening cycles (each year 2014-15 to 2017-18 against the same wards three years earlier), and
  uptake rank 58th (2016-17) -> 11th (2017-18) in a national table of 78 services;
- North Preston Medical Practice (P81103): cervical screening attendances Jan-Jun 2018 up 25% on
  Jan-Jun 2017;
- Bay Medical Group (Y01008): one cervical screening post reached over 1,000,000 people;
- about 350 Digital Health Champions trained in all.

The workbooks are written from the real template (``etl.template.build_template``) and filled the
way a lead would, so seeding exercises exactly the path an upload takes. A few returns are
deliberately wrong (and later corrected), so the history holds rejected and superseded
submissions too.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from etl.models import SHEETS_BY_NAME
from etl.reference import GP_FILE, read_gp_practices, read_screening_services
from etl.template import FIRST_DATA_ROW, build_template
from wdp.config import REFERENCE_DIR, SAMPLE_DIR
from wdp.domain import (
    AreaType,
    Channel,
    Course,
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

SEED = 2017
PERIODS = [
    ReportingPeriod(2017, 1),
    ReportingPeriod(2017, 2),
    ReportingPeriod(2017, 3),
    ReportingPeriod(2017, 4),
    ReportingPeriod(2018, 1),
]
TOTAL_CHAMPIONS = 347
SYNTHETIC_SOURCE = "Synthetic sample: national breast screening uptake by service"

NMI = "NMI"  # North Midlands Breast Screening Service
NORTH_PRESTON = "P81103"
BAY_MEDICAL = "Y01008"
BAY_POST_REACH = 1_032_417


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    lad_code: str
    region_code: str
    towns: tuple[str, ...]
    first_period: int  # index into PERIODS of the first return
    share: float  # relative share of champions trained
    postcode_prefixes: tuple[str, ...] = ()
    must_include: tuple[str, ...] = ()


PLACES = [
    Place("WDP-STK", "Stoke-on-Trent", "E06000021", "E12000005", ("STOKE-ON-TRENT",), 0, 1.6),
    Place(
        "WDP-PRE",
        "Preston",
        "E07000123",
        "E12000002",
        ("PRESTON",),
        0,
        1.2,
        must_include=(NORTH_PRESTON,),
    ),
    Place(
        "WDP-MBY",
        "Morecambe Bay",
        "E07000121",
        "E12000002",
        ("LANCASTER",),
        0,
        1.1,
        must_include=(BAY_MEDICAL,),
    ),
    Place("WDP-BPL", "Blackpool", "E06000009", "E12000002", ("BLACKPOOL",), 0, 1.0),
    Place("WDP-HUL", "Hull", "E06000010", "E12000003", ("HULL",), 0, 1.0),
    Place("WDP-SUN", "Sunderland", "E08000024", "E12000001", ("SUNDERLAND",), 0, 1.0),
    Place("WDP-MID", "Middlesbrough", "E06000002", "E12000001", ("MIDDLESBROUGH",), 0, 0.9),
    Place("WDP-BRD", "Bradford", "E08000032", "E12000003", ("BRADFORD",), 0, 1.2),
    Place("WDP-OLD", "Oldham", "E08000004", "E12000002", ("OLDHAM",), 1, 0.9),
    Place("WDP-KNO", "Knowsley", "E08000011", "E12000002", ("HUYTON", "KIRKBY"), 1, 0.8),
    Place("WDP-SAN", "Sandwell", "E08000028", "E12000005", ("WEST BROMWICH", "SMETHWICK"), 1, 0.9),
    Place("WDP-WOL", "Wolverhampton", "E08000031", "E12000005", ("WOLVERHAMPTON",), 1, 0.9),
    Place("WDP-NOT", "Nottingham", "E06000018", "E12000004", ("NOTTINGHAM",), 1, 1.0),
    Place("WDP-LEI", "Leicester", "E06000016", "E12000004", ("LEICESTER",), 1, 1.0),
    Place(
        "WDP-TOW",
        "Tower Hamlets",
        "E09000030",
        "E12000007",
        ("LONDON",),
        1,
        0.9,
        postcode_prefixes=("E1 ", "E3 ", "E14 "),
    ),
    Place(
        "WDP-BAR", "Barking and Dagenham", "E09000002", "E12000007", ("DAGENHAM", "BARKING"), 2, 0.7
    ),
    Place(
        "WDP-HAS", "Hastings", "E07000062", "E12000008", ("HASTINGS", "ST LEONARDS-ON-SEA"), 2, 0.6
    ),
    Place("WDP-PLY", "Plymouth", "E06000026", "E12000009", ("PLYMOUTH",), 2, 0.8),
    Place(
        "WDP-GYA",
        "Great Yarmouth",
        "E07000145",
        "E12000006",
        ("GREAT YARMOUTH", "GORLESTON"),
        2,
        0.6,
    ),
    Place(
        "WDP-CWL",
        "Cornwall",
        "E06000052",
        "E12000009",
        ("TRURO", "CAMBORNE", "PENZANCE", "REDRUTH"),
        2,
        0.7,
    ),
]

# Typical rates, used only to make invented counts look plausible.
UPTAKE = {Programme.BREAST: 0.66, Programme.CERVICAL: 0.72, Programme.BOWEL: 0.55}
COVERAGE = {Programme.BREAST: 0.70, Programme.CERVICAL: 0.69, Programme.BOWEL: 0.58}
LOOKBACK_MONTHS = {Programme.BREAST: 36, Programme.CERVICAL: 42, Programme.BOWEL: 30}


def _months(period: ReportingPeriod) -> list[dt.date]:
    start = period.start
    return [
        dt.date(start.year + (start.month + i - 1) // 12, (start.month + i - 1) % 12 + 1, 1)
        for i in range(3)
    ]


def _months_back(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 - months
    return dt.date(total // 12, total % 12 + 1, 1)


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """Split ``total`` into ``parts`` non-negative integers (roughly even, randomly)."""
    if parts <= 0:
        return []
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    raw = [total * w / sum(weights) for w in weights]
    out = [int(x) for x in raw]
    for i in sorted(range(parts), key=lambda i: raw[i] - out[i], reverse=True)[: total - sum(out)]:
        out[i] += 1
    return out


def _pick_practices(place: Place, towns: dict[str, set[str]], rng: random.Random) -> list[str]:
    """Up to six active practices whose address names one of the place's towns."""
    candidates = sorted(
        code
        for code, parts in towns.items()
        if parts & set(place.towns)
        and (not place.postcode_prefixes or any(p in parts for p in place.postcode_prefixes))
    )
    chosen = list(place.must_include)
    pool = [c for c in candidates if c not in chosen]
    chosen += rng.sample(pool, min(len(pool), 6 - len(chosen)))
    return chosen


def _practice_address_parts() -> dict[str, set[str]]:
    """Address parts (towns, and the postcode's outward code + space) of the practices open
    throughout the sample programme: active now, and opened before its first period."""
    practices = read_gp_practices()
    active = practices[
        (practices["status_code"] == "A") & (practices["open_date"] <= PERIODS[0].start)
    ]
    postcode = dict(zip(active["ods_code"], active["postcode"], strict=True))
    parts: dict[str, set[str]] = {}
    with (REFERENCE_DIR / GP_FILE).open() as f:
        for row in csv.reader(f):
            if row[0] in postcode:
                words = {w.strip() for line in row[4:9] for w in line.split(",") if w.strip()}
                words.add(postcode[row[0]].split(" ")[0] + " ")
                parts[row[0]] = words
    return parts


@dataclass
class Return:
    """One workbook's content before it is written."""

    place: Place
    period: ReportingPeriod
    details: dict[str, Any]
    status: dict[str, Any]
    training: list[list[Any]] = field(default_factory=list)
    activity: list[list[Any]] = field(default_factory=list)
    screening: list[list[Any]] = field(default_factory=list)
    milestones: list[list[Any]] = field(default_factory=list)
    risks: list[list[Any]] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# The headline series
# ---------------------------------------------------------------------------------------------


def first_time_attendance_series() -> list[tuple[dt.date, dt.date, int, int]]:
    """NMI first-time attendances by screening year 2011-12 .. 2017-18 (start, end, num, den).

    Each year from 2014-15 is its wards' previous cycle (three years earlier) plus a growth rate;
    the rates average 12.9%.
    """
    base = {2011: 7412, 2012: 7688, 2013: 7530}
    growth = {2014: 0.118, 2015: 0.136, 2016: 0.121, 2017: 0.141}
    attendances = dict(base)
    for year, g in growth.items():
        attendances[year] = round(attendances[year - 3] * (1 + g))
    series = []
    for year in range(2011, 2018):
        invited = round(attendances[year] / (0.62 + 0.01 * (year - 2011)))
        series.append((dt.date(year, 4, 1), dt.date(year + 1, 3, 31), attendances[year], invited))
    return series


def national_uptake_table(rng: random.Random) -> list[dict[str, Any]]:
    """Uptake for every breast screening service, 2015-16 to 2017-18; NMI 58th then 11th."""
    services = list(read_screening_services()["service_code"])
    others = [s for s in services if s != NMI]
    targets = {2016: 58, 2017: 11}
    rows = []
    for year in (2015, 2016, 2017):
        invited = {s: rng.randint(18_000, 62_000) for s in services}
        rates = {s: min(0.85, max(0.55, rng.gauss(0.715, 0.028))) for s in others}
        ranked = sorted(others, key=lambda s: rates[s], reverse=True)
        if year in targets:
            above, below = ranked[targets[year] - 2], ranked[targets[year] - 1]
            rates[NMI] = (rates[above] + rates[below]) / 2
        else:
            rates[NMI] = rng.uniform(0.685, 0.700)
        for s in services:
            numerator = round(invited[s] * rates[s])
            rows.append(
                {
                    "source": SYNTHETIC_SOURCE,
                    "is_synthetic": "true",
                    "area_type": AreaType.SCREENING_SERVICE.value,
                    "area_code": s,
                    "programme": Programme.BREAST.value,
                    "measure": Measure.UPTAKE.value,
                    "period_start": dt.date(year, 4, 1).isoformat(),
                    "period_end": dt.date(year + 1, 3, 31).isoformat(),
                    "numerator": numerator,
                    "denominator": invited[s],
                }
            )
    return rows


def north_preston_jan_jun() -> list[tuple[dt.date, dt.date, int, int]]:
    """Cervical screening attendances Jan-Jun 2017 and Jan-Jun 2018 (+25%)."""
    return [
        (dt.date(2017, 1, 1), dt.date(2017, 6, 30), 412, 611),
        (dt.date(2018, 1, 1), dt.date(2018, 6, 30), 515, 640),
    ]


# ---------------------------------------------------------------------------------------------
# Building returns
# ---------------------------------------------------------------------------------------------

MILESTONES = [
    ("Champions recruited at first practices", 0),
    ("First practice Facebook page live", 1),
    ("Messenger enquiries answered by champions", 2),
    ("Evaluation data shared with programme", 4),
]
RISKS = [
    ("Practice staff time for training", "Training in protected learning time"),
    ("Social-media policy sign-off by practices", "Template policy agreed with the LMC"),
    ("Screening data arrives late from the service", "Monthly data-sharing agreement"),
]


def _build_return(
    place: Place,
    index: int,
    practices: list[str],
    champions: int,
    rng: random.Random,
    uptake_table: list[dict[str, Any]],
) -> Return:
    period = PERIODS[index]
    first = PERIODS[place.first_period]
    quarter_no = index - place.first_period
    live = quarter_no >= 1
    go_live = _months(PERIODS[place.first_period + 1])[1] if live else None
    details = {
        "pathfinder_code": place.code,
        "reporting_period": period.label,
        "submitted_by_role": "Pathfinder lead",
        "submitted_by_organisation": f"{place.name} digital inclusion pathfinder (synthetic)",
        "contact_email": f"wdp.{place.code[4:].lower()}@example.nhs.uk",
    }
    rag = rng.choices([Rag.GREEN, Rag.AMBER, Rag.RED], weights=[6, 3, 1])[0]
    status = {
        "stage": (Stage.LIVE if live else Stage.PLANNING).label,
        "rag": rag.label,
        "commentary": (
            f"SYNTHETIC SAMPLE. {place.name}: quarter {quarter_no + 1} of the "
            f"pathfinder since {first.label}. {champions} champions trained this "
            "quarter."
            + (
                " Practice pages posting weekly."
                if live
                else " Practices recruited; training booked."
            )
        ),
        "go_live_date": go_live,
    }
    ret = Return(place, period, details, status)

    # Training: the quarter's champions spread over months, practices, roles and courses.
    months = _months(period)
    cells: dict[tuple, int] = {}
    for _ in range(champions):
        key = (
            rng.choice(months),
            rng.choice(practices),
            rng.choices(list(StaffRole), weights=[45, 20, 20, 8, 4, 3])[0],
            rng.choices(
                [Course.CHAMPION_CORE, Course.SOCIAL_MEDIA_SCREENING, Course.MESSENGER],
                weights=[6, 3, 1],
            )[0],
        )
        cells[key] = cells.get(key, 0) + 1
    for (month, practice, role, course), n in sorted(
        cells.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2].value, kv[0][3].value)
    ):
        ret.training.append([month, practice, None, role.label, course.label, n])

    # Activity once live: monthly totals per channel, plus a notable post now and then.
    if live:
        for month in months:
            for channel in (Channel.FACEBOOK_PAGE, Channel.COMMUNITY_GROUP, Channel.MESSENGER):
                posts = (
                    rng.randint(4, 18) if channel is not Channel.MESSENGER else rng.randint(1, 5)
                )
                reach = posts * rng.randint(300, 1400)
                ret.activity.append(
                    [
                        month,
                        channel.label,
                        None,
                        f"{place.name} practices",
                        None,
                        posts,
                        reach,
                        round(reach * rng.uniform(0.03, 0.09)),
                        rng.randint(2, 30),
                        rng.randint(0, 12),
                    ]
                )
        month = months[1]
        ret.activity.append(
            [
                month,
                Channel.FACEBOOK_PAGE.label,
                practices[0],
                None,
                f"{['Breast', 'Cervical', 'Bowel'][index % 3]} screening: your questions answered",
                1,
                rng.randint(1_100, 9_500),
                rng.randint(60, 700),
                rng.randint(3, 25),
                rng.randint(1, 10),
            ]
        )
        if place.code == "WDP-MBY" and period == ReportingPeriod(2017, 4):
            ret.activity.append(
                [
                    dt.date(2018, 2, 1),
                    Channel.FACEBOOK_PAGE.label,
                    BAY_MEDICAL,
                    None,
                    "Cervical screening: a five-minute test that could save your life",
                    1,
                    BAY_POST_REACH,
                    48_310,
                    212,
                    95,
                ]
            )

    # Screening: each practice's uptake this quarter, and the area's coverage at quarter end.
    for practice in practices:
        for programme in Programme:
            # A practice invites a similar number each quarter; the rate drifts up once live.
            list_size = random.Random(f"{practice}{programme.value}").randint(80, 240)
            invited = round(list_size * rng.uniform(0.92, 1.08))
            rate = min(0.95, UPTAKE[programme] + rng.uniform(-0.08, 0.08) + 0.01 * quarter_no)
            ret.screening.append(
                [
                    AreaType.GP_PRACTICE.label,
                    practice,
                    programme.label,
                    Measure.UPTAKE.label,
                    period.start,
                    period.end,
                    round(invited * rate),
                    invited,
                ]
            )
    for programme in Programme:
        eligible = rng.randint(30_000, 90_000)
        rate = COVERAGE[programme] + rng.uniform(-0.07, 0.04)
        ret.screening.append(
            [
                AreaType.LOCAL_AUTHORITY.label,
                place.lad_code,
                programme.label,
                Measure.COVERAGE.label,
                _months_back(period.end, LOOKBACK_MONTHS[programme]),
                period.end,
                round(eligible * rate),
                eligible,
            ]
        )

    if place.code == "WDP-STK":
        for start, end, num, den in first_time_attendance_series():
            if end <= period.end:
                ret.screening.append(
                    [
                        AreaType.SCREENING_SERVICE.label,
                        NMI,
                        Programme.BREAST.label,
                        Measure.FIRST_TIME_ATTENDANCE.label,
                        start,
                        end,
                        num,
                        den,
                    ]
                )
        for row in uptake_table:
            end = dt.date.fromisoformat(row["period_end"])
            if row["area_code"] == NMI and end <= period.end:
                ret.screening.append(
                    [
                        AreaType.SCREENING_SERVICE.label,
                        NMI,
                        Programme.BREAST.label,
                        Measure.UPTAKE.label,
                        dt.date.fromisoformat(row["period_start"]),
                        end,
                        row["numerator"],
                        row["denominator"],
                    ]
                )
    if place.code == "WDP-PRE" and period == ReportingPeriod(2018, 1):
        for start, end, num, den in north_preston_jan_jun():
            ret.screening.append(
                [
                    AreaType.GP_PRACTICE.label,
                    NORTH_PRESTON,
                    Programme.CERVICAL.label,
                    Measure.UPTAKE.label,
                    start,
                    end,
                    num,
                    den,
                ]
            )

    for name, due_offset in MILESTONES:
        due_index = min(place.first_period + due_offset, len(PERIODS) - 1)
        due = (
            PERIODS[place.first_period + due_offset].end
            if (place.first_period + due_offset < len(PERIODS))
            else PERIODS[-1].next().end
        )
        done = place.first_period + due_offset < index
        state = (
            MilestoneStatus.COMPLETE
            if done
            else (
                MilestoneStatus.IN_PROGRESS if due_index == index else MilestoneStatus.NOT_STARTED
            )
        )
        if not done and rng.random() < 0.15:
            state = MilestoneStatus.DELAYED
        m_rag = (
            Rag.GREEN
            if state in (MilestoneStatus.COMPLETE, MilestoneStatus.NOT_STARTED)
            else (Rag.RED if state is MilestoneStatus.DELAYED else Rag.AMBER)
        )
        ret.milestones.append([name, due, state.label, m_rag.label, None])
    for risk, mitigation in rng.sample(RISKS, 2):
        ret.risks.append(
            [
                risk,
                rng.choice(list(Level)).label,
                rng.choice(list(Level)).label,
                rng.choice([Rag.AMBER, Rag.GREEN]).label,
                mitigation,
                RiskStatus.OPEN.label,
            ]
        )
    return ret


def write_return(ret: Return, path: Path, *, template_version: str | None = None) -> Path:
    """Fill the real template with a return's content, as a lead would, and save it."""
    wb: Workbook = build_template(
        pathfinder_code=ret.details["pathfinder_code"],
        reporting_period=ret.details["reporting_period"],
    )
    fill_workbook(wb, ret)
    if template_version is not None:
        _fill_form(wb, "Details", {"template_version": template_version})
    wb.save(path)
    return path


def fill_workbook(wb: Workbook, ret: Return) -> Workbook:
    """Type a return's content into a template workbook (e.g. one downloaded from the app)."""
    _fill_form(wb, "Details", ret.details)
    _fill_form(wb, "Status", ret.status)
    for sheet, rows in (
        ("Training", ret.training),
        ("Activity", ret.activity),
        ("Screening", ret.screening),
        ("Milestones", ret.milestones),
        ("Risks", ret.risks),
    ):
        ws = wb[sheet]
        for r, values in enumerate(rows, start=FIRST_DATA_ROW):
            for c, value in enumerate(values, start=1):
                cell = ws.cell(row=r, column=c, value=value)
                if isinstance(value, dt.date):
                    cell.number_format = "dd/mm/yyyy"
    return wb


def _fill_form(wb: Workbook, sheet: str, values: dict[str, Any]) -> None:
    spec = SHEETS_BY_NAME[sheet]
    ws = wb[sheet]
    for r, f in enumerate(spec.fields, start=2):
        if f in values:
            cell = ws.cell(row=r, column=2, value=values[f])
            if isinstance(values[f], dt.date):
                cell.number_format = "dd/mm/yyyy"


def generate(out: Path = SAMPLE_DIR) -> dict[str, Any]:
    """Write the whole sample programme into ``out``; return the manifest."""
    rng = random.Random(SEED)
    towns = _practice_address_parts()
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.xlsx"):
        old.unlink()

    uptake_table = national_uptake_table(rng)
    with (out / "national_breast_uptake_by_service.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(uptake_table[0]))
        writer.writeheader()
        writer.writerows(uptake_table)
    with (out / "pathfinders.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            [
                "pathfinder_code",
                "pathfinder_name",
                "place",
                "lad_code",
                "region_code",
                "lead_organisation",
                "is_synthetic",
            ]
        )
        for p in PLACES:
            writer.writerow(
                [
                    p.code,
                    p.name,
                    p.name,
                    p.lad_code,
                    p.region_code,
                    f"{p.name} digital inclusion pathfinder (synthetic)",
                    "true",
                ]
            )

    # Champions per pathfinder and quarter, adding up to TOTAL_CHAMPIONS.
    per_place = _split_weighted(TOTAL_CHAMPIONS, [p.share for p in PLACES], rng)
    manifest: list[dict[str, str]] = []
    for index, period in enumerate(PERIODS):
        for place, total in zip(PLACES, per_place, strict=True):
            if index < place.first_period:
                continue
            quarters = len(PERIODS) - place.first_period
            champions = _split(total, quarters, random.Random(f"{place.code}"))[
                index - place.first_period
            ]
            practices = _pick_practices(place, towns, random.Random(place.code))
            ret = _build_return(place, index, practices, champions, rng, uptake_table)
            name = f"{place.code}_{period.label.replace(' ', '_')}.xlsx"
            entries = _write_with_mistakes(ret, out, name)
            # When each file was sent: mostly within the 30 days allowed, some late; a
            # correction follows its mistaken first attempt a few days later.
            sent = dt.datetime.combine(period.end, dt.time(10)) + dt.timedelta(
                days=rng.choice([6, 12, 18, 21, 25, 28, 29, 34, 41]), minutes=rng.randint(0, 400)
            )
            for entry in entries:
                entry["submitted_at"] = sent.isoformat()
                sent += dt.timedelta(days=3, hours=2)
            manifest += entries
    (out / "manifest.json").write_text(
        json.dumps(
            {
                "description": "SYNTHETIC sample programme returns, in submission order, with the "
                "outcome each must have when seeded.",
                "returns": manifest,
            },
            indent=1,
        )
    )
    return {"returns": manifest}


def _split_weighted(total: int, weights: list[float], rng: random.Random) -> list[int]:
    raw = [total * w / sum(weights) for w in weights]
    out = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[
        : total - sum(out)
    ]:
        out[i] += 1
    return out


def _write_with_mistakes(ret: Return, out: Path, name: str) -> list[dict[str, str]]:
    """Write a return; for a few, first write the mistaken version a lead really sent."""
    entries = []
    stem = name.removesuffix(".xlsx")
    code, period = ret.place.code, ret.period
    if code == "WDP-HUL" and period == ReportingPeriod(2017, 2):
        write_return(ret, out / f"{stem}_old_template.xlsx", template_version="0.9")
        entries.append({"file": f"{stem}_old_template.xlsx", "expect": "rejected"})
    if code == "WDP-SUN" and period == ReportingPeriod(2017, 3):
        bad = _copy_return(ret)
        bad.training[0][5] = -bad.training[0][5] or -1
        bad.screening[0][6] = bad.screening[0][7] + 25  # numerator above denominator
        write_return(bad, out / f"{stem}_first_attempt.xlsx")
        entries.append({"file": f"{stem}_first_attempt.xlsx", "expect": "rejected"})
    if code == "WDP-BRD" and period == ReportingPeriod(2017, 4):
        bad = _copy_return(ret)
        bad.details["pathfinder_code"] = "WDP-BFD"  # a typo in the code
        bad.training[1][1] = "B83999"  # not a practice
        write_return(bad, out / f"{stem}_typo.xlsx")
        entries.append({"file": f"{stem}_typo.xlsx", "expect": "rejected"})
    if code == "WDP-PRE" and period == ReportingPeriod(2017, 2):
        # Sent with a month's training missing, then corrected: the correction supersedes it.
        early = _copy_return(ret)
        early.training = [r for r in early.training if r[0] != _months(period)[2]]
        write_return(early, out / f"{stem}_superseded.xlsx")
        entries.append({"file": f"{stem}_superseded.xlsx", "expect": "accepted"})
    write_return(ret, out / name)
    entries.append({"file": name, "expect": "accepted"})
    return entries


def _copy_return(ret: Return) -> Return:
    return Return(
        ret.place,
        ret.period,
        dict(ret.details),
        dict(ret.status),
        [list(r) for r in ret.training],
        [list(r) for r in ret.activity],
        [list(r) for r in ret.screening],
        [list(r) for r in ret.milestones],
        [list(r) for r in ret.risks],
    )


if __name__ == "__main__":
    manifest = generate()
    print(f"Wrote {len(manifest['returns'])} sample returns to {SAMPLE_DIR}")
