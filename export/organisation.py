"""Writing a generated organisation: organisation.yaml plus the managers, clients and cases CSV files."""

from __future__ import annotations

from pathlib import Path

from export.files import csv_text, write_atomic
from models.generator import GeneratedOrganisation, organisation_tables, organisation_yaml


def write_organisation(org: GeneratedOrganisation, out_dir: Path) -> Path:
    """Write organisation.yaml plus managers.csv, clients.csv and cases.csv; return the YAML path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, (columns, rows) in organisation_tables(org).items():
        write_atomic(out_dir / name, csv_text(columns, rows))
    path = out_dir / "organisation.yaml"
    write_atomic(path, organisation_yaml(org))
    return path
