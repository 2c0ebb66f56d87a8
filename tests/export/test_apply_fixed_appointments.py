"""Rolling a config with blocked time and appointments (export/apply.py, models/roll.py): they belong to the
week that ends, so next week's config has none of them, and everything else stays as written."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from export.apply import changed_files
from models.loader import load_config
from models.organisation import Appointment
from models.roll import roll_forward
from models.validation import find_problems
from tests.conftest import DATA
from tests.models.test_check import plan_for

BLOCKS = """    blocked:   # court this week
      - {day: 2026-12-01, start: "09:00", end: "11:00", reason: court}
      - day: 2026-12-03
        start: "14:00"
        end: "15:00"
"""


def test_roll_takes_this_weeks_blocked_time_and_appointments_out(tmp_path: Path) -> None:
    text = (DATA / "tiny.yaml").read_text(encoding="utf-8")
    ana = ("  - {id: m-ana, name: Ana Ruiz, level: senior, region: north, languages: [en, es], "
           "skills: [investigations]}\n")
    call = "      - {mode: phone, minutes: 15, frequency: weekly}\n"
    assert ana in text and call in text
    text = text.replace(ana, "  - id: m-ana\n    name: Ana Ruiz\n    level: senior\n    region: north\n"
                             "    languages: [en, es]\n    skills: [investigations]\n" + BLOCKS)
    text = text.replace(call, call + '    appointments: [{contact: 0, day: 2026-12-02, start: "10:00"}]  # agreed\n')
    source = tmp_path / "org.yaml"
    source.write_text(text, encoding="utf-8")
    config = load_config(source)
    assert len(config.managers_by_id["m-ana"].blocked) == 2 and len(config.cases_by_id["K-2"].appointments) == 1
    chosen = {case.id: case.manager for case in config.cases}
    rolled = roll_forward(config, plan_for(config, chosen))
    assert rolled.changes.blocked_cleared == {"m-ana"} and rolled.changes.appointments_kept == {"K-2": ()}
    assert (rolled.appointments_dropped, rolled.appointments_carried) == (1, 0)
    output = tmp_path / "next.yaml"
    written = changed_files(source, rolled.changes, output)[output]
    assert "    blocked: []   # court this week\n" in written
    assert "    appointments: []  # agreed\n" in written
    assert "court\n" not in written.replace("# court this week", "")
    output.write_text(written, encoding="utf-8")
    following = load_config(output)
    assert following.managers_by_id["m-ana"].blocked == [] and following.cases_by_id["K-2"].appointments == []


def test_roll_keeps_a_later_weeks_appointment_and_drops_this_weeks(tmp_path: Path) -> None:
    """K-2's call is agreed for Wednesday this week and for Wednesday next week (validation accepts a later
    week's appointment; it fixes nothing this week): next week's config keeps only the second, and it then
    fixes next week's call."""
    text = (DATA / "tiny.yaml").read_text(encoding="utf-8")
    call = "      - {mode: phone, minutes: 15, frequency: weekly}\n"
    text = text.replace(call, call + "    appointments:\n"
                                     '      - {contact: 0, day: 2026-12-02, start: "10:00"}\n'
                                     '      - {contact: 0, day: 2026-12-09, start: "11:30"}   # next week\n')
    source = tmp_path / "org.yaml"
    source.write_text(text, encoding="utf-8")
    config = load_config(source)
    k2 = config.cases_by_id["K-2"]
    assert [item.day.isoformat() for item in k2.appointments] == ["2026-12-02", "2026-12-09"]
    (due,) = config.due_contacts(k2)
    assert config.appointment_of(k2, due) == k2.appointments[0]  # this week's; next week's waits
    rolled = roll_forward(config, plan_for(config, {case.id: case.manager for case in config.cases}))
    assert rolled.changes.appointments_kept == {"K-2": (k2.appointments[1],)}
    assert (rolled.appointments_dropped, rolled.appointments_carried) == (1, 1)
    output = tmp_path / "next.yaml"
    written = changed_files(source, rolled.changes, output)[output]
    assert '    appointments: [{contact: 0, day: 2026-12-09, start: "11:30"}]\n' in written
    output.write_text(written, encoding="utf-8")
    following = load_config(output).rebuilt(week_start=date(2026, 12, 7))
    k2_next = following.cases_by_id["K-2"]
    (due_next,) = following.due_contacts(k2_next)
    assert following.appointment_of(k2_next, due_next) == k2.appointments[1]


def test_an_appointment_before_the_week_is_refused_and_one_after_it_is_not() -> None:
    config = load_config(DATA / "tiny.yaml")

    def with_appointment(day: str) -> list[str]:
        case = config.cases_by_id["K-2"].model_copy(update={"appointments": [
            Appointment(contact=0, day=date.fromisoformat(day), start="10:00")]})
        changed = config.rebuilt(cases=[case if item.id == "K-2" else item for item in config.cases])
        return [f"{problem.dotted_path}: {problem.message}" for problem in find_problems(changed)]

    assert with_appointment("2026-12-09") == []
    assert with_appointment("2026-11-27") == [
        "cases[1].appointments[0].day: 2026-11-27 is before the planning week (2026-11-30 to 2026-12-06): take a "
        "past appointment out"]


def test_a_later_weeks_appointment_leaves_this_weeks_schedule_free_and_the_checker_agrees() -> None:
    from models.check import check_plan
    from scheduler.core.options import SolveOptions
    from scheduler.pipeline import schedule_current_assignment

    config = load_config(DATA / "month_end.yaml")
    later = Appointment(contact=0, day=date(2026, 12, 8), start="16:00")
    cases = [case.model_copy(update={"appointments": [later]}) if case.id == "K-B" else case for case in config.cases]
    config = config.rebuilt(cases=cases)
    assert find_problems(config) == []
    plan = schedule_current_assignment(config, SolveOptions(time_limit_s=5, workers=1, seed=0)).plan
    assert plan is not None and check_plan(config, plan) == []
    (visit,) = [item for item in plan.contacts if item.case_id == "K-B"]
    assert (visit.day, visit.late_rule) == (date(2026, 11, 30), "")  # due Monday, placed Monday, no appointment
