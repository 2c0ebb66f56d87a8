"""models/loader.py: YAML and CSV into a Config, every problem located."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from models import loader
from models.loader import (
    CSV_COLUMNS,
    MAX_DEPTH,
    SourceMap,
    UnreadableInput,
    load_config,
    load_plan,
    parse_yaml,
    read_csv_rows,
)
from models.organisation import Case, Client, Manager
from models.problems import ConfigError, LocatedProblem
from models.timeutil import TimeWindow

DATA = Path(__file__).parent.parent / "data"
POLICY = """week_start: 2026-11-30
policy:
  levels: [{name: junior, capacity_points: 30, max_cases: 15, max_complexity: high}]
  complexities: [{name: low, points: 1}, {name: high, points: 3}]
  case_types: {foster-care: {factor: 1.0}}
"""


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    return [str(problem) for problem in raised.value.problems]


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# --- valid inputs ---------------------------------------------------------------------------


def test_tiny_loads_with_every_value() -> None:
    config = load_config(DATA / "tiny.yaml")
    assert config.week_start == date(2026, 11, 30)
    assert [manager.id for manager in config.managers] == ["m-ana", "m-ben", "m-cy"]
    assert [case.id for case in config.cases] == ["K-1", "K-2", "K-3", "K-4", "K-5"]
    assert config.cases_by_id["K-1"].contacts[0].last == date(2026, 11, 2)
    assert config.cases_by_id["K-4"].locked is True
    assert config.managers_by_id["m-ana"].languages == ["en", "es"]


def test_csv_version_of_tiny_loads_equal_to_the_inline_one() -> None:
    inline = load_config(DATA / "tiny.yaml")
    from_csv = load_config(DATA / "tiny_csv" / "tiny.yaml")
    assert from_csv.model_dump() == inline.model_dump()


def test_loading_leaves_the_inputs_unchanged() -> None:
    folder = DATA / "tiny_csv"
    before = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(folder.iterdir())}
    load_config(folder / "tiny.yaml")
    after = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(folder.iterdir())}
    assert after == before


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    text = (DATA / "tiny.yaml").read_text(encoding="utf-8")
    config = load_config(write(tmp_path, "bom.yaml", "\ufeff".encode() + text.encode()))
    assert len(config.cases) == 5


def test_csv_cells_become_lists_windows_points_and_contacts(tmp_path: Path) -> None:
    write(tmp_path, "managers.csv",
          "ID, Name ,level,fte,lat,lon,languages,availability,leave,accepts_new_cases\n"
          'm-1,Ana,junior,0.5,41.5,-87.5,en; es ,"mon=08:30-12:00,13:00-17:00;tue=09:00-12:00",'
          "2026-12-02;2026-12-03,false\n")
    write(tmp_path, "clients.csv", "id,lat,lon\nc-1,41.9,-87.6\n")
    write(tmp_path, "cases.csv", "id,client,type,complexity,points,contacts\n"
                                 "K-1,c-1,foster-care,low,2.5,in_person:60:monthly:2026-11-05;phone:15:2/week\n")
    config = load_config(write(tmp_path, "org.yaml",
                               POLICY + "managers: managers.csv\nclients: clients.csv\ncases: cases.csv\n"))
    manager = config.managers[0]
    assert manager == Manager.model_validate({
        "id": "m-1", "name": "Ana", "level": "junior", "fte": 0.5, "base": {"lat": 41.5, "lon": -87.5},
        "languages": ["en", "es"], "leave": ["2026-12-02", "2026-12-03"], "accepts_new_cases": False,
        "availability": {"mon": ["08:30-12:00", "13:00-17:00"], "tue": ["09:00-12:00"]},
    })
    assert manager.availability == {"mon": [TimeWindow(510, 720), TimeWindow(780, 1020)],
                                    "tue": [TimeWindow(540, 720)]}
    assert config.clients[0] == Client.model_validate({"id": "c-1", "location": {"lat": 41.9, "lon": -87.6}})
    assert config.cases[0] == Case.model_validate({
        "id": "K-1", "client": "c-1", "type": "foster-care", "complexity": "low", "points": 2.5,
        "contacts": [{"mode": "in_person", "minutes": 60, "frequency": "monthly", "last": "2026-11-05"},
                     {"mode": "phone", "minutes": 15, "frequency": "2/week"}],
    })


def test_csv_columns_cover_every_model_field() -> None:
    # lat/lon are the model's nested point; everything else is one column per field
    models: dict[str, tuple[type[BaseModel], str | None]] = {
        "managers": (Manager, "base"), "clients": (Client, "location"), "cases": (Case, None),
    }
    for key, (model, point) in models.items():
        columns = set(CSV_COLUMNS[key]) - {"lat", "lon"}
        if point is not None:
            columns.add(point)
        assert columns == set(model.model_fields), key


def test_csv_rows_carry_their_starting_line(tmp_path: Path) -> None:
    # a quoted cell spanning two lines, and a blank line, still give each row its own first line
    path = write(tmp_path, "clients.csv", 'id,name\nc-1,"Dana\nSmith"\n\nc-2,Eli\n')
    rows, problems = read_csv_rows("clients", path)
    assert problems == []
    assert rows == [(2, {"id": "c-1", "name": "Dana\nSmith"}), (5, {"id": "c-2", "name": "Eli"})]


def test_csv_row_with_too_many_cells_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "clients.csv", "id,name\nc-1,Dana,extra\n")
    _, problems = read_csv_rows("clients", path)
    assert problems == [LocatedProblem(str(path), 2, None, "", "the row has 3 cells but the header names 2 columns")]


def test_csv_header_problems_are_reported_together(tmp_path: Path) -> None:
    path = write(tmp_path, "cases.csv", "id,id,clinet,type\n")
    with pytest.raises(UnreadableInput) as raised:
        read_csv_rows("cases", path)
    assert [str(problem) for problem in raised.value.problems] == [
        f"{path}:1: id: column 'id' appears twice",
        f"{path}:1: clinet: unknown column 'clinet'; did you mean 'client'? cases columns are id, client, type, "
        "complexity, opened, manager, locked, escalate, points, contacts, appointments",
        f"{path}:1: client: missing required column 'client'",
        f"{path}:1: complexity: missing required column 'complexity'",
    ]


def test_unnamed_empty_columns_are_ignored_but_not_their_values(tmp_path: Path) -> None:
    # spreadsheets export trailing columns without a name; a value under one is a mistake
    path = write(tmp_path, "clients.csv", "id,name,,\nc-1,Dana,,\nc-2,Eli,,x\n")
    rows, problems = read_csv_rows("clients", path)
    assert rows == [(2, {"id": "c-1", "name": "Dana"}), (3, {"id": "c-2", "name": "Eli"})]
    assert [str(problem) for problem in problems] == [f"{path}:3: column 4 has a value but no name in the header"]


def test_empty_csv_names_the_columns(tmp_path: Path) -> None:
    write(tmp_path, "clients.csv", "")
    assert problems_of(write(tmp_path, "org.yaml", POLICY + "clients: clients.csv\n")) == [
        f"{tmp_path}/clients.csv:1: the file is empty; the first line must name the columns "
        "(id, name, household, language, region, lat, lon, availability, phone, email, "
        "excluded_managers, preferred_manager)"
    ]


def test_oversized_csv_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_CSV_BYTES", 2 * 1024 * 1024)
    with (tmp_path / "cases.csv").open("wb") as stream:
        stream.truncate(3 * 1024 * 1024)
    assert problems_of(write(tmp_path, "org.yaml", POLICY + "cases: cases.csv\n")) == [
        f"{tmp_path}/org.yaml:6:8: cases: cases CSV file is 3 MB, larger than the 2 MB limit; split it or check "
        "that it is the right file"
    ]


def test_csv_path_that_is_a_folder_is_reported_at_its_yaml_line(tmp_path: Path) -> None:
    (tmp_path / "cases").mkdir()
    assert problems_of(write(tmp_path, "org.yaml", POLICY + "cases: cases\n")) == [
        f"{tmp_path}/org.yaml:6:8: cases: cases CSV file {tmp_path}/cases is not a file"
    ]


def test_problems_come_yaml_first_then_managers_clients_cases_csv_in_line_order(tmp_path: Path) -> None:
    write(tmp_path, "clients.csv", "id,lat\nc-1,95\nc-2,\n")
    write(tmp_path, "cases.csv", "id,client,type,complexity\nK-1,c-1,foster,low\nK-2,c-3,foster-care,low\n")
    config = write(tmp_path, "org.yaml", POLICY + "managers: [{id: m-1, level: junior, fte: 3}]\n"
                                                  "cases: cases.csv\nclients: clients.csv\n")
    assert problems_of(config) == [
        f"{config}:6:42: managers[0].fte: Input should be less than or equal to 1 (got 3)",
        f"{tmp_path}/clients.csv:2: lat: Input should be less than or equal to 90 (got '95')",
        f"{tmp_path}/clients.csv:2: lon: required, but the cell is empty",
        f"{tmp_path}/cases.csv:2: type: unknown case type 'foster'; did you mean 'foster-care'? case types are "
        "foster-care",
        f"{tmp_path}/cases.csv:3: client: unknown client 'c-3'; did you mean 'c-2'? clients are c-1, c-2",
    ]


# --- YAML positions and safety ------------------------------------------------------------------


def test_positions_are_one_based_and_point_at_values_and_keys() -> None:
    text = "a: 1\nb:\n  - {c: x, d: [1, 2]}\n  - e: y\n"
    data, source, problems = parse_yaml(text, "f.yaml")
    assert data == {"a": 1, "b": [{"c": "x", "d": [1, 2]}, {"e": "y"}]}
    assert problems == []
    assert source.positions[()] == (1, 1)
    assert source.positions[("a",)] == (1, 4)
    assert source.positions[("b", 0)] == (3, 5)
    assert source.positions[("b", 0, "d", 1)] == (3, 19)
    assert source.positions[("b", 1, "e")] == (4, 8)
    assert source.key_positions[("b", 1, "e")] == (4, 5)


def test_unknown_path_falls_back_to_the_nearest_given_parent() -> None:
    _, source, _ = parse_yaml("a:\n  b: {c: 1}\n", "f.yaml")
    assert source.locate(("a", "b", "missing"), "m") == LocatedProblem("f.yaml", 2, 6, "a.b.missing", "m")
    assert SourceMap("g.yaml").locate(("x",), "m") == LocatedProblem("g.yaml", None, None, "x", "m")


def test_keys_stay_text_and_scalars_follow_yaml() -> None:
    data, _, _ = parse_yaml("on: yes\n2026-01-01: 2026-01-02\n'q': '5'\nn: ~\nf: 1.5\n", "f.yaml")
    assert data == {"on": True, "2026-01-01": date(2026, 1, 2), "q": "5", "n": None, "f": 1.5}


def test_alias_bomb_is_refused_at_its_first_anchor(tmp_path: Path) -> None:
    lines = ['a: &a ["lol", "lol"]'] + [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}]"
                                        for i in range(20)]
    assert problems_of(write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n")) == [
        f"{tmp_path}/bomb.yaml:1:4: a: YAML anchors (&a) and aliases are not allowed; repeat the value instead"
    ]


def test_very_deep_nesting_is_refused_without_recursion_error(tmp_path: Path) -> None:
    path = write(tmp_path, "deep.yaml", "a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert problems_of(path) == [
        f"{path}:1:{4 + MAX_DEPTH - 1}: the data nests more than {MAX_DEPTH} levels deep; "
        "a caseload config needs only a few"
    ]


def test_a_list_as_a_key_is_refused(tmp_path: Path) -> None:
    assert problems_of(write(tmp_path, "k.yaml", "? [a, b]\n: 1\n")) == [
        f"{tmp_path}/k.yaml:1:3: a key must be plain text, not a list or mapping"
    ]


def test_control_character_is_located(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, "c.yaml", "a: 1\nb: x\x07y\n"))
    assert problems == [f"{tmp_path}/c.yaml:2:5: cannot read the file: control characters are not allowed"]


def test_unquoted_no_is_explained(tmp_path: Path) -> None:
    config = POLICY + "clients: [{id: c-1, language: no}]\n"
    assert problems_of(write(tmp_path, "no.yaml", config)) == [
        f'{tmp_path}/no.yaml:6:31: clients[0].language: expected text, but YAML reads no as true/false; '
        'put it in quotes: "no"'
    ]


def test_list_given_as_a_number_is_a_type_problem(tmp_path: Path) -> None:
    assert problems_of(write(tmp_path, "n.yaml", POLICY + "cases: 5\n")) == [
        f"{tmp_path}/n.yaml:6:8: cases: Input should be a valid list (got 5)"
    ]


def test_missing_config_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    assert problems_of(tmp_path / "none.yaml") == [f"{tmp_path}/none.yaml: config file {tmp_path}/none.yaml not found"]


def test_malformed_item_with_a_duplicate_id_is_still_a_duplicate(tmp_path: Path) -> None:
    config = POLICY + "managers:\n  - {id: m-1, level: junior}\n  - {id: m-1, level: junior, fte: 7}\n"
    assert problems_of(write(tmp_path, "d.yaml", config)) == [
        f"{tmp_path}/d.yaml:8:10: managers[1].id: id 'm-1' is used 2 times; ids must be unique",
        f"{tmp_path}/d.yaml:8:35: managers[1].fte: Input should be less than or equal to 1 (got 7)",
    ]


def test_policy_problem_skips_cross_checks_that_would_mislead(tmp_path: Path) -> None:
    config = POLICY.replace("points: 3}", "points: -3}") + "cases: [{id: K-1, client: c-9, type: x, complexity: low}]\n"
    assert problems_of(write(tmp_path, "p.yaml", config)) == [
        f"{tmp_path}/p.yaml:4:63: policy.complexities[1].points: Input should be greater than or equal to 0.01 (got -3)"
    ]


# --- plans ----------------------------------------------------------------------------------------

PLAN = """{
  "week_start": "2026-11-30",
  "summary": {"managers": 0, "cases": 0, "assigned_cases": 0, "unassigned_cases": 0,
              "unassigned_points": 0, "total_load": 0, "total_capacity": 0, "max_utilisation": 0,
              "overloaded_managers": 0, "overload_points": 0, "moves": 0, "region_mismatches": 0},
  "managers": [], "levels": [], "assignments": [], "moves": [], "unassigned": []
}
"""


def test_valid_plan_loads(tmp_path: Path) -> None:
    plan = load_plan(write(tmp_path, "plan.json", PLAN))
    assert plan.week_start == date(2026, 11, 30)
    assert plan.assignments == []


def test_plan_json_syntax_error_is_located(tmp_path: Path) -> None:
    path = write(tmp_path, "plan.json", PLAN.replace('"levels": [],', '"levels": [],,'))
    with pytest.raises(ConfigError) as raised:
        load_plan(path)
    assert [str(problem) for problem in raised.value.problems] == [
        f"{path}:6:32: JSON syntax error: Expecting property name enclosed in double quotes"
    ]


def test_plan_field_problem_names_the_field_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "plan.json", PLAN.replace('"moves": 0,', '"moves": "many",'))
    with pytest.raises(ConfigError) as raised:
        load_plan(path)
    assert [str(problem) for problem in raised.value.problems] == [
        f"{path}:5:72: summary.moves: Input should be a valid integer, unable to parse string as an integer "
        "(got 'many')"
    ]


def test_malformed_items_still_take_part_in_cross_checks(tmp_path: Path) -> None:
    # m-1 is malformed (fte) but its unknown level is still reported; the manager without a usable id
    # drops out, and the problem of the one after it keeps its own index; a CSV row with an extra
    # cell does not stop the rest from being checked.
    write(tmp_path, "clients.csv", "id,name\nc-1,Dana\nc-2,Eli,extra\n")
    config = write(tmp_path, "org.yaml", POLICY + (
        "managers:\n"
        "  - {id: m-1, level: sneior, fte: 1.5}\n"
        "  - {id: 1001, level: junior}\n"
        "  - {id: m-3, level: boss}\n"
        "clients: clients.csv\n"
        "cases:\n"
        "  - {id: K-1, client: c-1, type: foster-care}\n"
        "  - {id: K-2, client: c-2, type: foster-care, complexity: low, manager: m-9}\n"
    ))
    assert problems_of(config) == [
        f"{config}:7:22: managers[0].level: unknown level 'sneior'; did you mean 'junior'? levels are junior",
        f"{config}:7:35: managers[0].fte: Input should be less than or equal to 1 (got 1.5)",
        f'{config}:8:10: managers[1].id: expected text, but YAML reads 1001 as a number; put it in quotes: "1001"',
        f"{config}:9:22: managers[2].level: unknown level 'boss'; levels are junior",
        f"{config}:12:5: cases[0].complexity: 'complexity' is required but missing",
        f"{config}:13:73: cases[1].manager: unknown manager 'm-9'; did you mean 'm-3'? managers are m-1, m-3",
        f"{tmp_path}/clients.csv:3: the row has 3 cells but the header names 2 columns",
    ]


def test_an_unknown_preferred_manager_is_located_in_the_clients_csv(tmp_path: Path) -> None:
    write(tmp_path, "clients.csv", "id,preferred_manager\nc-1,m-1\nc-2,m-2\n")
    config = write(tmp_path, "org.yaml", POLICY + (
        "managers:\n"
        "  - {id: m-1, level: junior}\n"
        "clients: clients.csv\n"
    ))
    assert problems_of(config) == [
        f"{tmp_path}/clients.csv:3: preferred_manager: unknown manager 'm-2'; did you mean 'm-1'? managers are m-1"]


def test_an_unknown_excluded_manager_is_located_in_yaml_and_csv(tmp_path: Path) -> None:
    write(tmp_path, "clients.csv", "id,excluded_managers\nc-1,m-1;m-2\n")
    config = write(tmp_path, "org.yaml", POLICY + (
        "managers:\n"
        "  - {id: m-1, level: junior}\n"
        "clients: clients.csv\n"
    ))
    assert problems_of(config) == [
        f"{tmp_path}/clients.csv:2: excluded_managers: unknown manager 'm-2'; did you mean 'm-1'? managers are m-1"]
    inline = write(tmp_path, "inline.yaml", POLICY + (
        "managers:\n"
        "  - {id: m-1, level: junior}\n"
        "clients:\n"
        "  - {id: c-1, excluded_managers: [m-1, m-2]}\n"
    ))
    assert problems_of(inline) == [
        f"{inline}:9:40: clients[0].excluded_managers[1]: unknown manager 'm-2'; did you mean 'm-1'? managers "
        "are m-1"]


_EDITS = st.lists(
    st.tuples(st.integers(min_value=0, max_value=10_000), st.sampled_from(["replace", "delete", "insert"]),
              st.sampled_from([*":-[]{},&*!|>'\"#\n\t %@`?~019az", "\x00", "\x85", "é", "\ufeff"])),
    min_size=1, max_size=4,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=_EDITS)
def test_any_edit_of_a_config_loads_or_is_a_config_error(tmp_path: Path, edits: list[tuple[int, str, str]]) -> None:
    # whatever a user's typo does to the file, the answer is a Config or located problems, never a crash
    text = list((DATA / "tiny.yaml").read_text(encoding="utf-8"))
    for position, edit, character in edits:
        index = position % len(text)
        if edit == "replace":
            text[index] = character
        elif edit == "delete":
            del text[index]
        else:
            text.insert(index, character)
    path = write(tmp_path, "edited.yaml", "".join(text))
    try:
        load_config(path)
    except ConfigError as error:
        assert error.problems
        assert all(problem.file == str(path) and (problem.line is None or problem.line >= 1)
                   for problem in error.problems)


def test_deeply_nested_plan_json_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = write(tmp_path, "plan.json", "[" * 100_000 + "]" * 100_000)
    with pytest.raises(ConfigError) as raised:
        load_plan(path)
    # Blamed on the bracket that opens level 33 (models.loader.MAX_DEPTH is 32): where it goes wrong.
    assert [str(problem) for problem in raised.value.problems] == [f"{path}:1:33: the JSON nests too deeply to be a "
                                                                   "plan"]


@pytest.mark.parametrize(("text", "expected"), [
    ('id,name\nc-1,"Dana"x\n', "2: CSV syntax error: ',' expected after '\"'"),  # text after a closing quote
    ('id,name\nc-1,Dana\nc-2,"Eli\n',  # a quote never closed: blamed on the row that opens it
     "3: CSV syntax error: a quoted cell opened on this row is never closed (a missing \")"),
    ('id,name\nc-1,"Dana\nc-2,Eli\n',
     "2: CSV syntax error: a quoted cell opened on this row is never closed (a missing \")"),
])
def test_csv_quoting_errors_are_located(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, "clients.csv", text)
    with pytest.raises(UnreadableInput) as raised:
        read_csv_rows("clients", path)
    assert [str(problem) for problem in raised.value.problems] == [f"{path}:{expected}"]


def test_client_phone_and_email_come_from_their_csv_columns(tmp_path: Path) -> None:
    write(tmp_path, "clients.csv", "id,name,phone,email\nc-1,Dana Smith,+1 (555) 010-0101,dana@example.org\n"
                                   "c-2,Eli Smith,,\n")
    config = load_config(write(tmp_path, "org.yaml", POLICY + "clients: clients.csv\n"))
    assert [(client.phone, client.email) for client in config.clients] == [
        ("+1 (555) 010-0101", "dana@example.org"), (None, None)]


def test_a_bad_client_phone_or_email_is_located_without_repeating_it(tmp_path: Path) -> None:
    # A typo'd contact detail is reported by its place only: like names, the value stays out of messages.
    write(tmp_path, "clients.csv", "id,phone,email\nc-1,555.0101,dana@example.org\nc-2,555-0102,eli at example\n")
    problems = problems_of(write(tmp_path, "org.yaml", POLICY + "clients: clients.csv\n"))
    assert problems == [
        f"{tmp_path}/clients.csv:2: phone: a phone number holds digits and only spaces, +, -, ( and ) besides, "
        "e.g. +1 (555) 010-0101",
        f"{tmp_path}/clients.csv:3: email: an email address has one @ with text on both sides and no spaces, e.g. "
        "name@example.org",
    ]
    assert not any("555.0101" in problem or "eli at" in problem for problem in problems)


@pytest.mark.parametrize(("counts", "message"), [
    ("month: 2026-11, month_visits: 1, month_in_residence: 2",
     "month_in_residence (2) is more than month_visits (1)"),
    ("month_visits: 1", "month_visits needs the month (YYYY-MM) it counts"),
    ("month: 2026-13, month_visits: 1", "month: a month is written YYYY-MM, e.g. 2026-11"),
])
def test_a_months_visit_count_that_cannot_be_is_located(tmp_path: Path, counts: str, message: str) -> None:
    path = write(tmp_path, "org.yaml", POLICY + f"""managers: [{{id: m-1, level: junior}}]
clients: [{{id: c-1}}]
cases:
  - {{id: K-1, client: c-1, type: foster-care, complexity: low,
     contacts: [{{mode: in_person, minutes: 60, frequency: monthly, {counts}}}]}}
""")
    problems = problems_of(path)
    assert len(problems) == 1 and problems[0].startswith(f"{path}:10:") and message in problems[0], problems
