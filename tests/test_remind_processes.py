"""``python -m etl remind`` as cron runs it, in real processes against a real SMTP server on
127.0.0.1: its contract (JSON per message, exit codes), two runs at once, and a run killed while
sending. Whatever happens, no message reaches the mail server twice."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.mailservers import FROM, Mailbox, free_port
from tests.processes import ROOT, etl
from wdp import services
from wdp.db import open_database
from wdp.notify import SmtpSender
from wdp.services import reminders
from wdp.services.reminders import CLAIM_TIMEOUT

pytestmark = pytest.mark.process

AS_OF = "2018-10-23"  # a week before 2018-19 Q2's returns are due: "due soon" for every lead


@pytest.fixture
def crowd(seeded_db_copy) -> tuple[Path | str, list[str]]:
    """The sample programme with two more leads for each pathfinder: many messages to send."""
    db = open_database(seeded_db_copy)
    leads = []
    for code in sorted(db.pathfinder_register()):
        for n in (1, 2):
            email = f"lead{n}.{code.lower()}@example.nhs.uk"
            services.save_account(db, email=email, role="lead", pathfinder_code=code, by="test")
            leads.append(email)
    return seeded_db_copy, leads


def environment(port: int, tmp_path: Path) -> dict[str, str]:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("")  # no Notify key: SMTP it is, whatever this machine's own file says
    return {
        "WDP_SMTP_URL": f"smtp://127.0.0.1:{port}",
        "WDP_SMTP_FROM": FROM,
        "WDP_SECRETS": str(secrets),
        "WDP_APP_URL": "https://wdp.example.nhs.uk",
    }


def remind(db: Path | str, env: dict[str, str], *args: str) -> subprocess.Popen:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("WDP_")}
    environment |= env | {"WDP_DB": str(db)}
    return subprocess.Popen(
        [sys.executable, "-m", "etl", "remind", "--as-of", AS_OF, "--json", *args],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def outcomes(process: subprocess.Popen) -> tuple[int, list[dict]]:
    out, err = process.communicate(timeout=300)
    assert "Traceback" not in out + err, err
    return process.returncode, [json.loads(line) for line in out.splitlines()]


def test_remind_prints_one_json_object_per_message_and_exits_0(
    smtp_server, seeded_db_copy, tmp_path: Path
) -> None:
    mailbox, port = smtp_server()
    env = environment(port, tmp_path)
    dry = etl("remind", "--as-of", AS_OF, "--dry-run", "--json", db=seeded_db_copy, env=env)
    assert dry.returncode == 0
    planned = [json.loads(line) for line in dry.stdout.splitlines()]
    assert {(m["to"], m["status"]) for m in planned} == {
        ("lead.preston@example.nhs.uk", "would send"),
        ("lead.stoke@example.nhs.uk", "would send"),
    }
    assert mailbox.received == []

    result = etl("remind", "--as-of", AS_OF, "--json", db=seeded_db_copy, env=env)
    assert result.returncode == 0, result.stderr
    sent = [json.loads(line) for line in result.stdout.splitlines()]
    assert [
        {k: m[k] for k in ("to", "kind", "pathfinder_code", "reporting_period", "status")}
        for m in sorted(sent, key=lambda m: m["to"])
    ] == [
        {
            "to": "lead.preston@example.nhs.uk",
            "kind": "due_soon",
            "pathfinder_code": "WDP-PRE",
            "reporting_period": "2018-19 Q2",
            "status": "sent",
        },
        {
            "to": "lead.stoke@example.nhs.uk",
            "kind": "due_soon",
            "pathfinder_code": "WDP-STK",
            "reporting_period": "2018-19 Q2",
            "status": "sent",
        },
    ]
    [preston] = mailbox.to("lead.preston@example.nhs.uk")
    assert preston.email["Subject"] == (
        "Your 2018-19 Q2 return for Preston is due on 30 October 2018"
    )
    assert "https://wdp.example.nhs.uk/Upload?pathfinder=WDP-PRE&period=2018-19+Q2" in (
        preston.text()
    )
    again = etl("remind", "--as-of", AS_OF, "--json", db=seeded_db_copy, env=env)
    assert again.returncode == 0 and again.stdout == ""  # nothing twice
    assert len(mailbox.received) == 2


def test_remind_without_a_way_of_sending_says_so_and_exits_2(seeded_db_copy, tmp_path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("")
    result = etl("remind", "--as-of", AS_OF, db=seeded_db_copy, env={"WDP_SECRETS": str(secrets)})
    assert result.returncode == 2
    assert "neither GOV.UK Notify nor an SMTP server is set up" in result.stderr
    assert "WDP_SMTP_URL" in result.stderr and result.stdout == ""


def test_remind_exits_1_and_reports_a_failure_to_be_tried_again(seeded_db_copy, tmp_path) -> None:
    env = environment(free_port(), tmp_path)  # nothing listens there
    result = etl("remind", "--as-of", AS_OF, db=seeded_db_copy, env=env)
    assert result.returncode == 1
    assert result.stdout.count("FAILED") == 2
    assert "connection refused" in result.stdout and "tried again from" in result.stdout


def test_two_remind_runs_at_once_send_each_message_exactly_once(
    smtp_server, crowd, tmp_path: Path
) -> None:
    db, leads = crowd
    mailbox, port = smtp_server(Mailbox(data_delay_s=0.2))
    env = environment(port, tmp_path)
    first, second = remind(db, env), remind(db, env)
    (code1, out1), (code2, out2) = outcomes(first), outcomes(second)
    assert code1 == code2 == 0
    expected = set(leads) | {"lead.preston@example.nhs.uk", "lead.stoke@example.nhs.uk"}
    # Between them the two runs sent every message, each once; each run sent some.
    by_run = [{m["reference"] for m in out} for out in (out1, out2)]
    assert not by_run[0] & by_run[1]
    assert {m["to"] for m in out1 + out2} == expected
    assert Counter(mailbox.references()) == Counter({ref: 1 for ref in by_run[0] | by_run[1]})
    log = open_database(db).reminder_log()
    assert len(log) == len(expected) and set(log["status"]) == {"sent"}
    print(f"run 1 sent {len(out1)}, run 2 sent {len(out2)} of {len(expected)}")


def test_a_run_killed_while_sending_never_sends_a_message_twice(
    smtp_server, crowd, tmp_path: Path
) -> None:
    db, leads = crowd
    victim = leads[5]
    mailbox, port = smtp_server(Mailbox(hold_for=victim))
    env = environment(port, tmp_path)
    run = remind(db, env)
    assert mailbox.holding.wait(timeout=120), "the held message never arrived"
    run.send_signal(signal.SIGKILL)  # killed while the mail server holds its message
    run.wait(timeout=30)
    mailbox.release.set()
    assert len(mailbox.to(victim)) == 1  # the server has it; the run never heard so

    # The next run sends everything still to go, and leaves the interrupted message alone.
    code, sent = outcomes(remind(db, env))
    assert code == 0 and victim not in {m["to"] for m in sent}
    log = open_database(db).reminder_log()
    [interrupted] = log[log["recipient"] == victim].itertuples()
    assert interrupted.status == "sending"

    # Once its claim is stale, a run settles it: by SMTP nobody can know, so it is not resent.
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + CLAIM_TIMEOUT * 2
    sender = SmtpSender(f"smtp://127.0.0.1:{port}", from_address=FROM)
    settled = reminders.run_reminders(
        open_database(db), sender, today=dt.date.fromisoformat(AS_OF), now=later
    )
    assert [(o.to, o.status) for o in settled] == [(victim, "failed")]
    assert open_database(db).logged_reminder(interrupted.reference).status == "unknown"

    expected = set(leads) | {"lead.preston@example.nhs.uk", "lead.stoke@example.nhs.uk"}
    received = Counter(a for r in mailbox.received for a in r.rcpt_tos)
    assert set(received) == expected and set(received.values()) == {1}
