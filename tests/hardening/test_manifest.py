"""A hand-edited manifest removes nothing of the user's (issue 21, finding 3).

`.caseload-manifest.json` is a file anyone can edit. The red team listed their own files in it with
their true SHA-256, and the next run removed them as stale outputs. caseload now removes only names it
writes: its fixed output names, curve and scenario plans, and `calendars/<manager-id>.ics` of the
config's managers; whatever else a manifest lists stays (and is no longer recorded).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from export.output_set import MANIFEST_NAME, read_manifest
from tests.hardening.helpers import QUICK, TINY, plan_tiny, run


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return plan_tiny(tmp_path_factory.mktemp("planned") / "out")


def record_by_hand(out: Path, names: list[str]) -> None:
    """What the attacker did: list files in the manifest as caseload's, with their real hashes."""
    manifest = out / MANIFEST_NAME
    data = json.loads(manifest.read_text())
    for name in names:
        digest = hashlib.sha256((out / name).read_bytes()).hexdigest()
        data["files"][name] = {"sha256": digest, "command": "plan", "in_set": True}
    manifest.write_text(json.dumps(data))


def test_files_a_hand_edited_manifest_lists_are_never_removed(planned: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(planned, out)
    (out / "notes.txt").write_text("my notes")
    (out / "calendars" / "team-offsite.ics").write_text("BEGIN:VCALENDAR\nEND:VCALENDAR\n")
    (out / "drafts").mkdir()
    (out / "drafts" / "plan.json").write_text("{}")
    listed = ["notes.txt", "calendars/team-offsite.ics", "drafts/plan.json"]
    record_by_hand(out, listed)
    result = run("assign", str(TINY), "-o", str(out), *QUICK)  # writes no schedule: calendars are stale
    assert result.exit_code == 0, result.output
    assert (out / "notes.txt").read_text() == "my notes"
    assert (out / "calendars" / "team-offsite.ics").exists()
    assert (out / "drafts" / "plan.json").read_text() == "{}"
    assert not set(listed) & set(read_manifest(out))  # no longer recorded as caseload's
    # caseload's own stale outputs still go: the schedule and the calendars of the config's managers.
    assert not (out / "schedule.csv").exists()
    assert sorted(path.name for path in (out / "calendars").iterdir()) == ["team-offsite.ics"]
