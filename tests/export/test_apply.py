"""`apply` and `roll` write: only what changes changes (managers of moved cases; and for roll the week,
last dates and leave); comments, order and formatting survive."""

from __future__ import annotations

import difflib
import shutil
from datetime import date
from pathlib import Path

import pytest

from export.apply import applied_files, changed_files, write_applied, write_changed
from models.changes import ConfigChanges
from models.loader import load_config
from models.problems import ConfigError

DATA = Path(__file__).parent.parent / "data"
MOVES = {"K-3": "m-ben", "K-8": "m-cy"}


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_yaml_keeps_everything_but_the_moved_managers(tmp_path: Path) -> None:
    source = DATA / "rebalance.yaml"
    output = tmp_path / "next.yaml"
    files = applied_files(source, MOVES, output)
    assert list(files) == [output]
    assert changed_lines(source.read_text(), files[output]) == [
        "-    manager: m-ana",
        "+    manager: m-ben",
        "-  - {id: K-8, client: c-4, type: foster-care, complexity: low}   # new intake, no manager yet",
        "+  - {id: K-8, client: c-4, type: foster-care, complexity: low, manager: m-cy}   # new intake, no manager yet",
    ]


def test_the_written_config_loads_with_the_new_managers(tmp_path: Path) -> None:
    output = tmp_path / "nested" / "next.yaml"
    write_applied(DATA / "rebalance.yaml", MOVES, output)
    config = load_config(output)
    assert config.cases_by_id["K-3"].manager == "m-ben"
    assert config.cases_by_id["K-8"].manager == "m-cy"
    assert "# siblings stay together" in output.read_text()


def test_cases_from_a_csv_get_a_new_csv_beside_the_new_config(tmp_path: Path) -> None:
    source_dir = DATA / "rebalance_csv"
    output = tmp_path / "next.yaml"
    files = applied_files(source_dir / "organisation.yaml", MOVES, output)
    new_csv = tmp_path / "next-cases.csv"
    assert sorted(files) == sorted([output, new_csv])
    assert changed_lines((source_dir / "cases.csv").read_text(), files[new_csv]) == [
        "-K-3,c-3,foster-care,high,2026-11-09,m-ana,,", "+K-3,c-3,foster-care,high,2026-11-09,m-ben,,",
        "-K-8,c-4,foster-care,low,,,,", "+K-8,c-4,foster-care,low,,m-cy,,",
    ]
    assert changed_lines((source_dir / "organisation.yaml").read_text(), files[output]) == [
        "-cases: cases.csv   # exported from the case system",
        "+cases: next-cases.csv   # exported from the case system",
    ]
    for path, content in files.items():
        path.write_text(content)
    assert load_config(output).cases_by_id["K-3"].manager == "m-ben"


def test_other_csv_files_are_still_found_from_another_folder(tmp_path: Path) -> None:
    source_dir = tmp_path / "org"
    shutil.copytree(DATA / "rebalance_csv", source_dir)
    output = tmp_path / "elsewhere" / "next.yaml"
    text = (source_dir / "organisation.yaml").read_text()
    clients = text[text.index("clients:\n"):text.index("\ncases:") + 1]
    rows = [
        "id,name,household,region,language",
        "c-1,Dana Smith,h-1,north,", "c-2,Eli Smith,h-1,north,", "c-3,Fay Jones,,north,es", "c-4,Gus Brown,,south,",
        "c-5,Hal Green,,north,", "c-6,Ida West,,north,", "c-7,Jo King,,north,",
    ]
    (source_dir / "clients.csv").write_text("\n".join(rows) + "\n")
    (source_dir / "organisation.yaml").write_text(text.replace(clients, "clients: clients.csv\n"))
    write_applied(source_dir / "organisation.yaml", MOVES, output)
    # CSV files must lie in the config's folder (the loader refuses '..'): a copy lands beside the new config.
    assert "clients: next-clients.csv" in output.read_text()
    assert (output.parent / "next-clients.csv").read_text() == (source_dir / "clients.csv").read_text()
    assert load_config(output).cases_by_id["K-8"].manager == "m-cy"


@pytest.mark.parametrize("name", ["rebalance.yaml", "./rebalance.yaml"])
def test_the_input_is_never_overwritten(tmp_path: Path, name: str) -> None:
    shutil.copy(DATA / "rebalance.yaml", tmp_path / "rebalance.yaml")
    before = (tmp_path / "rebalance.yaml").read_text()
    with pytest.raises(ConfigError, match=r"refusing to overwrite the input rebalance\.yaml"):
        write_applied(tmp_path / "rebalance.yaml", MOVES, tmp_path / name)
    assert (tmp_path / "rebalance.yaml").read_text() == before


def test_quoted_values_stay_quoted_and_block_intake_gets_a_manager_line(tmp_path: Path) -> None:
    source = tmp_path / "org.yaml"
    text = (DATA / "rebalance.yaml").read_text().replace(
        "  - {id: K-8, client: c-4, type: foster-care, complexity: low}   # new intake, no manager yet\n",
        "  - id: K-8   # new intake\n    client: c-4\n    type: foster-care\n    complexity: low\n"
        "    contacts: [{mode: phone, minutes: 15, frequency: weekly}]\n"
        "  - id: K-9\n    client: c-4\n    type: foster-care\n    complexity: low\n")
    source.write_text(text)
    files = applied_files(source, {"K-6": "m-ben", "K-8": "m-cy", "K-9": "m-cy"}, tmp_path / "next.yaml")
    assert changed_lines(text, files[tmp_path / "next.yaml"]) == [
        '-    manager: "m-ana"',
        '+    manager: "m-ben"',
        "+    manager: m-cy",
        "+    manager: m-cy",
    ]
    (tmp_path / "next.yaml").write_text(files[tmp_path / "next.yaml"])
    config = load_config(tmp_path / "next.yaml")
    assert [config.cases_by_id[case].manager for case in ("K-6", "K-8", "K-9")] == ["m-ben", "m-cy", "m-cy"]


# --- the changes of `caseload roll`: week, last dates, managers removed, leave -------------------------

ROLLED = ConfigChanges(
    week_start=date(2026, 12, 7),
    managers={"K-3": None, "K-7": None, "K-8": "m-cy"},
    last={("K-1", 0): date(2026, 12, 2), ("K-6", 0): date(2026, 12, 1)},
    leave={"m-ana": (date(2026, 12, 8),), "m-ben": ()},
)


def test_a_rolled_config_changes_only_week_last_managers_and_leave(tmp_path: Path) -> None:
    source = tmp_path / "org.yaml"
    text = (DATA / "rebalance.yaml").read_text().replace(
        "  - {id: m-ana, name: Ana Ruiz, level: senior, region: north, languages: [en, es]}\n",
        "  - {id: m-ana, name: Ana Ruiz, level: senior, region: north, languages: [en, es], "
        "leave: [2026-12-04, 2026-12-08]}   # a long weekend\n",
    ).replace(
        "  - {id: m-ben, name: Ben Okafor, level: senior, region: north, languages: [en, es]}\n",
        "  - id: m-ben\n    name: Ben Okafor\n    level: senior\n    leave:   # a training day\n"
        "      - 2026-12-01\n    languages: [en, es]\n",
    )
    source.write_text(text)
    files = changed_files(source, ROLLED, tmp_path / "next.yaml", force=False)
    assert changed_lines(text, files[tmp_path / "next.yaml"]) == [
        "-week_start: 2026-11-30   # a Monday",
        "+week_start: 2026-12-07   # a Monday",
        "-  - {id: m-ana, name: Ana Ruiz, level: senior, region: north, languages: [en, es], leave: [2026-12-04, "
        "2026-12-08]}   # a long weekend",
        "+  - {id: m-ana, name: Ana Ruiz, level: senior, region: north, languages: [en, es], leave: [2026-12-08]}"
        "   # a long weekend",
        "-    leave:   # a training day",
        "-      - 2026-12-01",
        "+    leave: []   # a training day",
        "-      - {mode: in_person, minutes: 60, frequency: monthly, last: 2026-11-20}",
        "+      - {mode: in_person, minutes: 60, frequency: monthly, last: 2026-12-02}",
        "-    manager: m-ana",
        '-    contacts: [{mode: phone, minutes: 15, frequency: weekly, last: 2026-11-25}]',
        '+    contacts: [{mode: phone, minutes: 15, frequency: weekly, last: 2026-12-01}]',
        "-  - {id: K-7, client: c-7, type: foster-care, complexity: high, opened: 2024-05-01, manager: m-ben}",
        "+  - {id: K-7, client: c-7, type: foster-care, complexity: high, opened: 2024-05-01}",
        "-  - {id: K-8, client: c-4, type: foster-care, complexity: low}   # new intake, no manager yet",
        "+  - {id: K-8, client: c-4, type: foster-care, complexity: low, manager: m-cy}   # new intake, no manager yet",
    ]
    (tmp_path / "next.yaml").write_text(files[tmp_path / "next.yaml"])
    config = load_config(tmp_path / "next.yaml")
    assert config.week_start == date(2026, 12, 7)
    assert [config.cases_by_id[case].manager for case in ("K-3", "K-7", "K-8")] == [None, None, "m-cy"]
    assert [manager.leave for manager in config.managers[:2]] == [[date(2026, 12, 8)], []]


def test_a_missing_last_is_added_to_flow_and_block_requirements(tmp_path: Path) -> None:
    source = tmp_path / "org.yaml"
    text = (DATA / "rebalance.yaml").read_text().replace(
        "      - {mode: in_person, minutes: 60, frequency: monthly, last: 2026-11-20}\n  - id: K-2",
        "      - {mode: in_person, minutes: 60, frequency: monthly}\n  - id: K-2",
    ).replace(
        "      - {mode: in_person, minutes: 60, frequency: monthly, last: 2026-11-20}\n  - id: K-3",
        "      - mode: in_person\n        minutes: 60\n        frequency: monthly   # at home\n  - id: K-3",
    )
    source.write_text(text)
    changes = ConfigChanges(last={("K-1", 0): date(2026, 12, 2), ("K-2", 0): date(2026, 12, 3)})
    files = changed_files(source, changes, tmp_path / "next.yaml")
    assert changed_lines(text, files[tmp_path / "next.yaml"]) == [
        "-      - {mode: in_person, minutes: 60, frequency: monthly}",
        "+      - {mode: in_person, minutes: 60, frequency: monthly, last: 2026-12-02}",
        "+        last: 2026-12-03",
    ]


def test_rolled_cases_from_a_csv_get_new_last_dates_and_managers(tmp_path: Path) -> None:
    source_dir = DATA / "rebalance_csv"
    output = tmp_path / "next.yaml"
    files = changed_files(source_dir / "organisation.yaml", ROLLED, output)
    assert changed_lines((source_dir / "cases.csv").read_text(), files[tmp_path / "next-cases.csv"]) == [
        "-K-1,c-1,foster-care,low,2025-02-01,m-ana,,in_person:60:monthly:2026-11-20",
        "+K-1,c-1,foster-care,low,2025-02-01,m-ana,,in_person:60:monthly:2026-12-02",
        "-K-3,c-3,foster-care,high,2026-11-09,m-ana,,",
        "+K-3,c-3,foster-care,high,2026-11-09,,,",
        "-K-6,c-6,foster-care,moderate,2024-08-12,m-ana,,phone:15:weekly:2026-11-25",
        "-K-7,c-7,foster-care,high,2024-05-01,m-ben,,",
        "+K-6,c-6,foster-care,moderate,2024-08-12,m-ana,,phone:15:weekly:2026-12-01",
        "+K-7,c-7,foster-care,high,2024-05-01,,,",
        "-K-8,c-4,foster-care,low,,,,",
        "+K-8,c-4,foster-care,low,,m-cy,,",
    ]


def test_leave_in_a_managers_csv_gets_a_new_managers_csv(tmp_path: Path) -> None:
    source_dir = tmp_path / "org"
    source_dir.mkdir()
    (source_dir / "managers.csv").write_text("id,name,level,leave\nm-ana,Ana Ruiz,senior,2026-12-04;2026-12-08\n"
                                             "m-ben,Ben Okafor,senior,2026-12-01\nm-cy,Cy Lund,junior,\n")
    text = (DATA / "rebalance.yaml").read_text()
    managers = text[text.index("managers:\n"):text.index("\nclients:") + 1]
    (source_dir / "org.yaml").write_text(text.replace(managers, "managers: managers.csv\n"))
    files = changed_files(source_dir / "org.yaml", ConfigChanges(leave=ROLLED.leave), tmp_path / "next.yaml")
    assert files[tmp_path / "next-managers.csv"] == ("id,name,level,leave\nm-ana,Ana Ruiz,senior,2026-12-08\n"
                                                    "m-ben,Ben Okafor,senior,\nm-cy,Cy Lund,junior,\n")
    assert "managers: next-managers.csv\n" in files[tmp_path / "next.yaml"]


def test_without_force_no_existing_file_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "next.yaml").write_text("keep me")
    with pytest.raises(ConfigError) as caught:
        write_changed(DATA / "rebalance.yaml", ROLLED, tmp_path / "next.yaml", force=False)
    assert [str(problem) for problem in caught.value.problems] == [
        f"{tmp_path / 'next.yaml'}: next.yaml already exists; choose another -o, or pass --force to overwrite it"]
    assert (tmp_path / "next.yaml").read_text() == "keep me"
    write_changed(DATA / "rebalance.yaml", ROLLED, tmp_path / "next.yaml", force=True)
    assert load_config(tmp_path / "next.yaml").week_start == date(2026, 12, 7)
