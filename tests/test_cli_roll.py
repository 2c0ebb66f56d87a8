"""`caseload roll` end to end: next week's config from this week's plan, comments kept; located errors
(exit 1, nothing written); the round trip on the child-welfare example.

The tiny cases use tests/data/tiny.yaml and a plan built by hand (tests/models/test_roll.py explains
its dates); the example runs `caseload plan` first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli import main
from models.loader import load_config, load_plan
from models.organisation import Config, DueContact
from models.plan import Plan, ScheduledContact, UnscheduledContact
from scheduler.core.options import SolveOptions
from scheduler.pipeline import plan_week
from tests.conftest import DATA
from tests.models.test_roll import AS_IS, TUE, WED, contact, missed_visit_of_k1, week

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "configs" / "child-welfare.yaml"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def plan_dir(tmp_path: Path, plan: Plan) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "plan.json").write_text(plan.model_dump_json(indent=2))
    return folder


def checked_week(config: Config, contacts: Iterable[ScheduledContact], chosen: Mapping[str, str | None] = AS_IS,
                 unscheduled: Iterable[UnscheduledContact] = ()) -> Plan:
    """`week(...)` made whole, so that it passes `caseload check` as roll requires: each contact with its
    requirement's minutes and due day, and the due contacts of unassigned cases listed unscheduled."""
    due = {(item.case_id, item.requirement_index, item.occurrence): item
           for case in config.cases for item in config.due_contacts(case)}
    whole = []
    for item in contacts:
        expected = due[(item.case_id, item.requirement_index, item.occurrence)]
        end = datetime.combine(item.day, time.fromisoformat(item.start)) + timedelta(minutes=expected.minutes)
        whole.append(item.model_copy(update={"minutes": expected.minutes, "end": end.strftime("%H:%M"),
                                             "due": expected.due}))
    orphans = [UnscheduledContact(case_id=item.case_id, client_id=config.cases_by_id[item.case_id].client,
                                  manager_id=None, requirement_index=item.requirement_index,
                                  occurrence=item.occurrence, mode=item.mode, minutes=item.minutes,
                                  rule="case_unassigned", reason="the case has no manager")
               for key, item in due.items() if chosen.get(item.case_id, "") is None]
    return week(config, whole, chosen, [*unscheduled, *orphans])


@pytest.fixture
def tiny_yaml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/data/tiny.yaml with Ana at half time (3 points), so that K-3, whom only she may carry, is truly
    left unassigned for capacity_exhausted in the hand-made plans: roll takes only a plan check passes."""
    path = tmp_path_factory.mktemp("tiny") / "tiny.yaml"
    path.write_text((DATA / "tiny.yaml").read_text().replace("level: senior, region: north,",
                                                             "level: senior, fte: 0.5, region: north,"))
    return path


@pytest.fixture
def tiny_config(tiny_yaml: Path) -> Config:
    return load_config(tiny_yaml)


@pytest.fixture
def tiny_week(tmp_path: Path, tiny_config: Config) -> Path:
    """The week of tiny.yaml: K-2's weekly call on Wednesday (with m-ana, who now holds it), K-1's monthly
    visit left unscheduled."""
    chosen = {**AS_IS, "K-2": "m-ana"}
    return plan_dir(tmp_path, checked_week(tiny_config, [contact("K-2", WED, "phone")], chosen,
                                           unscheduled=[missed_visit_of_k1()]))


def test_roll_writes_next_weeks_config(tiny_yaml: Path, tmp_path: Path, tiny_week: Path) -> None:
    output = tmp_path / "next.yaml"
    result = run("roll", str(tiny_yaml), str(tiny_week), "-o", str(output))
    assert result.exit_code == 0, result.output
    # Not scheduled: K-1's visit, and K-3's two visits (K-3 is unassigned intake: case_unassigned).
    assert result.output == (f"rolled to the week of 2026-12-07: 1 contact(s) done, 3 carried forward (0 missed or "
                             f"cancelled, 3 not scheduled), 1 case(s) with another manager, 0 leave day(s) dropped; "
                             f"wrote {output}\n")
    text = output.read_text()
    assert text.startswith("# A hand-checkable organisation: three managers, five cases.\nweek_start: 2026-12-07\n")
    assert "      - {mode: phone, minutes: 15, frequency: weekly, last: 2026-12-02}\n" in text
    config = load_config(output)
    assert config.week_start == date(2026, 12, 7)
    assert config.cases_by_id["K-2"].contacts[0].last == date(2026, 12, 2)
    assert config.cases_by_id["K-2"].manager == "m-ana"
    # K-1's visit was missed: last stays 2026-11-02, so it fell due 2026-12-02 and is overdue next week
    # (due at once, on its Monday).
    assert config.cases_by_id["K-1"].contacts[0].last == date(2026, 11, 2)
    assert config.due_contacts(config.cases_by_id["K-1"]) == [
        DueContact("K-1", 0, 0, "in_person", 60, date(2026, 12, 7), overdue=True)]


def test_an_actuals_row_marked_missed_keeps_the_old_last(tiny_yaml: Path, tmp_path: Path, tiny_config: Config) -> None:
    folder = plan_dir(tmp_path, checked_week(tiny_config, [contact("K-1", TUE, "in_person"),
                                                           contact("K-2", WED, "phone", "m-ben")]))
    actuals = tmp_path / "actuals.csv"
    actuals.write_text("case,date,mode,status\nK-1,2026-12-01,in_person,missed\n")
    output = tmp_path / "next.yaml"
    result = run("roll", str(tiny_yaml), str(folder), "-o", str(output), "--actuals", str(actuals))
    assert result.exit_code == 0, result.output
    # K-1's visit missed; K-3's two visits not scheduled (unassigned intake).
    assert "3 carried forward (1 missed or cancelled, 2 not scheduled)" in result.output
    assert load_config(output).cases_by_id["K-1"].contacts[0].last == date(2026, 11, 2)


def test_plan_json_itself_may_be_given(tiny_yaml: Path, tmp_path: Path, tiny_week: Path) -> None:
    result = run("roll", str(tiny_yaml), str(tiny_week / "plan.json"), "-o", str(tmp_path / "next.yaml"))
    assert result.exit_code == 0, result.output


def refused(result: Result, output: Path, first_line: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[0] == first_line
    assert result.output.splitlines()[-1].endswith("nothing was written.")
    assert not output.exists()


def test_an_actuals_row_naming_an_unknown_case_is_located(tiny_yaml: Path, tmp_path: Path, tiny_week: Path) -> None:
    actuals = tmp_path / "actuals.csv"
    actuals.write_text("case,date,mode,status\nK-2,2026-12-02,phone,done\nK-22,2026-12-02,phone,done\n")
    output = tmp_path / "next.yaml"
    refused(run("roll", str(tiny_yaml), str(tiny_week), "-o", str(output), "--actuals", str(actuals)),
            output, f"{actuals}:3: case: unknown case 'K-22'; did you mean 'K-2'? cases are K-1, K-2, K-3, K-4, K-5")


def test_an_actuals_row_outside_the_week_is_located(tiny_yaml: Path, tmp_path: Path, tiny_week: Path) -> None:
    actuals = tmp_path / "actuals.csv"
    actuals.write_text("case,date,mode,status\nK-2,2026-12-09,phone,done\n")
    output = tmp_path / "next.yaml"
    refused(run("roll", str(tiny_yaml), str(tiny_week), "-o", str(output), "--actuals", str(actuals)),
            output, f"{actuals}:2: date: 2026-12-09 is outside the planned week (2026-11-30 to 2026-12-06); roll one "
                    "week at a time")


def test_a_plan_of_another_organisation_is_refused(tmp_path: Path, tiny_week: Path) -> None:
    # The example office has the same week but none of tiny.yaml's managers or cases.
    output = tmp_path / "next.yaml"
    plan_json = tiny_week / "plan.json"
    result = run("roll", str(EXAMPLE), str(tiny_week), "-o", str(output))
    assert result.exit_code == 1
    *lines, last = result.output.splitlines()
    assert last == "2 problems found; nothing was written."
    assert [line.split(": ", 1)[1] for line in lines] == [
        "managers[0].manager_id: 3 managers of the plan are not in the config (m-ana, m-ben, m-cy); is this the "
        "plan of another organisation?",
        "assignments[0].case_id: 5 cases of the plan are not in the config (K-1, K-2, K-3, K-4, K-5); is this the "
        "plan of another organisation?",
    ]
    # Each problem points at the object it names in plan.json: its opening brace, the id on the next line.
    plan_lines = plan_json.read_text().splitlines()
    for line, first_id in zip(lines, ('"manager_id": "m-ana"', '"case_id": "K-1"'), strict=True):
        file, number, column = line.split(": ", 1)[0].rsplit(":", 2)
        assert file == str(plan_json)
        assert plan_lines[int(number) - 1][int(column) - 1] == "{"
        assert first_id in plan_lines[int(number)]
    assert not output.exists()


def test_a_config_of_another_week_is_refused_at_its_week_start(tmp_path: Path, tiny_week: Path) -> None:
    config = tmp_path / "later.yaml"
    config.write_text((DATA / "tiny.yaml").read_text().replace("week_start: 2026-11-30", "week_start: 2026-12-07"))
    output = tmp_path / "next.yaml"
    refused(run("roll", str(config), str(tiny_week), "-o", str(output)), output,
            f"{config}:2:13: week_start: the config's week starts 2026-12-07 but the plan {tiny_week / 'plan.json'} "
            "is of the week of 2026-11-30; roll the plan with the config it was made from")


def test_an_existing_output_is_replaced_only_with_force(tiny_yaml: Path, tmp_path: Path, tiny_week: Path) -> None:
    output = tmp_path / "next.yaml"
    output.write_text("last week's\n")
    result = run("roll", str(tiny_yaml), str(tiny_week), "-o", str(output))
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (f"{output}: next.yaml already exists; choose another -o, or pass --force "
                                             "to overwrite it")
    assert output.read_text() == "last week's\n"
    forced = run("roll", str(tiny_yaml), str(tiny_week), "-o", str(output), "--force")
    assert forced.exit_code == 0, forced.output
    assert load_config(output).week_start == date(2026, 12, 7)


def test_the_input_is_never_overwritten(tmp_path: Path, tiny_week: Path) -> None:
    config = tmp_path / "tiny.yaml"
    config.write_text((DATA / "tiny.yaml").read_text())
    result = run("roll", str(config), str(tiny_week), "-o", str(config), "--force")
    assert result.exit_code == 1
    assert config.read_text() == (DATA / "tiny.yaml").read_text()


# --- the example, planned, rolled and planned again -------------------------------------------------------


def overdue_contacts(config: Config, plan: Plan) -> int:
    """Contacts of the plan's week that were overdue when it began: scheduled (flagged) or not."""
    due: dict[tuple[str, int, int], DueContact] = {
        (item.case_id, item.requirement_index, item.occurrence): item
        for case in config.cases for item in config.due_contacts(case)}
    unscheduled: Iterable[bool] = (due[(item.case_id, item.requirement_index, item.occurrence)].overdue
                                   for item in plan.unscheduled
                                   if item.case_id in config.cases_by_id and not item.introduction)
    return sum(item.overdue for item in plan.contacts) + sum(unscheduled)


@pytest.mark.slow
def test_the_example_rolls_to_a_valid_config_with_fewer_overdue_contacts_than_moving_the_week(tmp_path: Path
                                                                                              ) -> None:
    planned = run("plan", str(EXAMPLE), "-o", str(tmp_path / "week1"), "--time-limit", "5", "--quiet")
    assert planned.exit_code == 0, planned.output
    rolled = tmp_path / "week2.yaml"
    result = run("roll", str(EXAMPLE), str(tmp_path / "week1"), "-o", str(rolled))
    assert result.exit_code == 0, result.output
    validated = run("validate", str(rolled))
    assert validated.exit_code == 0, validated.output
    assert "# caseload example: a small child-welfare office" in rolled.read_text()
    week1 = load_plan(tmp_path / "week1" / "plan.json")
    next_config = load_config(rolled)
    for assignment in week1.assignments:  # every case with the manager the plan gave it
        assert next_config.cases_by_id[assignment.case_id].manager == assignment.manager_id
    shifted = tmp_path / "shifted.yaml"  # what a user does without roll: change week_start alone
    shifted.write_text(EXAMPLE.read_text().replace("week_start: 2026-11-30", "week_start: 2026-12-07", 1))
    shifted_config = load_config(shifted)
    options = SolveOptions(time_limit_s=5, workers=1, seed=0)
    after_roll, after_shift = (plan_week(config, options).plan for config in (next_config, shifted_config))
    assert after_roll is not None and after_shift is not None
    # Measured (2026-12-02, seed 0, 5 s): 1 overdue contact after roll against 120 when only week_start
    # changes (119 scheduled late, 1 not); 4 with introductions; 5 since balancing counts contact slots
    # and drives per worker (2026-12-06). After a roll, a contact is overdue only because week 1 left it
    # out: the roll carried every contact week 1 placed into `last`.
    assert overdue_contacts(next_config, after_roll) < overdue_contacts(shifted_config, after_shift)
    left_out = {item.case_id for item in week1.unscheduled}
    overdue = {item.case_id for item in after_roll.contacts if item.overdue}
    overdue |= {item.case_id for item in after_roll.unscheduled if item.case_id in next_config.cases_by_id
                and not item.introduction and any(due.overdue for due in next_config.due_contacts(
                    next_config.cases_by_id[item.case_id]))}
    assert overdue <= left_out, sorted(overdue - left_out)
