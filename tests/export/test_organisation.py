"""Writing a generated organisation (export/organisation.py): the four files, and they load back as the
organisation that was generated."""

from __future__ import annotations

from pathlib import Path

from export.organisation import write_organisation
from models.generator import generate_organisation
from models.loader import load_config


def test_the_files_load_back_as_the_generated_organisation(tmp_path: Path) -> None:
    org = generate_organisation(3, 6, 1)
    path = write_organisation(org, tmp_path / "office")
    assert path == tmp_path / "office" / "organisation.yaml"
    assert sorted(item.name for item in path.parent.iterdir()) == \
        [".caseload-manifest.json", "cases.csv", "clients.csv", "managers.csv", "organisation.yaml"]
    assert load_config(path).model_dump() == org.to_config().model_dump()


def test_the_yaml_names_the_csv_files_and_starts_with_the_comment(tmp_path: Path) -> None:
    path = write_organisation(generate_organisation(3, 6, 1), tmp_path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Synthetic organisation from `caseload generate --managers 3 --cases 6 --seed 1`")
    assert "managers: managers.csv\nclients: clients.csv\ncases: cases.csv\n" in text
    assert len((tmp_path / "cases.csv").read_text(encoding="utf-8").splitlines()) == 1 + 6  # header + cases


def test_writing_again_replaces_the_files(tmp_path: Path) -> None:
    write_organisation(generate_organisation(3, 6, 1), tmp_path)
    path = write_organisation(generate_organisation(3, 4, 2), tmp_path)
    assert len(load_config(path).cases) == 4
