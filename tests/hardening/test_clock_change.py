"""Daylight saving (issue 21, finding 15): no contact at a local time that does not exist, or happens twice.

The red team had a visit placed at 02:00-02:45 on 2026-03-08 in America/Chicago, when the clocks jump
from 02:00 to 03:00. The tiny organisation here works Sundays through the night, so the only slots are
around the change.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from models.check import check_plan
from models.loader import load_config, load_plan
from models.timeutil import TimeWindow, clock_change_windows, parse_clock
from tests.hardening.helpers import QUICK, TINY, run

NIGHT = "availability: {sun: ['01:00-04:00']},"


def night_shift_config(folder: Path, week_start: str) -> Path:
    """tiny.yaml with Ana and Fay (K-3, in person twice a week) free only on Sunday 01:00-04:00, and
    Sunday a working day from midnight on."""
    text = TINY.read_text(encoding="utf-8")
    text = text.replace("week_start: 2026-11-30", f"week_start: {week_start}")
    text = text.replace("last: 2026-11-02", "last: 2026-01-05")
    text = text.replace("{id: m-ana, name: Ana Ruiz, level: senior,",
                        "{id: m-ana, name: Ana Ruiz, level: senior, " + NIGHT)
    text = text.replace("{id: c-3, name: Fay Jones, region: south, language: es,",
                        "{id: c-3, name: Fay Jones, region: south, language: es, " + NIGHT)
    text = text.replace("  introduction: null", "  introduction: null\n  scheduling: {working_days: "
                        "[mon, tue, wed, thu, fri, sat, sun], day: {start: '00:00', end: '23:45'}, lunch: null}", 1)
    config = folder / "night.yaml"
    config.write_text(text, encoding="utf-8")
    return config


def test_the_skipped_and_the_repeated_hour_are_found() -> None:
    assert clock_change_windows(date(2026, 3, 8), "America/Chicago") == (TimeWindow(120, 180),)
    assert clock_change_windows(date(2026, 11, 1), "America/Chicago") == (TimeWindow(60, 120),)
    assert clock_change_windows(date(2026, 3, 9), "America/Chicago") == ()
    assert clock_change_windows(date(2026, 3, 29), "Europe/London") == (TimeWindow(60, 120),)
    assert clock_change_windows(date(2026, 3, 8), "UTC") == ()


def test_no_visit_is_placed_in_the_hour_the_clocks_skip(tmp_path: Path) -> None:
    config_path = night_shift_config(tmp_path, "2026-03-02")
    result = run("plan", str(config_path), "-o", str(tmp_path / "out"), *QUICK)
    assert result.exit_code == 0, result.output
    plan = load_plan(tmp_path / "out" / "plan.json")
    sunday = [contact for contact in plan.contacts if contact.day == date(2026, 3, 8)]
    assert sunday, "the night shift still holds contacts outside the skipped hour"
    for contact in sunday:
        assert parse_clock(contact.end) <= parse_clock("02:00") or parse_clock(contact.start) >= parse_clock("03:00")


def test_no_visit_is_placed_in_the_hour_the_clocks_repeat(tmp_path: Path) -> None:
    config_path = night_shift_config(tmp_path, "2026-10-26")
    result = run("plan", str(config_path), "-o", str(tmp_path / "out"), *QUICK)
    assert result.exit_code == 0, result.output
    plan = load_plan(tmp_path / "out" / "plan.json")
    for contact in plan.contacts:
        if contact.day == date(2026, 11, 1):
            start, end = parse_clock(contact.start), parse_clock(contact.end)
            assert end <= parse_clock("01:00") or start >= parse_clock("02:00")


def test_the_checker_rejects_a_visit_moved_into_the_skipped_hour(tmp_path: Path) -> None:
    config_path = night_shift_config(tmp_path, "2026-03-02")
    assert run("plan", str(config_path), "-o", str(tmp_path / "out"), *QUICK).exit_code == 0
    config, plan = load_config(config_path), load_plan(tmp_path / "out" / "plan.json")
    assert check_plan(config, plan) == []
    visit = next(contact for contact in plan.contacts if contact.case_id == "K-3")
    moved = visit.model_copy(update={"day": date(2026, 3, 8), "start": "02:15", "end": "03:00"})
    edited = plan.model_copy(update={"contacts": [moved if contact is visit else contact
                                                  for contact in plan.contacts]})
    codes = {violation.rule for violation in check_plan(config, edited)}
    assert "clock_change" in codes
