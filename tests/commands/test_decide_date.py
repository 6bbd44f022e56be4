"""`ftspec decide --date`: back-filling a decision made before the project adopted ftspec."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from ftspec.commands.decide import DecideOptions, decide
from ftspec.errors import UsageError


def options(repo: Path, date: str | None) -> DecideOptions:
    return DecideOptions("TRAIN-002", "Training approach", "SFT", "Demonstrations teach form.", project=repo,
                         date=date)


def test_the_log_entry_carries_the_given_date(decision_repo: Path) -> None:
    assert decide(options(decision_repo, "2025-03-14")) == 0
    assert "**Date:** 2025-03-14" in (decision_repo / "decision-log.md").read_text()


def test_without_date_the_entry_is_dated_today(decision_repo: Path) -> None:
    assert decide(options(decision_repo, None)) == 0
    assert f"**Date:** {datetime.date.today().isoformat()}" in (decision_repo / "decision-log.md").read_text()


@pytest.mark.parametrize(("given", "message"), [("14/03/2025", "write it as YYYY-MM-DD"),
                                                ("2999-01-01", "is in the future")])
def test_a_bad_date_is_refused_before_anything_is_written(decision_repo: Path, given: str, message: str) -> None:
    before = (decision_repo / "decision-log.md").read_text()
    with pytest.raises(UsageError, match=message):
        decide(options(decision_repo, given))
    assert (decision_repo / "decision-log.md").read_text() == before
