"""Writing a generated organisation: organisation.yaml plus the managers, clients and cases CSV files."""

from __future__ import annotations

from pathlib import Path

from export.files import csv_text
from export.output_set import write_output_set
from models.generator import GeneratedOrganisation, organisation_tables, organisation_yaml


def write_organisation(org: GeneratedOrganisation, out_dir: Path, *, force: bool = False) -> Path:
    """Write organisation.yaml plus managers.csv, clients.csv and cases.csv as one set; return the YAML path.

    A file of that name that caseload did not write (a hand-written organisation.yaml) is replaced only
    with `force` (`export.output_set`).
    """
    files: dict[Path, str | bytes] = {out_dir / name: csv_text(columns, rows)
                                      for name, (columns, rows) in organisation_tables(org).items()}
    path = out_dir / "organisation.yaml"
    files[path] = organisation_yaml(org)
    write_output_set(out_dir, files, "generate", in_set=False, force=force)
    return path
