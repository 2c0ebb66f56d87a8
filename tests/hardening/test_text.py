"""Identity and text hygiene: what the issue found getting through the loader, replayed.

Terminal escape sequences, bidirectional overrides and zero-width characters in ids and names; ids
that differ only in case or Unicode form (four managers called m-ana); a CSV path naming any file on
the machine (`cases: /etc/passwd` echoed its first line); a short CSV row silently padded; the `<<`
merge key reported as "YAML tag 'None'"; an unclosed quote blamed on the file's last line. Each is
now one located line (exit 1) whose text shows a character's code, never the character.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli import main
from tests.hardening.helpers import DATA, LOCATED_LINE

TINY = DATA / "tiny.yaml"
TEXT = TINY.read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line of `text` holding `needle` (fixtures change; tests follow)."""
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


ANA_LINE, CY_LINE = line_of(TEXT, "{id: m-ana,"), line_of(TEXT, "{id: m-cy,")


def validate(path: Path) -> Result:
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def variant(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    text = TEXT
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(result: Result) -> list[str]:
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert all(LOCATED_LINE.match(line) for line in lines[:-1]), lines
    return lines[:-1]


@pytest.mark.parametrize(("written", "code"), [
    ('"m-cy\\e[2J"', "U+001B"),  # ESC: a terminal escape sequence (this one clears the screen)
    ('"m-cy\\x9b31m"', "U+009B"),  # a C1 control: CSI on its own
    ('"m-\\u202ecy"', "U+202E"),  # right-to-left override: reads in another order than it is stored
    ('"m-ana\\u200b"', "U+200B"),  # zero-width space: looks exactly like m-ana
    ('"m-cy\\u2066"', "U+2066"),  # a bidirectional isolate
    ('"m-cy\\ufeff"', "U+FEFF"),  # a byte-order mark inside text
    ('"m-cy\\0"', "U+0000"),  # NUL
])
def test_control_and_invisible_characters_in_an_id_are_refused(tmp_path: Path, written: str, code: str) -> None:
    path = variant(tmp_path, ("{id: m-cy, name: Cy Lund", f"{{id: {written}, name: Cy Lund"),
                   ("manager: m-cy", f"manager: {written}"))
    lines = problems(validate(path))
    assert lines[0].startswith(f"{path}:{CY_LINE}:10: managers[2].id: contains the control or invisible character "
                               f"{code}")
    assert all(character.isprintable() for line in lines for character in line)  # shown as a code, not itself


@pytest.mark.parametrize("field", ["name", "household", "region"])
def test_names_and_references_are_plain_text_too(tmp_path: Path, field: str) -> None:
    old = {"name": "name: Fay Jones", "household": "{id: c-3, name: Fay Jones,",
           "region": "{id: c-3, name: Fay Jones, region: south"}[field]
    new = {"name": 'name: "Fay\\e[31mJones"', "household": '{id: c-3, name: Fay Jones, household: "h\\u200d3",',
           "region": '{id: c-3, name: Fay Jones, region: "so\\u202duth"'}[field]
    lines = problems(validate(variant(tmp_path, (old, new))))
    assert f"clients[2].{field}: contains the control or invisible character" in lines[0]


@pytest.mark.parametrize("other", ["M-ANA", "M-Ana", "ｍ-ａｎａ"])  # case, title case, full-width forms
def test_ids_that_differ_only_in_case_or_form_are_refused_with_both_locations(tmp_path: Path, other: str) -> None:
    path = variant(tmp_path, ("{id: m-cy, name: Cy Lund", f"{{id: {other}, name: Cy Lund"),
                   ("manager: m-cy", f"manager: {other}"))
    lines = problems(validate(path))
    assert lines == [
        f"{path}:{ANA_LINE}:10: managers[0].id: id 'm-ana' and managers[2].id '{other}' are the same id once case "
        "and character forms are ignored; make them differ by more than that",
        f"{path}:{CY_LINE}:10: managers[2].id: id '{other}' and managers[0].id 'm-ana' are the same id once case "
        "and character forms are ignored; make them differ by more than that",
    ]


def csv_org(tmp_path: Path) -> Path:
    folder = tmp_path / "org"
    shutil.copytree(DATA / "tiny_csv", folder)
    return folder


@pytest.mark.parametrize(("named", "message"), [
    ("/etc/passwd", "'/etc/passwd' is an absolute path; CSV files must be in the config's folder or below it"),
    ("../../../../../../etc/passwd", "is outside the config's folder"),
    ("sub/../../elsewhere.csv", "is outside the config's folder"),
    ("link/managers.csv", "is outside the config's folder"),  # a link inside the folder pointing out
])
def test_a_csv_path_must_stay_in_the_configs_folder(tmp_path: Path, named: str, message: str) -> None:
    folder = csv_org(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.copy(folder / "managers.csv", outside / "managers.csv")
    (folder / "link").symlink_to(outside, target_is_directory=True)
    config = folder / "tiny.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("managers: managers.csv", f"managers: {named}"),
                      encoding="utf-8")
    lines = problems(validate(config))
    line = line_of(config.read_text(encoding="utf-8"), "managers: ")
    assert lines[0].startswith(f"{config}:{line}:11: managers: ") and message in lines[0], lines
    assert "root:" not in "\n".join(lines)  # nothing of the file is echoed


def test_a_csv_path_below_the_folder_is_fine(tmp_path: Path) -> None:
    folder = csv_org(tmp_path)
    (folder / "data").mkdir()
    shutil.move(folder / "managers.csv", folder / "data" / "managers.csv")
    config = folder / "tiny.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("managers: managers.csv",
                                                                 "managers: data/managers.csv"), encoding="utf-8")
    assert validate(config).exit_code == 0


@pytest.mark.parametrize(("row", "cells"), [("m-cy,Cy Lund,junior", 3), ("m-cy,Cy Lund,junior,,south,,,,,,,,,,,,", 17)])
def test_a_csv_row_of_the_wrong_width_is_refused_with_its_line(tmp_path: Path, row: str, cells: int) -> None:
    folder = csv_org(tmp_path)
    managers = folder / "managers.csv"
    lines = managers.read_text(encoding="utf-8").splitlines()
    number = next(index for index, line in enumerate(lines, start=1) if line.startswith("m-cy,"))
    lines[number - 1] = row
    managers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = problems(validate(folder / "tiny.yaml"))
    assert f"{managers}:{number}: the row has {cells} cells but the header names 15 columns" in found


def test_an_unclosed_quote_is_reported_on_the_row_that_opens_it(tmp_path: Path) -> None:
    folder = csv_org(tmp_path)
    clients = folder / "clients.csv"
    lines = clients.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("Dana Smith", '"Dana Smith')  # row 2 opens a quote that never closes
    clients.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert problems(validate(folder / "tiny.yaml")) == [
        f"{clients}:2: CSV syntax error: a quoted cell opened on this row is never closed (a missing \")"]


def test_a_csv_header_with_control_characters_is_shown_escaped(tmp_path: Path) -> None:
    folder = csv_org(tmp_path)
    managers = folder / "managers.csv"
    managers.write_text(managers.read_text(encoding="utf-8").replace("office", "off\x1b[31mice", 1),
                        encoding="utf-8")
    lines = problems(validate(folder / "tiny.yaml"))
    assert "unknown column 'off\\u001b[31mice'" in lines[0]
    assert "\x1b" not in validate(folder / "tiny.yaml").output


def test_the_yaml_merge_key_is_refused_in_words(tmp_path: Path) -> None:
    path = variant(tmp_path, ("  weights: {unassigned", "  <<: {households_together: true}\n  weights: {unassigned"))
    lines = problems(validate(path))
    line = line_of(path.read_text(encoding="utf-8"), "<<:")
    assert lines[0] == f"{path}:{line}:3: policy.<<: YAML merge keys (<<) are not supported; write the keys out"


@pytest.mark.parametrize(("before", "after"), [
    ("timezone: America/Chicago", 'timezone: "\\e]0;pwned\\a"'),  # the red team's title-bar escape
    ("frequency: weekly}", 'frequency: "weekly\\e]0;pwned\\a"}'),
    ("{id: m-ben, name: Ben Okafor, level: junior,",
     "{id: m-ben, name: Ben Okafor, level: junior, availability: {\"mon\\e]0;x\\a\": ['08:00-12:00']},"),
    ("holidays: []", 'holidays: []\n"pw\\e]0;x\\a": 1'),  # an unknown key
])
def test_an_escape_sequence_in_any_value_or_key_reaches_the_terminal_escaped(tmp_path: Path, before: str,
                                                                            after: str) -> None:
    """Issue 21, finding 13: escape sequences from `timezone`, `frequency`, availability keys and unknown keys
    reached stderr as they were. Every message shows them escaped (\\u001b), one located line each."""
    result = validate(variant(tmp_path, (before, after)))
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\u001b" in result.output
    assert all(LOCATED_LINE.match(line) for line in problems(result))
