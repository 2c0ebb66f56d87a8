"""Rolling a week forward (models/roll.py): one hand-checkable rule per test, on tests/data/tiny.yaml and
plans built by hand, so every expected date can be read off the test.

tiny.yaml's week is Monday 2026-11-30 to Sunday 2026-12-06. Its contacts: K-1 an in-person visit,
monthly, last 2026-11-02 (so due Wednesday 2026-12-02); K-2 a weekly phone call (no last); K-3 an
in-person visit 2/week (no last); K-4 (locked to m-cy) and K-5 none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path

import pytest

from export.apply import changed_files
from models.changes import MonthCount
from models.loader import load_config
from models.organisation import Config
from models.plan import Plan, ScheduledContact, UnscheduledContact
from models.problems import ConfigError
from models.roll import Actual, plan_problems, read_actuals, roll_forward
from tests.conftest import DATA
from tests.models.test_check import plan_for

MON, TUE, WED, THU = date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3)
NEXT_MONDAY = date(2026, 12, 7)
# The current assignment of tiny.yaml, unchanged: K-3 is intake and stays unassigned.
AS_IS: dict[str, str | None] = {"K-1": "m-ana", "K-2": "m-ben", "K-3": None, "K-4": "m-cy", "K-5": "m-cy"}


def contact(case_id: str, day: date, mode: str, manager_id: str = "m-ana", requirement: int = 0,
            occurrence: int = 0) -> ScheduledContact:
    client = {"K-1": "c-1", "K-2": "c-2", "K-3": "c-3", "K-4": "c-4", "K-5": "c-4"}[case_id]
    return ScheduledContact(case_id=case_id, client_id=client, manager_id=manager_id, requirement_index=requirement,
                            occurrence=occurrence, mode=mode, day=day, start="09:00", end="10:00", minutes=60)


def missed_visit_of_k1() -> UnscheduledContact:
    return UnscheduledContact(case_id="K-1", client_id="c-1", manager_id="m-ana", requirement_index=0, occurrence=0,
                              mode="in_person", minutes=60, rule="day_capacity_full", reason="no slot left")


def week(config: Config, contacts: Iterable[ScheduledContact], chosen: Mapping[str, str | None] = AS_IS,
         unscheduled: Iterable[UnscheduledContact] = ()) -> Plan:
    return plan_for(config, chosen, contacts, unscheduled)


def actual(case_id: str, day: date, mode: str, status: str, requirement: int | None = None) -> Actual:
    return Actual(case_id, day, mode, status, requirement)


# --- the rules -------------------------------------------------------------------------------------


def test_a_weekly_call_scheduled_wednesday_is_its_last_and_the_week_moves_on(tiny_config: Config) -> None:
    rolled = roll_forward(tiny_config, week(tiny_config, [contact("K-2", WED, "phone", "m-ben")]))
    assert rolled.changes.week_start == NEXT_MONDAY
    assert rolled.changes.last == {("K-2", 0): WED}
    assert (rolled.contacts_done, rolled.contacts_missed, rolled.contacts_unscheduled) == (1, 0, 0)


def test_the_latest_of_several_contacts_of_a_requirement_is_its_last(tiny_config: Config) -> None:
    # K-3 is due twice (2/week): Monday and Thursday; the later one counts.
    contacts = [contact("K-3", THU, "in_person", occurrence=1), contact("K-3", MON, "in_person")]
    rolled = roll_forward(tiny_config, week(tiny_config, contacts, {**AS_IS, "K-3": "m-ana"}))
    assert rolled.changes.last == {("K-3", 0): THU}


def test_an_unscheduled_monthly_visit_keeps_its_last(tiny_config: Config) -> None:
    # K-1's visit (last 2026-11-02) could not be placed: it keeps 2026-11-02, so next week it is overdue
    # (due 2026-12-02, before Monday 2026-12-07; tests/test_cli_roll.py loads the written config).
    plan = week(tiny_config, [contact("K-2", WED, "phone", "m-ben")], unscheduled=[missed_visit_of_k1()])
    rolled = roll_forward(tiny_config, plan)
    assert ("K-1", 0) not in rolled.changes.last
    assert rolled.contacts_unscheduled == 1


def test_an_actuals_row_marked_missed_overrides_planned_equals_done(tiny_config: Config) -> None:
    plan = week(tiny_config, [contact("K-1", TUE, "in_person"), contact("K-2", WED, "phone", "m-ben")])
    rolled = roll_forward(tiny_config, plan, [actual("K-1", TUE, "in_person", "missed")])
    assert rolled.changes.last == {("K-2", 0): WED}
    assert (rolled.contacts_done, rolled.contacts_missed) == (1, 1)


def test_a_cancelled_contact_is_carried_forward_too(tiny_config: Config) -> None:
    plan = week(tiny_config, [contact("K-1", TUE, "in_person")])
    rolled = roll_forward(tiny_config, plan, [actual("K-1", TUE, "in_person", "cancelled")])
    assert rolled.changes.last == {}
    assert rolled.contacts_missed == 1


def test_an_actuals_row_for_another_mode_or_day_leaves_the_scheduled_contact_done(tiny_config: Config) -> None:
    plan = week(tiny_config, [contact("K-1", TUE, "in_person")])
    rolled = roll_forward(tiny_config, plan, [actual("K-1", WED, "in_person", "missed")])
    assert rolled.changes.last == {("K-1", 0): TUE}


def test_a_contact_done_that_the_plan_did_not_have_counts(tiny_config: Config) -> None:
    # The visit could not be planned, but the worker made it on Thursday.
    plan = week(tiny_config, [contact("K-2", WED, "phone", "m-ben")], unscheduled=[missed_visit_of_k1()])
    rolled = roll_forward(tiny_config, plan, [actual("K-1", THU, "in_person", "done")])
    assert rolled.changes.last == {("K-1", 0): THU, ("K-2", 0): WED}
    assert rolled.contacts_done == 2


def test_a_last_date_never_moves_back(tiny_config: Config) -> None:
    data = tiny_config.model_dump()
    data["cases"][0]["contacts"][0]["last"] = THU  # already recorded on Thursday of this week
    config = Config.model_validate(data)
    rolled = roll_forward(config, week(config, [contact("K-1", TUE, "in_person")]))
    assert rolled.changes.last == {}


def test_a_moved_case_gets_its_new_manager_and_intake_its_first(tiny_config: Config) -> None:
    chosen = {**AS_IS, "K-2": "m-ana", "K-3": "m-ana"}
    rolled = roll_forward(tiny_config, week(tiny_config, [contact("K-2", WED, "phone")], chosen))
    assert rolled.changes.managers == {"K-2": "m-ana", "K-3": "m-ana"}
    assert rolled.managers_changed == 2


def test_a_case_the_plan_left_unassigned_gets_no_manager_but_a_locked_one_keeps_its_own(tiny_config: Config
                                                                                        ) -> None:
    chosen = {**AS_IS, "K-4": None, "K-5": None}
    rolled = roll_forward(tiny_config, week(tiny_config, [contact("K-2", WED, "phone", "m-ben")], chosen))
    assert rolled.changes.managers == {"K-5": None}


def test_leave_before_the_new_week_is_dropped(tiny_config: Config) -> None:
    data = tiny_config.model_dump()
    data["managers"][0]["leave"] = [date(2026, 12, 4), date(2026, 12, 8)]
    config = Config.model_validate(data)
    rolled = roll_forward(config, week(config, [contact("K-2", WED, "phone", "m-ben")]))
    assert rolled.changes.leave == {"m-ana": (date(2026, 12, 8),)}
    assert rolled.leave_days_dropped == 1


# --- the actuals file ------------------------------------------------------------------------------

HEADER = "case,date,mode,status,requirement\n"


def read(tmp_path: Path, config: Config, text: str, plan: Plan | None = None) -> list[Actual]:
    path = tmp_path / "actuals.csv"
    path.write_text(text, encoding="utf-8")
    return read_actuals(path, config, plan or week(config, [contact("K-1", TUE, "in_person")]))


def test_actuals_rows_are_read_with_their_lines(tmp_path: Path, tiny_config: Config) -> None:
    rows = read(tmp_path, tiny_config, "Case, Date ,MODE,Status\nK-1,2026-12-01,in_person,Missed\n\n"
                                       "K-2,2026-12-02,phone,done\n")
    assert [(row.case_id, row.day, row.mode, row.status, row.requirement_index, row.line) for row in rows] == [
        ("K-1", TUE, "in_person", "missed", None, 2), ("K-2", WED, "phone", "done", None, 4)]


@pytest.mark.parametrize(("text", "expected"), [
    # a case id with a typo
    (HEADER + "K-9,2026-12-01,in_person,done,\n",
     "2: case: unknown case 'K-9'; did you mean 'K-5'? cases are K-1, K-2, K-3, K-4, K-5"),
    # a status the file cannot mean
    (HEADER + "K-1,2026-12-01,in_person,skipped,\n",
     "2: status: unknown status 'skipped'; statuses are done, missed, cancelled"),
    # last week's row: actuals are read for the planned week only
    (HEADER + "K-1,2026-11-27,in_person,done,\n",
     "2: date: 2026-11-27 is outside the planned week (2026-11-30 to 2026-12-06); roll one week at a time"),
    # not a date
    (HEADER + "K-1,1/12/2026,in_person,done,\n", "2: date: '1/12/2026' is not a date; write YYYY-MM-DD"),
    # a mode with a typo
    (HEADER + "K-1,2026-12-01,inperson,done,\n",
     "2: mode: unknown mode 'inperson'; did you mean 'in_person'? modes are in_person, phone, video"),
    # a mode the case has no requirement of
    (HEADER + "K-1,2026-12-01,phone,done,\n",
     "2: mode: case K-1 has no phone contact requirement (its contacts: in_person)"),
    # a requirement the case does not have
    (HEADER + "K-1,2026-12-01,in_person,done,1\n",
     "2: requirement: case K-1 has 1 contact requirement(s), numbered from 0"),
    # a requirement that is not a number
    (HEADER + "K-1,2026-12-01,in_person,done,first\n",
     "2: requirement: 'first' is not a requirement number (0 for the case's first contact requirement)"),
    # an empty status cell
    (HEADER + "K-1,2026-12-01,in_person,,\n", "2: status: required, but the cell is empty"),
    # a misspelt column
    ("case,date,mode,stauts\nK-1,2026-12-01,in_person,done\n",
     "1: stauts: unknown column 'stauts'; did you mean 'status'? actuals columns are case, date, mode, status, "
     "requirement"),
])
def test_bad_actuals_rows_are_located(tmp_path: Path, tiny_config: Config, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        read(tmp_path, tiny_config, text)
    assert str(caught.value.problems[0]) == f"{tmp_path / 'actuals.csv'}:{expected}"


def test_every_bad_row_is_listed_at_once(tmp_path: Path, tiny_config: Config) -> None:
    text = HEADER + "K-9,2026-12-01,in_person,done,\nK-1,2026-12-01,in_person,done,\nK-1,2026-12-09,in_person,x,\n"
    with pytest.raises(ConfigError) as caught:
        read(tmp_path, tiny_config, text)
    assert [(problem.line, problem.field) for problem in caught.value.problems] == [
        (2, "case"), (4, "status"), (4, "date")]


def test_a_done_row_the_plan_cannot_place_must_name_its_requirement(tmp_path: Path, tiny_config: Config) -> None:
    data = tiny_config.model_dump()
    data["cases"][1]["contacts"].append({"mode": "phone", "minutes": 30, "frequency": "monthly"})
    config = Config.model_validate(data)
    with pytest.raises(ConfigError) as caught:
        read(tmp_path, config, HEADER + "K-2,2026-12-03,phone,done,\n")
    assert [str(problem) for problem in caught.value.problems] == [
        f"{tmp_path / 'actuals.csv'}:2: requirement: case K-2 has 2 phone contact requirements (0, 1) and the plan "
        "has no phone contact of it on 2026-12-03 to say which; give the requirement column (from 0)"]
    rows = read(tmp_path, config, HEADER + "K-2,2026-12-03,phone,done,1\n")
    assert roll_forward(config, week(config, []), rows).changes.last == {("K-2", 1): THU}


# --- does the plan belong to the config? -------------------------------------------------------------


def test_a_plan_of_the_config_has_no_problems(tiny_config: Config) -> None:
    assert plan_problems(tiny_config, week(tiny_config, [contact("K-1", TUE, "in_person")])) == []


def test_a_plan_of_another_week_is_refused_at_the_configs_week_start(tiny_config: Config) -> None:
    plan = week(tiny_config, [contact("K-1", TUE, "in_person")]).model_copy(update={"week_start": NEXT_MONDAY})
    problems = plan_problems(tiny_config, plan, config_file=Path("tests/data/tiny.yaml"), plan_file="out/plan.json")
    assert [str(problem) for problem in problems] == [
        "tests/data/tiny.yaml:2:13: week_start: the config's week starts 2026-11-30 but the plan out/plan.json is of "
        "the week of 2026-12-07; roll the plan with the config it was made from"]


def test_a_plan_of_another_organisation_is_refused(tiny_config: Config) -> None:
    plan = week(tiny_config, [contact("K-1", TUE, "in_person")])
    data = tiny_config.model_dump()
    data["cases"] = [case for case in data["cases"] if case["id"] != "K-5"]
    data["managers"] = [manager for manager in data["managers"] if manager["id"] != "m-ben"]
    data["cases"][1]["manager"] = None
    smaller = Config.model_validate(data)
    messages = [problem.message for problem in plan_problems(smaller, plan)]
    assert messages == [
        "1 manager of the plan is not in the config (m-ben); is this the plan of another organisation?",
        "1 case of the plan is not in the config (K-5); is this the plan of another organisation?",
    ]


def test_a_plan_without_a_schedule_is_refused(tiny_config: Config) -> None:
    problems = plan_problems(tiny_config, week(tiny_config, []))
    assert [problem.field for problem in problems] == [""]
    assert "the plan has no schedule" in problems[0].message


# --- calendar-month compliance: the month's visit counts (tests/data/month_end.yaml) ----------------------


def _month_end() -> Config:
    return load_config(DATA / "month_end.yaml")


def _visit(case_id: str, day: date) -> ScheduledContact:
    return ScheduledContact(case_id=case_id, client_id=f"c-{case_id[-1].lower()}", manager_id="m-ana",
                            requirement_index=0, occurrence=0, mode="in_person", day=day, start="09:00", end="10:00",
                            minutes=60)


def test_visits_in_next_weeks_month_start_its_count_and_a_month_that_ended_writes_none() -> None:
    """Next week starts 2026-12-07: K-F's visit on 2 December starts December's count (at school: none in
    residence), K-G's on the 4th too (its November count is of another month); K-B's on 30 November counts for
    a month that is over."""
    config = _month_end()
    plan = plan_for(config, {case.id: case.manager for case in config.cases},
                    [_visit("K-B", MON), _visit("K-F", WED), _visit("K-G", date(2026, 12, 4))])
    changes = roll_forward(config, plan).changes
    assert changes.month_counts == {("K-F", 0): MonthCount("2026-12", 1, 0), ("K-G", 0): MonthCount("2026-12", 1, 1)}


def test_a_visit_within_the_month_adds_to_its_count() -> None:
    """The week of 16 November: K-G had 2 visits counted in November, K-A one (its `last`, 10 November, with no
    count written); a visit each on the 17th and 18th makes 3 and 2, all at home."""
    config = _month_end().rebuilt(week_start=date(2026, 11, 16))
    plan = plan_for(config, {case.id: case.manager for case in config.cases},
                    [_visit("K-G", date(2026, 11, 17)), _visit("K-A", date(2026, 11, 18))])
    changes = roll_forward(config, plan).changes
    assert changes.month_counts == {("K-A", 0): MonthCount("2026-11", 2, 2), ("K-G", 0): MonthCount("2026-11", 3, 3)}


def test_no_counts_without_compliance() -> None:
    config = _month_end()
    off = config.rebuilt(policy=config.policy.model_copy(update={"compliance": None}))
    plan = plan_for(off, {case.id: case.manager for case in off.cases}, [_visit("K-F", WED)])
    assert roll_forward(off, plan).changes.month_counts == {}


def test_the_counts_are_written_into_next_weeks_yaml_and_read_back(tmp_path: Path) -> None:
    config = _month_end()
    plan = plan_for(config, {case.id: case.manager for case in config.cases},
                    [_visit("K-F", WED), _visit("K-G", date(2026, 12, 4))])
    output = tmp_path / "next.yaml"
    output.write_text(changed_files(DATA / "month_end.yaml", roll_forward(config, plan).changes, output)[output],
                      encoding="utf-8")
    requirements = {case.id: case.contacts[0] for case in load_config(output).cases}
    assert [(requirements[case].month, requirements[case].month_visits, requirements[case].month_in_residence,
             requirements[case].last) for case in ("K-F", "K-G")] == [
        ("2026-12", 1, 0, WED), ("2026-12", 1, 1, date(2026, 12, 4))]
