"""`caseload validate` and `caseload schema` through the CLI: exit codes, located messages, summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from cli import main

DATA = Path(__file__).parent / "data"
INVALID = DATA / "invalid"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


# (fixture, the exact "file:line[:col]: field: message" start of the expected line, problem count).
# Each fixture's first line also says what is wrong with it.
INVALID_CASES = [
    # YAML syntax: a flow mapping `{...` never closed; the parser notices at the next line
    ("syntax_unclosed_flow.yaml",
     "syntax_unclosed_flow.yaml:8:15: YAML syntax error: did not find expected ',' or '}'", 1),
    # YAML syntax: a key indented deeper than its sibling
    ("syntax_bad_indent.yaml", "syntax_bad_indent.yaml:16:12: YAML syntax error: mapping values are not allowed", 1),
    # YAML syntax: a tab used for indentation
    ("syntax_tab_indent.yaml", "syntax_tab_indent.yaml:16:1: YAML syntax error: found a tab character", 1),
    # 'billion laughs': refused at the first anchor, before anything expands
    ("alias_bomb.yaml", "alias_bomb.yaml:28:9: bomb_a: YAML anchors (&a) and aliases are not allowed", 1),
    # an alias used to repeat a value
    ("alias_reference.yaml",
     "alias_reference.yaml:16:12: managers[0].level: YAML aliases (*senior) are not allowed; repeat the value", 1),
    # a python tag that an unsafe loader would execute
    ("python_tag.yaml",
     "python_tag.yaml:19:26: clients[0].household: YAML tag '!!python/object/apply:os.system' is not allowed", 1),
    # the document is a list
    ("top_level_list.yaml", "top_level_list.yaml:1:1: the top level must be a mapping", 1),
    # only a comment: no document at all
    ("empty_file.yaml", "empty_file.yaml:1:1: the top level must be a mapping (week_start:, policy:, managers:, "
                        "...), but the file holds nothing", 1),
    # a second document after '---'
    ("two_documents.yaml", "two_documents.yaml:28:1: only one YAML document is allowed", 1),
    # a key repeated in one mapping
    ("duplicate_key.yaml", "duplicate_key.yaml:17:5: managers[0].level: duplicate key 'level' (first at line 16)", 1),
    # 'complexty' typo: the unknown key with a hint (and the missing 'complexity', pointed at the case)
    ("unknown_key_typo.yaml",
     "unknown_key_typo.yaml:24:5: cases[0].complexty: unknown key 'complexty'; did you mean 'complexity'?", 2),
    # 'holiday' instead of 'holidays' at the top level
    ("unknown_top_level_key.yaml",
     "unknown_top_level_key.yaml:3:1: holiday: unknown key 'holiday'; did you mean 'holidays'?", 1),
    # a required key missing: reported at the manager's mapping
    ("missing_level.yaml", "missing_level.yaml:15:5: managers[0].level: 'level' is required but missing", 1),
    # wrong type: fte as a word
    ("fte_not_a_number.yaml",
     "fte_not_a_number.yaml:17:10: managers[0].fte: Input should be a valid number, unable to parse string", 1),
    # fte out of range (above 1)
    ("fte_too_large.yaml",
     "fte_too_large.yaml:17:10: managers[0].fte: Input should be less than or equal to 1 (got 1.5)", 1),
    # fte out of range (0)
    ("fte_zero.yaml", "fte_zero.yaml:17:10: managers[0].fte: Input should be greater than or equal to 0.05 (got 0)", 1),
    # wrong type: YAML reads an unquoted 1001 as a number, and ids are text (so the case's manager m-1
    # is unknown too: the second problem)
    ("id_is_a_number.yaml",
     'id_is_a_number.yaml:15:9: managers[0].id: expected text, but YAML reads 1001 as a number; put it in quotes: '
     '"1001"', 2),
    # wrong type: a word where a list belongs
    ("wrong_type_list.yaml",
     "wrong_type_list.yaml:17:16: managers[0].languages: Input should be a valid list (got 'en')", 1),
    # unknown level, with the close match
    ("unknown_level.yaml",
     "unknown_level.yaml:16:12: managers[0].level: unknown level 'sneior'; did you mean 'senior'? levels are "
     "junior, senior", 1),
    # unknown complexity
    ("unknown_complexity.yaml",
     "unknown_complexity.yaml:24:17: cases[0].complexity: unknown complexity 'hgh'; did you mean 'high'?", 1),
    # unknown case type
    ("unknown_case_type.yaml",
     "unknown_case_type.yaml:23:11: cases[0].type: unknown case type 'foster'; did you mean 'foster-care'?", 1),
    # unknown client
    ("unknown_client.yaml", "unknown_client.yaml:22:13: cases[0].client: unknown client 'c-9'", 1),
    # unknown manager
    ("unknown_manager.yaml", "unknown_manager.yaml:25:14: cases[0].manager: unknown manager 'm-9'", 1),
    # a level's max_complexity names no complexity
    ("unknown_max_complexity.yaml",
     "unknown_max_complexity.yaml:6:74: policy.levels[0].max_complexity: unknown complexity 'medium'", 1),
    # duplicate case id: reported at the second one
    ("duplicate_case_id.yaml", "duplicate_case_id.yaml:28:10: cases[1].id: id 'K-1' is used 2 times", 1),
    # duplicate manager id
    ("duplicate_manager_id.yaml", "duplicate_manager_id.yaml:18:10: managers[1].id: id 'm-1' is used 2 times", 1),
    # window format: '8.30-17'
    ("window_bad_format.yaml",
     "window_bad_format.yaml:17:26: managers[0].availability.mon[0]: '8.30-17' is not a time window", 1),
    # window start after end
    ("window_ends_before_start.yaml",
     "window_ends_before_start.yaml:17:26: managers[0].availability.mon[0]: window '17:00-08:30' ends before "
     "it starts", 1),
    # two windows of one day overlap
    ("window_overlap.yaml",
     "window_overlap.yaml:17:19: managers[0].availability: windows 08:30-12:30 and 12:00-17:00 overlap", 1),
    # 'monday' is not a weekday key (mon, tue, ...): pointed at the key
    ("window_bad_weekday.yaml",
     "window_bad_weekday.yaml:17:20: managers[0].availability.monday: Input should be 'mon', 'tue'", 1),
    # the policy's working day ends before it starts
    ("scheduling_day_backwards.yaml",
     "scheduling_day_backwards.yaml:15:10: policy.scheduling.day: start must be earlier than end", 1),
    # a date that does not exist
    ("bad_date.yaml",
     "bad_date.yaml:27:66: cases[0].contacts[0].last: Input should be a valid date or datetime, day value is "
     "outside expected range (got '2026-02-30')", 1),
    # a date written as a word
    ("bad_date_text.yaml", "bad_date_text.yaml:27:66: cases[0].contacts[0].last: Input should be a valid date", 1),
    # a last contact after the planning week
    ("last_after_week.yaml",
     "last_after_week.yaml:27:66: cases[0].contacts[0].last: last contact 2026-12-24 is after the planning week", 1),
    # week_start on a Tuesday, with the Monday suggested
    ("week_start_not_monday.yaml",
     "week_start_not_monday.yaml:2:13: week_start: 2026-12-01 is a tue, not a Monday; did you mean 2026-11-30?", 1),
    # not an IANA time zone
    ("bad_timezone.yaml", "bad_timezone.yaml:3:11: timezone: unknown time zone 'Mars/Olympus'", 1),
    # locked without a current manager
    ("locked_without_manager.yaml",
     "locked_without_manager.yaml:25:13: cases[0].locked: a locked case needs a current manager", 1),
    # frequency 'daily' is not one of weekly, N/week, biweekly, monthly
    ("bad_frequency.yaml",
     "bad_frequency.yaml:27:51: cases[0].contacts[0].frequency: unknown frequency 'daily'", 1),
    # a contact longer than the working day
    ("contact_longer_than_day.yaml",
     "contact_longer_than_day.yaml:27:36: cases[0].contacts[0].minutes: 1500 minutes do not fit in a working day "
     "of 540 minutes", 1),
    # negative minutes
    ("contact_minutes_negative.yaml",
     "contact_minutes_negative.yaml:27:36: cases[0].contacts[0].minutes: Input should be greater than 0 (got -5)", 1),
    # infinite points (.inf) would break every sum: numbers must be finite
    ("points_infinite.yaml",
     "points_infinite.yaml:25:13: cases[0].points: Input should be a finite number (got inf)", 1),
    # mode 'inperson'
    ("bad_contact_mode.yaml",
     "bad_contact_mode.yaml:27:16: cases[0].contacts[0].mode: Input should be 'in_person', 'phone' or 'video' "
     "(got 'inperson')", 1),
    # 40 nested lists: refused at the 33rd level, no RecursionError
    ("deep_nesting.yaml", "deep_nesting.yaml:28:39: the data nests more than 32 levels deep", 1),
    # a Latin-1 byte in the YAML
    ("not_utf8.yaml", "not_utf8.yaml:17:14: byte 0xe9 is not UTF-8 text; save the file as UTF-8", 1),
    # CSV: a bad number in row 3
    ("csv_bad_number.yaml",
     "csv/managers_bad_fte.csv:3: fte: Input should be a valid number, unable to parse string as a number "
     "(got 'one')", 1),
    # CSV: an unknown column, with the close match
    ("csv_unknown_column.yaml",
     "csv/clients_unknown_column.csv:1: nmae: unknown column 'nmae'; did you mean 'name'?", 1),
    # CSV: a required column missing from the header
    ("csv_missing_column.yaml",
     "csv/cases_missing_column.csv:1: complexity: missing required column 'complexity'", 1),
    # CSV: the named file does not exist: reported at the YAML line naming it
    ("csv_missing_file.yaml", "csv_missing_file.yaml:15:10: clients: clients CSV file ", 1),
    # CSV: minutes in a contacts cell are not a number
    ("csv_bad_contacts.yaml",
     "csv/cases_bad_contacts.csv:3: contacts: Input should be a valid integer, unable to parse string as an "
     "integer (got 'sixty')", 1),
    # CSV: a contacts cell without a frequency
    ("csv_bad_contacts_shape.yaml",
     "csv/cases_contacts_shape.csv:3: contacts: 'phone:15' is not mode:minutes:frequency[:last]", 1),
    # CSV: an availability cell without '='
    ("csv_bad_availability.yaml",
     "csv/managers_bad_availability.csv:3: availability: 'mon 08:30-17:00' is not day=HH:MM-HH:MM", 1),
    # CSV: a case row names an unknown manager
    ("csv_unknown_manager.yaml", "csv/cases_unknown_manager.csv:3: manager: unknown manager 'm-9'", 1),
    # CSV: a required cell left empty
    ("csv_empty_required_cell.yaml", "csv/cases_empty_client.csv:3: client: required, but the cell is empty", 1),
    # CSV: lat given without lon
    ("csv_lat_without_lon.yaml", "csv/clients_lat_only.csv:3: lon: required, but the cell is empty", 1),
    # CSV: a Latin-1 byte
    ("csv_not_utf8.yaml", "csv/clients_latin1.csv:3:8: byte 0xe9 is not UTF-8 text", 1),
    # CSV: a boolean cell that is neither true nor false
    ("csv_bad_boolean.yaml",
     "csv/cases_bad_locked.csv:3: locked: Input should be a valid boolean, unable to interpret input", 1),
]


@pytest.mark.parametrize(("fixture", "expected", "count"), INVALID_CASES, ids=[case[0] for case in INVALID_CASES])
def test_invalid_config_is_located(fixture: str, expected: str, count: int) -> None:
    result = run("validate", str(INVALID / fixture))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"{INVALID}/{expected}") for line in lines), result.stderr
    assert lines[-1] == f"{count} problem{'s' if count != 1 else ''} found; nothing was written."
    assert result.stdout == ""


def test_every_fixture_is_covered_and_says_what_is_wrong() -> None:
    fixtures = sorted(path.name for path in INVALID.glob("*.yaml"))
    assert fixtures == sorted(case[0] for case in INVALID_CASES)
    for name in fixtures:
        first_line = (INVALID / name).read_bytes().split(b"\n", 1)[0]
        assert first_line.startswith(b"# INVALID: "), name


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "huge.yaml"
    with big.open("wb") as stream:
        stream.truncate(51 * 1024 * 1024)  # sparse: the size is real, the disk stays empty
    result = run("validate", str(big))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{big}: config file is 51 MB, larger than the 50 MB limit; split it or check that it is the right file"
    )


def test_every_problem_of_a_file_is_listed_in_one_run(tmp_path: Path) -> None:
    # A malformed manager (fte) is still a known id: the case that names it is not reported,
    # while the unknown level of another manager and the unknown client are.
    text = (INVALID / "unknown_client.yaml").read_text().replace(
        "clients:\n", "  - {id: m-2, level: sneior}\n  - {id: m-3, level: junior, fte: 2}\nclients:\n"
    ).replace("    manager: m-1\n", "    manager: m-3\n")
    config = tmp_path / "many.yaml"
    config.write_text(text)
    result = run("validate", str(config))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{config}:18:22: managers[1].level: unknown level 'sneior'; did you mean 'senior'? levels are junior, "
        "senior",
        f"{config}:19:35: managers[2].fte: Input should be less than or equal to 1 (got 2)",
        f"{config}:24:13: cases[0].client: unknown client 'c-9'; did you mean 'c-1'? clients are c-1",
        "3 problems found; nothing was written.",
    ]


def test_missing_config_is_a_usage_error() -> None:
    result = run("validate", str(INVALID / "no-such-file.yaml"))
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_validate_prints_the_summary_of_tiny() -> None:
    result = run("validate", str(DATA / "tiny.yaml"))
    assert result.exit_code == 0, result.output
    out = result.stdout
    # Lines are wrapped to 80 columns off a terminal: compare words, not line breaks.
    assert "valid: week of 2026-11-30 (America/Chicago), 3 managers, 4 clients in 3 households, 5 cases" in \
        " ".join(out.split())
    # junior: 2 managers x 4 points, 2 x 3 cases; senior: 1 x 6 points, 4 cases
    assert _row(out, "junior") == ["junior", "2", "2.0", "8.0", "6"]
    assert _row(out, "senior") == ["senior", "1", "1.0", "6.0", "4"]
    # K-2, K-5 low (1 point each); K-3, K-4 moderate (2 each, K-3 unassigned, K-4 locked); K-1 high (3)
    assert _row(out, "low") == ["low", "2", "2.0", "0", "0"]
    assert _row(out, "moderate") == ["moderate", "2", "4.0", "1", "1"]
    assert _row(out, "high") == ["high", "1", "3.0", "0", "0"]
    assert "workload: 9.0 points against a capacity of 14.0 (utilisation 64%)" in out
    # K-1 monthly last 2026-11-02 → due 2026-12-02 (1); K-2 weekly (1); K-3 2/week (2); 60+15+90 = 165 minutes
    assert "contacts due this week: 4 (0 overdue, 3 hours)" in out
    assert "unassigned intake: 1 cases; locked to their manager: 1 cases" in out


def _row(output: str, first_cell: str) -> list[str]:
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip("│┃ ").split("│")]
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row {first_cell!r} in\n{output}")


def test_validate_accepts_the_csv_version_of_tiny() -> None:
    result = run("validate", str(DATA / "tiny_csv" / "tiny.yaml"))
    assert result.exit_code == 0, result.output
    assert "workload: 9.0 points against a capacity of 14.0 (utilisation 64%)" in result.stdout


def test_schema_is_json_with_csv_alternatives() -> None:
    result = run("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "caseload configuration"
    assert set(schema["required"]) == {"week_start", "policy"}
    for key in ("managers", "clients", "cases"):
        options = schema["properties"][key]["anyOf"]
        assert {"type": "string", "pattern": r"\.csv$", "description": f"CSV file of {key}."} in options
        assert any(option.get("type") == "array" for option in options)


def test_schema_accepts_tiny_and_rejects_an_unknown_key() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(run("schema").stdout)
    # YAML dates → ISO text, as an editor sees them
    data = json.loads(json.dumps(yaml.safe_load((DATA / "tiny.yaml").read_text()), default=str))
    jsonschema.validate(data, schema)
    data["cases"] = "cases.csv"
    jsonschema.validate(data, schema)
    data["managers"][0]["nmae"] = "typo"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_summary_counts_overdue_contacts_and_names_no_client(tmp_path: Path) -> None:
    # K-1's monthly visit was last made on 2026-10-01: due 2026-11-01, so overdue this week
    text = (DATA / "tiny.yaml").read_text(encoding="utf-8").replace("last: 2026-11-02", "last: 2026-10-01")
    config = tmp_path / "overdue.yaml"
    config.write_text(text, encoding="utf-8")
    result = run("validate", str(config))
    assert result.exit_code == 0, result.output
    assert "contacts due this week: 4 (1 overdue, 3 hours)" in result.stdout
    for client_name in ("Dana Smith", "Eli Smith", "Fay Jones", "Gus Brown"):
        assert client_name not in result.output


def test_summary_without_managers_shows_no_utilisation(tmp_path: Path) -> None:
    data = yaml.safe_load((DATA / "tiny.yaml").read_text(encoding="utf-8"))
    data["managers"] = []
    for case in data["cases"]:  # no managers, so every case is new intake
        case.pop("manager", None)
        case.pop("locked", None)
    config = tmp_path / "nobody.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = run("validate", str(config))
    assert result.exit_code == 0, result.output
    assert "workload: 9.0 points against a capacity of 0.0 (utilisation -)" in result.stdout
    assert "unassigned intake: 5 cases; locked to their manager: 0 cases" in result.stdout
