"""`apply` writes: only managers of moved cases change; comments, order and formatting survive."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from export.apply import applied_files, write_applied
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
    assert "clients: ../org/clients.csv" in output.read_text()
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
