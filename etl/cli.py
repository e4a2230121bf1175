"""``python -m etl``: the command line other people script against (documented in the README).

    python -m etl template OUT.xlsx [--pathfinder CODE] [--period "2017-18 Q1"]
    python -m etl load FILE... [--db PATH] [--json] [--loaded-by NAME]
    python -m etl import-fingertips FILE... [--db PATH] [--json] [--indicator-id N
                                  --indicator-name TEXT]
    python -m etl fetch-fingertips --indicator N [--area-type gp|district|county|region|N]
                                  [--parent-area-type N] [--db PATH] [--json]
    python -m etl init [--db PATH] [--register PATHFINDERS.csv]
    python -m etl accounts add EMAIL --role ROLE [--pathfinder CODE] [--password-stdin]
    python -m etl accounts remove|disable|enable|unlock EMAIL | python -m etl accounts list
    python -m etl accounts log [--email TEXT] [--json]
    python -m etl seed [--db PATH] [--json]
    python -m etl summary [--db PATH] [--json]
    python -m etl backup [--db PATH] --to FOLDER | python -m etl restore BACKUP --db PATH [--force]
    python -m etl migrate-to TARGET --from FILE [--replace] [--json]
    python -m etl pack [--db PATH] [--out DIR] [--as EMAIL] [--period P] [--pathfinder CODE]
                       [--programme P] [--measure M] [--audience TEXT] [--json]

Exit codes: 0 success (every file accepted or unchanged); 1 a file was rejected or the sample did
not seed as expected; 2 a problem with the command, the database or a reference file. Problems are
explained in plain English on stderr; a traceback is shown only with WDP_DEBUG=1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from pathlib import Path

from etl.load import LoadReport, default_loader
from wdp import config, services
from wdp.db import DatabaseError, open_database
from wdp.domain import Measure, Programme, ReportingPeriod

EXIT_OK, EXIT_REJECTED, EXIT_PROBLEM = 0, 1, 2


def _db_argument(parser: argparse.ArgumentParser, *, json_help: str | None = None) -> None:
    """``--db``, and ``--json`` with its help when the command prints JSON."""
    parser.add_argument(
        "--db",
        help="a DuckDB file or a postgresql:// URL (default: $WDP_DB, else data/wdp.duckdb)",
    )
    if json_help:
        parser.add_argument("--json", action="store_true", help=json_help)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m etl", description="WDP programme returns: template, load, seed, summary."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    template = commands.add_parser("template", help="write the current return template (.xlsx)")
    template.add_argument("out", help="where to write the template, e.g. return.xlsx")
    template.add_argument("--pathfinder", help="pre-fill the pathfinder code")
    template.add_argument("--period", help="pre-fill the reporting period, e.g. '2017-18 Q1'")

    load = commands.add_parser("load", help="validate and load return workbooks")
    load.add_argument("files", nargs="+", metavar="FILE", help="return workbooks (.xlsx)")
    _db_argument(load, json_help="print one JSON report per file")
    load.add_argument("--loaded-by", help="who is loading (recorded in the audit trail)")

    fingertips = commands.add_parser(
        "import-fingertips", help="import Fingertips indicator exports (CSV) as the benchmark"
    )
    fingertips.add_argument("files", nargs="+", metavar="FILE", help="indicator exports (.csv)")
    _db_argument(fingertips, json_help="print one JSON report per file")
    fingertips.add_argument(
        "--indicator-id", type=int, help="for the older PHE layout, which does not say"
    )
    fingertips.add_argument("--indicator-name", help="for the older PHE layout")

    fetch = commands.add_parser(
        "fetch-fingertips",
        help="download an indicator from the Fingertips API (WDP_FINGERTIPS_URL) and import it",
    )
    fetch.add_argument("--indicator", type=int, required=True, help="the Fingertips indicator id")
    fetch.add_argument(
        "--area-type",
        default="gp",
        help="gp (GP practices, the default), district, county, region, or a Fingertips area "
        "type id",
    )
    fetch.add_argument(
        "--parent-area-type",
        type=int,
        default=15,
        help="the Fingertips parent area type (default 15, England: every area in one download)",
    )
    _db_argument(fetch, json_help="print the import report as JSON (with source_url)")

    init = commands.add_parser(
        "init", help="create or update a database's reference data and pathfinder register"
    )
    _db_argument(init)
    init.add_argument(
        "--register",
        help="pathfinder register CSV (columns as data/sample/pathfinders.csv)",
    )

    accounts = commands.add_parser("accounts", help="manage sign-in accounts")
    actions = accounts.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="create or replace an account")
    add.add_argument("email")
    add.add_argument("--role", required=True, help="director, lead, viewer or admin")
    add.add_argument("--pathfinder", help="a lead's pathfinder code")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (else asked for)",
    )
    add.add_argument(
        "--sso-only",
        action="store_true",
        help="no password: signs in only through the identity provider",
    )
    _db_argument(add)
    for action, what in (
        ("remove", "remove an account (its sign-ins end)"),
        ("disable", "disable an account: every sign-in of it ends at once"),
        ("enable", "enable a disabled account"),
        ("unlock", "let an email address locked by failed passwords try again now"),
    ):
        one = actions.add_parser(action, help=what)
        one.add_argument("email")
        _db_argument(one)
    listing = actions.add_parser("list", help="list accounts (never passwords)")
    _db_argument(listing)
    log = actions.add_parser("log", help="the sign-in log: sign-ins, failures, locks, changes")
    log.add_argument("--email", help="only addresses containing this")
    _db_argument(log, json_help="print JSON Lines")

    seed = commands.add_parser("seed", help="build the sample programme through the load path")
    _db_argument(seed, json_help="print the outcome as JSON")

    pack = commands.add_parser(
        "pack", help="build the board pack: PowerPoint, the same pages as PDF, a PNG per chart"
    )
    _db_argument(pack)
    pack.add_argument(
        "--out", default="board-pack", help="folder to write to (default: board-pack)"
    )
    pack.add_argument(
        "--as",
        dest="as_email",
        metavar="EMAIL",
        help="build the pack as this account sees it (a lead's pack holds only their pathfinder)",
    )
    pack.add_argument("--audience", help="who the pack is for (title slide)")
    for name in PACK_FILTERS:
        pack.add_argument(f"--{name}", help=f"filter: {name}, as in the dashboard's URL")
    pack.add_argument("--json", action="store_true", help="print what was written as JSON")

    plan = commands.add_parser(
        "evaluation-plan",
        help="fix the evaluation's analysis plan (comparison practices chosen on baseline years "
        "only) before any result is seen",
    )
    _db_argument(plan, json_help="print the plan as JSON")
    _study_arguments(plan)
    plan.add_argument("--by", help="who fixes it (recorded; default: this login)")
    plan.add_argument(
        "--replace", action="store_true", help="supersede a plan in force (both stay on record)"
    )
    evaluate = commands.add_parser(
        "evaluate",
        help="did the campaigns work? the formal evaluation on the fixed plan (README)",
    )
    _db_argument(evaluate, json_help="print the result as JSON (the contract in the README)")
    _study_arguments(evaluate)
    evaluate.add_argument("--pathfinder", help="one pathfinder against its comparison practices")

    remind = commands.add_parser(
        "remind",
        help="send the reminders due (run it hourly from cron): each message exactly once, "
        "recorded in the message log",
    )
    _db_argument(remind, json_help="print one JSON object per message")
    remind.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        type=_day,
        help="the day whose reminders are due (default: today)",
    )
    remind.add_argument(
        "--dry-run", action="store_true", help="send nothing, record nothing: print what would go"
    )

    summary = commands.add_parser("summary", help="what the database holds")
    _db_argument(summary, json_help="print JSON")

    backup = commands.add_parser(
        "backup", help="copy the database into a new timestamped folder, checked table by table"
    )
    _db_argument(backup)
    backup.add_argument("--to", required=True, help="folder to keep backups in")
    restore = commands.add_parser("restore", help="restore a backup made by `backup`")
    restore.add_argument("backup", help="the backup's folder (holding manifest.json)")
    restore.add_argument("--db", required=True, help="where to restore the database to")
    restore.add_argument(
        "--force", action="store_true", help="replace an existing database (kept beside it)"
    )
    migrate = commands.add_parser(
        "migrate-to",
        help="copy a DuckDB database into PostgreSQL storage (or another file), checked table by "
        "table; running it again changes nothing",
    )
    migrate.add_argument(
        "target", help="postgresql://USER@HOST:PORT/DATABASE?data_path=FOLDER, or a DuckDB file"
    )
    migrate.add_argument(
        "--from",
        dest="source",
        required=True,
        help="the DuckDB file to copy (or a folder from DuckDB's EXPORT DATABASE)",
    )
    migrate.add_argument(
        "--replace",
        action="store_true",
        help="replace tables that already hold different data (otherwise nothing is copied)",
    )
    migrate.add_argument("--json", action="store_true", help="print the table-by-table report")
    return parser


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date as YYYY-MM-DD") from None


def _study_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--programme", choices=[p.value for p in Programme])
    command.add_argument("--measure", choices=[Measure.COVERAGE.value, Measure.UPTAKE.value])
    command.add_argument(
        "--indicator", type=int, help="the Fingertips GP-practice indicator id (e.g. 91340)"
    )


def _print_report(report: LoadReport) -> None:
    name = Path(report.file).name
    what = (
        f" ({report.pathfinder_code} {report.reporting_period})" if report.pathfinder_code else ""
    )
    if report.status == "accepted":
        rows = ", ".join(f"{sheet} {n}" for sheet, n in report.rows.items())
        print(f"ACCEPTED   {name}{what}: {rows}")
    elif report.status == "unchanged":
        print(f"UNCHANGED  {name}{what}: identical to a return already loaded; nothing to do")
    else:
        count = len(report.errors)
        print(f"REJECTED   {name}{what}: {count} problem{'s' * (count != 1)}; nothing was loaded")
        for issue in report.errors:
            print(f"  - {issue.describe(name)}")
    for issue in report.warnings:
        print(f"  warning: {issue.describe(name)}")


def cmd_template(args: argparse.Namespace) -> int:
    from etl.template import write_template

    period = None
    if args.period:
        parsed = ReportingPeriod.parse(args.period)
        if parsed is None:
            print(f"--period {args.period!r}: write the quarter as 2017-18 Q1.", file=sys.stderr)
            return EXIT_PROBLEM
        period = parsed.label
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        print(f"{out}: the template is an Excel workbook; name it .xlsx.", file=sys.stderr)
        return EXIT_PROBLEM
    if out.parent and not out.parent.exists():
        print(f"{out}: the folder {out.parent} does not exist.", file=sys.stderr)
        return EXIT_PROBLEM
    write_template(out, pathfinder_code=args.pathfinder, reporting_period=period)
    print(f"Wrote the return template to {out}")
    return EXIT_OK


def cmd_load(args: argparse.Namespace) -> int:
    reports = []
    for report in services.load_returns(
        open_database(args.db), args.files, loaded_by=args.loaded_by
    ):
        reports.append(report)
        if args.json:
            print(json.dumps(report.as_dict()), flush=True)
        else:
            _print_report(report)
    rejected = sum(r.status == "rejected" for r in reports)
    if not args.json and len(reports) > 1:
        print(
            f"{len(reports)} files: {len(reports) - rejected} loaded or unchanged, "
            f"{rejected} rejected."
        )
    return EXIT_REJECTED if rejected else EXIT_OK


def cmd_seed(args: argparse.Namespace) -> int:
    from etl.seed import seed

    db = open_database(args.db, create=True)
    result = seed(db)
    summary = db.database_summary()
    if args.json:
        print(json.dumps({**result.as_dict(), "summary": summary}, default=str))
    else:
        counts: dict[str, int] = {}
        for report in result.reports:
            counts[report.status] = counts.get(report.status, 0) + 1
        print(
            f"Seeded {db.name}: reference data "
            + ", ".join(f"{t} {n:,}" for t, n in result.reference.items())
        )
        print(
            "Sample returns (synthetic): "
            + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        )
        for report in result.public:
            print(
                f"Public data (real): {Path(report.file).name} {report.status}, "
                f"{report.details.get('rows_loaded', 0):,} rows"
            )
        if result.gp_panel is not None:
            panel = result.gp_panel
            print(
                f"GP-practice panel (synthetic): {panel.status}, "
                f"{panel.details.get('gp_practice_rows', 0):,} practice-year rows, indicators "
                + ", ".join(str(i["indicator_id"]) for i in panel.details.get("indicators", []))
            )
        for plan in result.evaluation_plans:
            print(
                f"Evaluation plan for indicator {plan['indicator_id']}: fixed "
                f"{plan['fixed_at']}, {plan['practices']} practices"
            )
        print(
            f"{summary['pathfinders']} pathfinders, {summary['staff_trained']} champions trained."
        )
    for problem in result.unexpected:
        print(f"The sample did not load as expected: {problem}", file=sys.stderr)
    return EXIT_REJECTED if result.unexpected else EXIT_OK


def _print_import(report) -> None:
    name = Path(report.file).name
    data = report.as_dict()
    if report.status == "rejected":
        print(f"REJECTED   {name}: nothing was loaded")
        for error in report.errors:
            print(f"  - {error}")
        return
    ci, england = data["ci_check"], data["england_comparison"]
    several = data.get("indicators")
    what = (
        f"{len(several)} indicators"
        if several
        else f"indicator {report.indicator_id} ({report.indicator_name})"
    )
    print(
        f"{report.status.upper():10} {name}: {what}; {data['rows_loaded']:,} of "
        f"{data['rows_read']:,} rows"
    )
    for entry in several or []:
        print(
            f"  {entry['status']} indicator {entry['indicator_id']} ({entry['indicator_name']}): "
            f"{entry['rows_loaded']:,} rows"
        )
    if data.get("gp_practice_rows"):
        print(f"  {data['gp_practice_rows']:,} of the rows are GP practices' (codes as published)")
    for reason, n in data["rows_skipped"].items():
        print(f"  skipped {n:,}: {reason}")
    if data.get("breakdowns_kept"):
        print(
            f"  kept {sum(data['breakdowns_kept'].values()):,} inequality-breakdown rows "
            "(deprivation deciles)"
        )
    if ci["rows_compared"]:
        print(
            f"  our 95% limits vs published: {ci['rows_compared']:,} rows, largest difference "
            f"{ci['max_abs_diff_95']:.6f} pp, {ci.get('rows_beyond_rounding_95', 0):,} beyond "
            "rounding"
        )
    if ci.get("rows_compared_998"):
        print(
            f"  our 99.8% limits vs published: largest difference {ci['max_abs_diff_998']:.6f} "
            f"pp, {ci.get('rows_beyond_rounding_998', 0):,} beyond rounding"
        )
    for reason, n in ci.get("likely_reasons", {}).items():
        print(f"    {n:,} rows: {reason}")
    if england["rows_compared"]:
        print(
            f"  Better/Similar/Worse than England: {england['agree']:,} of "
            f"{england['rows_compared']:,} agree with the publisher"
        )


def cmd_import_fingertips(args: argparse.Namespace) -> int:
    from etl.fingertips import import_file

    if (args.indicator_id is None) != (args.indicator_name is None):
        print("Give --indicator-id and --indicator-name together.", file=sys.stderr)
        return EXIT_PROBLEM
    rejected = 0
    db = open_database(args.db)
    with db.session(write=True):
        for file in args.files:
            report = import_file(
                db, file, indicator_id=args.indicator_id, indicator_name=args.indicator_name
            )
            rejected += report.status == "rejected"
            if args.json:
                print(json.dumps(report.as_dict(), default=str), flush=True)
            else:
                _print_import(report)
    return EXIT_REJECTED if rejected else EXIT_OK


def cmd_fetch_fingertips(args: argparse.Namespace) -> int:
    from etl.fetch import FetchError, Request, area_type_id, fetch_indicator

    try:
        request = Request(args.indicator, area_type_id(args.area_type), args.parent_area_type)
    except ValueError as error:
        print(str(error), file=sys.stderr)
        return EXIT_PROBLEM
    db = open_database(args.db)
    try:
        with db.session(write=True):
            report, source = fetch_indicator(db, request)
    except FetchError as error:
        print(str(error), file=sys.stderr)
        return EXIT_PROBLEM
    if args.json:
        print(json.dumps({**report.as_dict(), "source_url": source}, default=str), flush=True)
    else:
        print(f"Downloaded {source}")
        _print_import(report)
    return EXIT_REJECTED if report.status == "rejected" else EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    from etl.seed import init_database

    register = Path(args.register) if args.register else None
    if register is not None and not register.is_file():
        print(f"--register {register}: no such file.", file=sys.stderr)
        return EXIT_PROBLEM
    db = open_database(args.db, create=True)
    counts = init_database(db, register=register)
    print(f"Database {db.name} ready: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
    if register is None:
        print("No pathfinder register given: load one with --register before loading returns.")
    return EXIT_OK


def cmd_accounts(args: argparse.Namespace) -> int:
    import getpass

    from etl.load import default_loader

    db = open_database(args.db)
    by = default_loader()  # who, in the sign-in log: cli:<user name>
    if args.action == "list":
        print(db.list_accounts().to_string(index=False))
        return EXIT_OK
    if args.action == "log":
        log = db.sign_in_events(email=args.email)
        if args.json:
            for record in log.astype(object).where(log.notna(), None).to_dict("records"):
                print(json.dumps(record, default=str))
        else:
            print(log.to_string(index=False) if not log.empty else "No sign-in events yet.")
        return EXIT_OK
    if args.action in ("remove", "disable", "enable", "unlock"):
        done = {
            "remove": lambda: services.remove_account(db, args.email, by=by, method="cli"),
            "disable": lambda: services.set_account_disabled(db, args.email, True, by=by),
            "enable": lambda: services.set_account_disabled(db, args.email, False, by=by),
            "unlock": lambda: services.unlock(db, args.email, by=by, method="cli"),
        }[args.action]()
        if args.action == "unlock":
            print(
                f"{args.email} can sign in again now." if done else f"{args.email} was not locked."
            )
            return EXIT_OK
        past = {"remove": "Removed", "disable": "Disabled", "enable": "Enabled"}[args.action]
        print(f"{past} {args.email}." if done else f"There is no account {args.email}.")
        return EXIT_OK if done else EXIT_PROBLEM
    password = None
    if not args.sso_only:
        password = (
            sys.stdin.readline().rstrip("\n")
            if args.password_stdin
            else getpass.getpass(f"Password for {args.email}: ")
        )
    change = services.save_account(
        db,
        email=args.email,
        role=args.role,
        pathfinder_code=args.pathfinder,
        password=password,
        by=by,
        method="cli",
    )
    for problem in change.problems:
        print(problem, file=sys.stderr)
    if not change.saved:
        return EXIT_PROBLEM
    pathfinder = args.pathfinder.strip().upper() if args.pathfinder else None
    print(f"Saved {change.email} ({args.role}{', ' + pathfinder if pathfinder else ''}).")
    return EXIT_OK


def cmd_evaluation_plan(args: argparse.Namespace) -> int:
    from wdp.study import StudyNotReady

    db = open_database(args.db)
    try:
        plan = services.fix_evaluation_plan(
            db,
            fixed_by=args.by or default_loader(),
            indicator_id=args.indicator,
            programme=args.programme,
            measure=args.measure,
            replace=args.replace,
        )
    except StudyNotReady as error:
        print(str(error), file=sys.stderr)
        return EXIT_PROBLEM
    arms = plan.practices["arm"].value_counts()
    if args.json:
        print(
            json.dumps(
                {
                    "plan_id": plan.plan_id,
                    "indicator": plan.indicator_id,
                    "fixed_at": plan.fixed_at.isoformat(timespec="seconds"),
                    "fixed_by": plan.fixed_by,
                    "pathfinder_practices": int(arms.get("pathfinder", 0)),
                    "comparison_practices": int(arms.get("comparison", 0)),
                    "baseline_years": list(plan.baseline_years),
                    "plan": plan.plan_text,
                    "caveats": plan.caveats,
                }
            )
        )
    else:
        print(
            f"Fixed the analysis plan for indicator {plan.indicator_id} ({plan.indicator_name}) "
            f"at {plan.fixed_at:%Y-%m-%d %H:%M} UTC: {arms.get('pathfinder', 0)} pathfinder "
            f"practices, {arms.get('comparison', 0)} comparison practices."
        )
        print(plan.plan_text)
        for caveat in plan.caveats:
            print(f"  note: {caveat}")
    return EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    from wdp.study import StudyNotReady

    db = open_database(args.db)
    try:
        study = services.evaluate(
            db,
            indicator_id=args.indicator,
            programme=args.programme,
            measure=args.measure,
            pathfinder=args.pathfinder,
        )
    except StudyNotReady as error:
        print(str(error), file=sys.stderr)
        return EXIT_PROBLEM
    if args.json:
        print(json.dumps(study.as_dict()))
        return EXIT_OK
    result = study.as_dict()
    print(study.verdict)
    print(
        f"Indicator {study.plan.indicator_id} ({study.plan.indicator_name}); plan fixed "
        f"{study.plan.fixed_at:%Y-%m-%d} by {study.plan.fixed_by}; "
        f"{result['treated_practices']} pathfinder and {result['comparison_practices']} "
        "comparison practices."
    )
    if result["naive_before_after_pp"] is not None:
        print(
            f"Before/after in the pathfinder practices alone (no comparison): "
            f"{result['naive_before_after_pp']:+.1f} points."
        )
    print(f"Pre-go-live trends: p = {result['pre_trend']['p']}")
    for row in result["pathfinders"]:
        lo, hi = row["ci95"]
        print(
            f"  {row['code']:10} {row['estimate_pp']:+6.2f} points (95% CI {lo:+.2f} to "
            f"{hi:+.2f}), Holm p {row['p_holm']}, {row['n_practices']} practices"
        )
    for caveat in study.caveats:
        print(f"  note: {caveat}")
    return EXIT_OK


def cmd_summary(args: argparse.Namespace) -> int:
    db = open_database(args.db)
    summary = {"database": db.name, **db.database_summary()}
    if args.json:
        print(json.dumps(summary, default=str))
    else:
        for key, value in summary.items():
            print(f"{key:24} {value}")
    return EXIT_OK


def cmd_remind(args: argparse.Namespace) -> int:
    """The reminders due, each sent once (wdp.services.reminders); exit 0 when every message
    went, 1 when any failed, 2 when no way of sending is set up."""
    from wdp.services import reminders

    db = open_database(args.db)
    try:
        sender = reminders.sender_from_settings()
    except reminders.NotConfigured as error:
        if not args.dry_run:
            print(str(error), file=sys.stderr)
            return EXIT_PROBLEM
        print(f"(Dry run) {error}", file=sys.stderr)
        sender = None
    outcomes = reminders.run_reminders(db, sender, today=args.as_of, dry_run=args.dry_run)
    for outcome in outcomes:
        if args.json:
            print(json.dumps(outcome.as_dict()), flush=True)
            continue
        what = f"{outcome.kind} {outcome.pathfinder_code or ''} {outcome.reporting_period or ''}"
        print(f"{outcome.status.upper():<11} {outcome.to}  {' '.join(what.split())}")
        if outcome.error:
            again = (
                f"; tried again from {outcome.retry_at:%d %b %H:%M} UTC" if outcome.retry_at else ""
            )
            print(f"  {outcome.error}{again}")
    if not args.json:
        where = "would go" if args.dry_run else f"by {sender.describe()}" if sender else ""
        print(f"{len(outcomes)} message{'s' * (len(outcomes) != 1)} {where}".rstrip() + ".")
    return EXIT_REJECTED if any(o.status == "failed" for o in outcomes) else EXIT_OK


PACK_FILTERS = ("period", "pathfinder", "programme", "measure", "indicator", "year", "area")


def cmd_pack(args: argparse.Namespace) -> int:
    """The board pack, as the dashboard builds it, for a schedule or a script."""
    import time

    from wdp.boardpack import BoardPackError, PackFilters, render_pack

    started = time.perf_counter()
    db = open_database(args.db)
    db.ensure_schema()  # as the app does: an older database is upgraded before it is read
    user = None
    if args.as_email:
        user = services.account_for(db, args.as_email)
        if user is None:
            print(f"There is no enabled account {args.as_email!r} in {db.name}.", file=sys.stderr)
            return EXIT_PROBLEM
    filters = PackFilters.from_params({name: getattr(args, name) for name in PACK_FILTERS})
    view = services.pack_view(db, filters, user=user, audience=args.audience)
    deck = services.compose_pack(view)
    try:
        pack = render_pack(deck)
    except BoardPackError as error:
        print(f"The board pack could not be built: {error}", file=sys.stderr)
        return EXIT_PROBLEM
    written = pack.write(Path(args.out))
    seconds = time.perf_counter() - started
    if args.json:
        report = {
            "files": [str(p) for p in written],
            "slides": [
                {"key": s.key, "title": s.title, "headline": s.headline} for s in deck.slides
            ],
            "left_out": deck.left_out,
            "seconds": round(seconds, 2),
        }
        print(json.dumps(report))
    else:
        print(f"Board pack to {deck.period}: {len(deck.slides)} slides in {seconds:.1f} s.")
        for written_path in written:
            print(f"  {written_path}")
        if deck.left_out:
            print("Left out (no data loaded): " + "; ".join(deck.left_out))
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    result = services.backup(open_database(args.db), Path(args.to))
    tables = result.manifest["tables"]
    rows = sum(t["rows"] for t in tables.values())
    print(
        f"Backed up {result.manifest['source']} to {result.folder}: {len(tables)} tables, "
        f"{rows:,} rows, each checked against the database."
    )
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    manifest = services.restore(Path(args.backup), args.db, force=args.force)
    print(
        f"Restored the backup of {manifest['created_at']} to {open_database(args.db).name}: "
        f"{len(manifest['tables'])} tables, every one matching the backup's manifest."
    )
    return EXIT_OK


def cmd_migrate_to(args: argparse.Namespace) -> int:
    report = services.migrate_to(args.target, Path(args.source), replace=args.replace)
    if args.json:
        print(json.dumps(report.as_dict()))
        return EXIT_OK
    for table, outcome in report.tables.items():
        print(f"{outcome['status']:<18} {table}: {outcome['rows']:,} rows")
    print(
        f"Copied {args.source} into {report.target}; every table checked against the source."
        if report.changed
        else f"{report.target} already holds everything in {args.source}: nothing to do."
    )
    return EXIT_OK


# What is still true after an unexpected problem (a bug), for each command: its last-resort
# message speaks of what that command does.
AFTER_A_BUG = {
    "load": "Nothing was half-loaded: each file is loaded in a single transaction.",
    "seed": "Nothing was half-loaded: each file is loaded in a single transaction.",
    "import-fingertips": "Nothing was half-imported: each file is imported in one transaction.",
    "fetch-fingertips": "Nothing was half-imported: the download is imported in one transaction.",
    "init": "The reference data is replaced in one transaction: all of it or none.",
    "pack": "The board pack was not finished; the database was only read, not changed.",
    "summary": "The database was only read, not changed.",
    "evaluate": "The database was only read, not changed.",
    "evaluation-plan": "A plan is fixed in one transaction: it was fixed whole or not at all.",
    "accounts": "Each account change is one transaction: it was made whole or not at all.",
    "backup": "The database was not changed; an unfinished backup is never put in place.",
    "restore": "The database named was not replaced: a restore is checked before it is moved in.",
    "migrate-to": "Each table is copied in its own transaction; running it again carries on.",
    "remind": (
        "Every message sent so far is recorded in the message log; running it again sends "
        "only what has not gone, never a message twice."
    ),
    "template": "No template was written.",
}
AFTER_A_BUG_DEFAULT = "Nothing was changed by halves."

COMMANDS = {
    "migrate-to": cmd_migrate_to,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "pack": cmd_pack,
    "template": cmd_template,
    "load": cmd_load,
    "import-fingertips": cmd_import_fingertips,
    "fetch-fingertips": cmd_fetch_fingertips,
    "init": cmd_init,
    "accounts": cmd_accounts,
    "seed": cmd_seed,
    "summary": cmd_summary,
    "remind": cmd_remind,
    "evaluation-plan": cmd_evaluation_plan,
    "evaluate": cmd_evaluate,
}


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except DatabaseError as error:
        print(str(error), file=sys.stderr)
        return EXIT_PROBLEM
    except KeyboardInterrupt:
        print("Stopped. Any file being loaded was rolled back.", file=sys.stderr)
        return 130
    except Exception as error:
        if config.debug():
            raise
        from etl.seed import CsvError

        if isinstance(error, CsvError):
            print("A reference file could not be loaded; nothing was changed:", file=sys.stderr)
            for issue in error.issues:
                print(f"  - {issue.describe()}", file=sys.stderr)
            return EXIT_PROBLEM
        print(
            f"Unexpected problem ({type(error).__name__}: {error}). "
            f"{AFTER_A_BUG.get(args.command, AFTER_A_BUG_DEFAULT)} Run again with WDP_DEBUG=1 "
            "for details and report it to the programme team.",
            file=sys.stderr,
        )
        return EXIT_PROBLEM
