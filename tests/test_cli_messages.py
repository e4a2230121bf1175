"""The command line's last-resort message (a genuine bug, WDP_DEBUG unset) speaks of what the
command that failed does: a board pack is not a load. In-process: the unit tier."""

from __future__ import annotations

import pytest

from etl import cli


def fail(*args, **kwargs):
    raise RuntimeError("a bug planted by the test")


def test_every_command_has_its_own_last_resort_message() -> None:
    assert set(cli.COMMANDS) <= set(cli.AFTER_A_BUG)


def test_the_board_packs_last_resort_message_is_about_the_board_pack(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], seeded_db
) -> None:
    monkeypatch.delenv("WDP_DEBUG", raising=False)
    monkeypatch.setattr("wdp.services.compose_pack", fail)
    code = cli.main(["pack", "--db", str(seeded_db), "--out", "unused"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Unexpected problem (RuntimeError: a bug planted by the test)" in err
    assert "board pack was not finished" in err and "database was only read" in err
    assert "loaded" not in err  # nothing about loading files
    assert "Traceback" not in err


def test_a_loads_last_resort_message_still_says_nothing_was_half_loaded(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], reference_db, tmp_path
) -> None:
    monkeypatch.delenv("WDP_DEBUG", raising=False)
    monkeypatch.setattr("wdp.services.load_returns", fail)
    code = cli.main(["load", str(tmp_path / "x.xlsx"), "--db", str(reference_db)])
    assert code == 2
    assert "Nothing was half-loaded" in capsys.readouterr().err
