"""One output transaction (export/output_set.py): the set lands whole or not at all, only recorded files
are removed, nothing but regular files is replaced, no link is followed, --force for foreign files."""

from __future__ import annotations

import errno
import json
import os
import re
import signal
from pathlib import Path

import pytest

from export import output_set
from export.output_set import (
    MANIFEST_NAME,
    OutputSet,
    OutputWriteError,
    OwnedNames,
    read_manifest,
    write_output_set,
)
from models.problems import ConfigError


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every regular file under `folder` (links not followed) -> its bytes."""
    return {str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file() and not path.is_symlink()}


def first_set(folder: Path) -> dict[str, bytes]:
    write_output_set(folder, {folder / "plan.json": "old plan", folder / "calendars" / "m-ana.ics": "old ana",
                              folder / "calendars" / "m-ben.ics": "old ben", folder / "schedule.csv": "old"}, "plan")
    return snapshot(folder)


NEW = {"plan.json": "new plan", "calendars/m-ana.ics": "new ana"}


# The config's managers: their calendars are caseload's names, which a later set may remove.
MANAGERS = OwnedNames.for_managers(["m-ana", "m-ben"])


def write_new(folder: Path, **options: object) -> list[Path]:
    options.setdefault("owned", MANAGERS)
    return write_output_set(folder, {folder / name: text for name, text in NEW.items()}, "plan", **options)  # type: ignore[arg-type]


def test_a_later_set_replaces_the_earlier_one_and_removes_only_what_it_recorded(tmp_path: Path) -> None:
    first_set(tmp_path)
    (tmp_path / "calendars" / "mine.ics").write_text("the user's own calendar")
    (tmp_path / "notes.txt").write_text("the user's notes")
    written = write_new(tmp_path)
    assert sorted(path.relative_to(tmp_path).as_posix() for path in written) == sorted(NEW)
    assert snapshot(tmp_path) == {MANIFEST_NAME: (tmp_path / MANIFEST_NAME).read_bytes(),
                                  "calendars/m-ana.ics": b"new ana", "calendars/mine.ics": b"the user's own calendar",
                                  "notes.txt": b"the user's notes", "plan.json": b"new plan"}
    assert sorted(read_manifest(tmp_path)) == sorted(NEW)
    assert not [path for path in tmp_path.iterdir() if path.name.endswith(".tmp")]


def test_a_recorded_file_the_user_changed_is_kept_not_removed(tmp_path: Path) -> None:
    first_set(tmp_path)
    (tmp_path / "schedule.csv").write_text("edited by hand")
    write_new(tmp_path)
    assert (tmp_path / "schedule.csv").read_text() == "edited by hand"
    assert "schedule.csv" not in read_manifest(tmp_path)  # now the user's


def test_a_file_caseload_did_not_write_is_replaced_only_with_force(tmp_path: Path) -> None:
    (tmp_path / "plan.json").write_text("hand-written")
    with pytest.raises(ConfigError) as refused:
        write_new(tmp_path)
    assert str(refused.value) == f"{tmp_path / 'plan.json'}: exists and was not written by caseload; pass --force " \
                                 "to overwrite it"
    assert snapshot(tmp_path) == {"plan.json": b"hand-written"}
    write_new(tmp_path, force=True)
    assert (tmp_path / "plan.json").read_text() == "new plan"


def test_a_recorded_file_changed_since_is_replaced_only_with_force(tmp_path: Path) -> None:
    first_set(tmp_path)
    (tmp_path / "plan.json").write_text("reviewed and edited")
    with pytest.raises(ConfigError, match="was changed since caseload wrote it; pass --force"):
        write_new(tmp_path)
    assert (tmp_path / "plan.json").read_text() == "reviewed and edited"


def test_an_input_is_never_replaced_even_with_force(tmp_path: Path) -> None:
    (tmp_path / "plan.json").write_text("an input")
    with pytest.raises(ConfigError, match="is an input of this command"):
        write_new(tmp_path, force=True, protect=[tmp_path / "plan.json"])
    assert (tmp_path / "plan.json").read_text() == "an input"


def test_a_symlinked_subfolder_is_refused_and_nothing_outside_is_touched(tmp_path: Path) -> None:
    out, outside = tmp_path / "out", tmp_path / "elsewhere"
    first_set(out)
    outside.mkdir()
    (outside / "m-ben.ics").write_text("someone else's file")
    earlier = snapshot(out)
    calendars = out / "calendars"
    for path in calendars.iterdir():
        path.unlink()
    calendars.rmdir()
    calendars.symlink_to(outside, target_is_directory=True)
    earlier = snapshot(out)
    with pytest.raises(ConfigError, match="calendars: is a symbolic link; caseload neither writes nor removes"):
        write_new(out)
    assert snapshot(out) == earlier
    assert snapshot(outside) == {"m-ben.ics": b"someone else's file"}


def test_a_stale_file_behind_a_symlinked_folder_is_never_removed(tmp_path: Path) -> None:
    out, outside = tmp_path / "out", tmp_path / "elsewhere"
    write_output_set(out, {out / "plan.json": "a", out / "old" / "x.ics": "x"}, "plan")
    (out / "old" / "x.ics").unlink()
    (out / "old").rmdir()
    outside.mkdir()
    (outside / "x.ics").write_text("x")  # same content as recorded, but outside the folder
    (out / "old").symlink_to(outside, target_is_directory=True)
    write_output_set(out, {out / "plan.json": "b"}, "plan")
    assert (outside / "x.ics").read_text() == "x"


@pytest.mark.parametrize("kind", ["fifo", "folder", "symlink"])
def test_only_regular_files_are_replaced(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "plan.json"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "folder":
        target.mkdir()
    else:
        (tmp_path / "real.json").write_text("real")
        target.symlink_to(tmp_path / "real.json")
    expected = {"fifo": "a FIFO (named pipe)", "folder": "a folder", "symlink": "a symbolic link"}[kind]
    with pytest.raises(ConfigError, match=re.escape(f"plan.json: is {expected}, not a regular file")):
        write_new(tmp_path, force=True)  # not even with --force
    assert target.is_symlink() if kind == "symlink" else (target.is_fifo() if kind == "fifo" else target.is_dir())


def test_a_device_or_a_file_as_the_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="/dev/null: is a character device, not a folder"):
        write_output_set(Path("/dev/null"), {Path("/dev/null/plan.json"): "x"}, "plan")
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(ConfigError, match=r"cannot be created: .*a-file is a file, not a folder"):
        write_output_set(tmp_path / "a-file" / "out", {tmp_path / "a-file" / "out" / "plan.json": "x"}, "plan")


@pytest.mark.parametrize("failing_write", [1, 2, 3])  # the first file, the second, the manifest
def test_disk_full_while_staging_leaves_the_earlier_set_byte_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                       failing_write: int) -> None:
    earlier = first_set(tmp_path)
    real = output_set._write_file
    calls: list[Path] = []

    def filling_up(path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) == failing_write:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(path, data)

    monkeypatch.setattr(output_set, "_write_file", filling_up)
    with pytest.raises(OutputWriteError, match=r"No space left on device \(ENOSPC\); nothing was written"):
        write_new(tmp_path)
    assert snapshot(tmp_path) == earlier
    assert not [path for path in tmp_path.iterdir() if path.name.endswith(".tmp")]


@pytest.mark.parametrize("failing_move", range(1, 8))  # every rename of the swap: aside (3), in (3), manifest
def test_a_failure_during_the_swap_puts_every_earlier_file_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                failing_move: int) -> None:
    earlier = first_set(tmp_path)
    real = output_set._move
    calls: list[Path] = []

    def read_only_at(source: Path, target: Path) -> None:
        calls.append(target)
        if len(calls) == failing_move:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(target))
        real(source, target)

    monkeypatch.setattr(output_set, "_move", read_only_at)
    with pytest.raises(OutputWriteError, match=r"Permission denied \(EACCES\); nothing was written, the earlier"):
        write_output_set(tmp_path, {tmp_path / "plan.json": "new", tmp_path / "calendars" / "m-ana.ics": "new",
                                    tmp_path / "report.html": "new"}, "plan")
    assert len(calls) >= failing_move
    assert snapshot(tmp_path) == earlier
    assert not [path for path in tmp_path.iterdir() if path.name.endswith(".tmp")]


def test_a_failed_first_run_leaves_no_folder_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(output_set, "_write_file", full)
    with pytest.raises(OutputWriteError):
        write_new(tmp_path / "new" / "out")
    assert list(tmp_path.iterdir()) == []


def test_an_interrupt_during_staging_leaves_the_earlier_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    earlier = first_set(tmp_path)
    real = output_set._write_file

    def interrupted(path: Path, data: bytes) -> None:
        real(path, data)
        raise KeyboardInterrupt

    monkeypatch.setattr(output_set, "_write_file", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_new(tmp_path)
    assert snapshot(tmp_path) == earlier


def test_an_interrupt_during_the_swap_acts_once_the_new_set_is_in(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    first_set(tmp_path)
    real = output_set._move
    calls: list[Path] = []

    def signalled(source: Path, target: Path) -> None:
        real(source, target)
        calls.append(target)
        if len(calls) == 1:
            signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(output_set, "_move", signalled)
    with pytest.raises(KeyboardInterrupt):
        write_new(tmp_path)
    assert (tmp_path / "plan.json").read_text() == "new plan"
    assert sorted(read_manifest(tmp_path)) == sorted(NEW)


def test_an_unreadable_manifest_records_nothing(tmp_path: Path) -> None:
    first_set(tmp_path)
    (tmp_path / MANIFEST_NAME).write_text("{not json")
    assert read_manifest(tmp_path) == {}
    with pytest.raises(ConfigError, match=r"plan\.json: exists and was not written by caseload"):
        write_new(tmp_path)


def test_single_files_are_recorded_beside_a_set_and_never_removed_by_it(tmp_path: Path) -> None:
    first_set(tmp_path)
    write_output_set(tmp_path, {tmp_path / "summary.html": "a report"}, "report", in_set=False)
    write_output_set(tmp_path, {tmp_path / "summary.html": "again"}, "report", in_set=False)  # its own: no --force
    write_new(tmp_path)
    assert (tmp_path / "summary.html").read_text() == "again"
    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text())
    assert manifest["files"]["summary.html"]["command"] == "report"


def test_names_must_stay_inside_the_folder(tmp_path: Path) -> None:
    with OutputSet(tmp_path, "plan") as output:
        for name in ("../escape.json", "/etc/passwd", MANIFEST_NAME, "a/../../b"):
            with pytest.raises(ValueError):
                output.add(name, "x")
        output.add("ok.json", "x")
    assert (tmp_path / "ok.json").read_text() == "x"
