"""Nothing lost, nothing overwritten: the attacks on caseload's outputs, replayed through the command line.

A disk that fills up while the set is written (an injected ENOSPC, and a real 1 MB tmpfs where this
machine lets a test mount one), a read-only calendars/, a calendars/ that is a link to somewhere else,
a FIFO or a device as the output, an output "folder" below a file, a user's own calendar, a
hand-written organisation.yaml: each ends in a one-line message with the documented exit code (1: the
output may not be replaced, refused before anything is written; 4: writing failed), never a traceback,
and the previous outputs are byte-identical afterwards.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli import main
from export import output_set
from export.output_set import MANIFEST_NAME
from tests.hardening.helpers import DATA, caseload

TINY = DATA / "tiny.yaml"
ARGS = ["--workers", "1", "--time-limit", "5", "--seed", "0", "--quiet"]


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every regular file under `folder` (links not followed) -> its bytes."""
    return {str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file() and not path.is_symlink()}


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("planned") / "out"
    result = run("plan", str(TINY), "-o", str(out), *ARGS)
    assert result.exit_code == 0, result.output
    assert (out / "calendars").is_dir() and (out / MANIFEST_NAME).is_file()
    return out


@pytest.fixture
def earlier(planned: Path, tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A folder holding a complete earlier `plan` output, and its bytes."""
    out = tmp_path / "out"
    shutil.copytree(planned, out)
    return out, snapshot(out)


def assert_no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


@pytest.mark.parametrize("failing_write", [1, 5, 8])  # plan.json, a calendar, the manifest (the 8th, last)
def test_disk_full_while_writing_exits_4_and_leaves_the_earlier_outputs_byte_identical(
        earlier: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch, failing_write: int) -> None:
    out, before = earlier
    real = output_set._write_file
    calls: list[Path] = []

    def filling_up(path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) == failing_write:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(path, data)

    monkeypatch.setattr(output_set, "_write_file", filling_up)
    result = run("plan", str(TINY), "-o", str(out), *ARGS, "--seed", "3")
    assert_no_traceback(result)
    assert result.exit_code == 4, result.output
    assert result.output.startswith("could not write the outputs: ")
    assert "No space left on device (ENOSPC); nothing was written, the earlier outputs" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert snapshot(out) == before


@pytest.mark.parametrize("failing_move", [1, 6, 12])  # setting the first old file aside .. moving new ones in
def test_a_rename_failing_midway_through_the_swap_puts_the_earlier_set_back(
        earlier: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch, failing_move: int) -> None:
    out, before = earlier
    real = output_set._move
    calls: list[Path] = []

    def failing(source: Path, target: Path) -> None:
        calls.append(target)
        if len(calls) == failing_move:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real(source, target)

    monkeypatch.setattr(output_set, "_move", failing)
    result = run("plan", str(TINY), "-o", str(out), *ARGS, "--seed", "3")
    assert_no_traceback(result)
    assert result.exit_code == 4, result.output
    assert "Input/output error (EIO); nothing was written" in result.output
    assert snapshot(out) == before


@contextlib.contextmanager
def mounted_tmpfs(folder: Path, options: str) -> Iterator[bool]:
    """A tmpfs at `folder` (yields False where this machine does not let a test mount one)."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        yield False
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                             capture_output=True, check=False).returncode == 0
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def test_a_really_full_disk_exits_4_and_leaves_the_earlier_outputs(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    with mounted_tmpfs(disk, "size=1m") as mounted:
        if not mounted:
            pytest.skip("cannot mount a small tmpfs here (needs root); the injected ENOSPC tests cover this")
        out = disk / "out"
        assert caseload(["plan", str(TINY), "-o", str(out), *ARGS]).returncode == 0
        with (disk / "filler").open("wb") as filler, contextlib.suppress(OSError):
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        before = snapshot(out)
        result = caseload(["plan", str(TINY), "-o", str(out), *ARGS, "--seed", "3"])
        assert "Traceback" not in result.stderr
        assert result.returncode == 4, result.stderr
        assert "No space left on device (ENOSPC)" in result.stderr
        assert snapshot(out) == before


def test_a_read_only_calendars_folder_is_refused_and_nothing_changes(earlier: tuple[Path, dict[str, bytes]]) -> None:
    out, before = earlier
    calendars = out / "calendars"
    if os.geteuid() == 0:  # root writes through file modes: make it truly read-only, a read-only tmpfs
        with mounted_tmpfs(calendars, "ro,size=64k") as mounted:
            if not mounted:
                pytest.skip("running as root without mount: permissions do not bind root")
            before = snapshot(out)
            result = caseload(["plan", str(TINY), "-o", str(out), *ARGS])
            after = snapshot(out)
    else:
        calendars.chmod(0o555)
        try:
            result = caseload(["plan", str(TINY), "-o", str(out), *ARGS])
        finally:
            calendars.chmod(0o755)
        after = snapshot(out)
    assert "Traceback" not in result.stderr
    assert result.returncode == 1, result.stderr
    assert f"{calendars}: the folder is not writable" in result.stderr
    assert after == before


def test_a_symlinked_calendars_folder_is_refused_and_files_outside_survive(
        earlier: tuple[Path, dict[str, bytes]], tmp_path: Path) -> None:
    out, _ = earlier
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "m-ana.ics").write_text("someone else's calendar")
    (outside / "m-old.ics").write_text("another one")
    shutil.rmtree(out / "calendars")
    (out / "calendars").symlink_to(outside, target_is_directory=True)
    before = snapshot(out)
    result = run("plan", str(TINY), "-o", str(out), *ARGS, "--force")  # not even with --force
    assert_no_traceback(result)
    assert result.exit_code == 1, result.output
    assert f"{out / 'calendars'}: is a symbolic link; caseload neither writes nor removes files through links" \
        in result.output
    assert snapshot(out) == before
    assert snapshot(outside) == {"m-ana.ics": b"someone else's calendar", "m-old.ics": b"another one"}


def test_the_users_own_calendar_survives_and_only_recorded_files_go(earlier: tuple[Path, dict[str, bytes]]) -> None:
    out, _ = earlier
    (out / "calendars" / "my-own.ics").write_text("BEGIN:VCALENDAR\nEND:VCALENDAR\n")
    (out / "notes.md").write_text("my notes")
    result = run("assign", str(TINY), "-o", str(out), *ARGS)  # no schedule: schedule.csv and calendars go
    assert result.exit_code == 0, result.output
    assert not (out / "schedule.csv").exists()
    assert sorted(path.name for path in (out / "calendars").iterdir()) == ["my-own.ics"]
    assert (out / "notes.md").read_text() == "my notes"


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_report_onto_a_fifo_or_a_device_is_refused(planned: Path, tmp_path: Path, kind: str) -> None:
    target = Path("/dev/null")
    if kind == "fifo":
        target = tmp_path / "report.html"
        os.mkfifo(target)
    result = caseload(["report", str(planned / "plan.json"), "-o", str(target)], timeout=120)
    assert "Traceback" not in result.stderr
    assert result.returncode == 1, result.stderr
    expected = "a FIFO (named pipe)" if kind == "fifo" else "a character device"
    assert f"{target}: is {expected}, not a regular file" in result.stderr
    assert target.is_fifo() if kind == "fifo" else target.is_char_device()


def test_a_fifo_where_plan_json_goes_is_refused(earlier: tuple[Path, dict[str, bytes]]) -> None:
    out, _ = earlier
    (out / "plan.json").unlink()
    os.mkfifo(out / "plan.json")
    result = run("plan", str(TINY), "-o", str(out), *ARGS)
    assert result.exit_code == 1, result.output
    assert "plan.json: is a FIFO (named pipe), not a regular file" in result.output
    assert (out / "plan.json").is_fifo()


@pytest.mark.parametrize("where", ["dev-null", "below-a-file"])
def test_an_output_folder_that_cannot_be_one_is_a_clear_message(tmp_path: Path, where: str) -> None:
    (tmp_path / "a-file").write_text("x")
    out = Path("/dev/null") if where == "dev-null" else tmp_path / "a-file" / "out"
    result = run("plan", str(TINY), "-o", str(out), *ARGS)
    assert_no_traceback(result)
    assert result.exit_code == 1, result.output
    expected = ("/dev/null: is a character device, not a folder" if where == "dev-null"
                else f"{out}: cannot be created: {tmp_path / 'a-file'} is a file, not a folder")
    assert result.output.splitlines()[0].startswith(expected)
    assert (tmp_path / "a-file").read_text() == "x"


def test_generate_refuses_to_overwrite_a_hand_written_config_without_force(tmp_path: Path) -> None:
    (tmp_path / "organisation.yaml").write_text("# my organisation, written by hand\n")
    result = run("generate", "--managers", "2", "--cases", "3", "-o", str(tmp_path))
    assert_no_traceback(result)
    assert result.exit_code == 1, result.output
    assert f"{tmp_path / 'organisation.yaml'}: exists and was not written by caseload; pass --force" in result.output
    assert (tmp_path / "organisation.yaml").read_text() == "# my organisation, written by hand\n"
    assert not (tmp_path / "managers.csv").exists()
    forced = run("generate", "--managers", "2", "--cases", "3", "-o", str(tmp_path), "--force")
    assert forced.exit_code == 0, forced.output
    again = run("generate", "--managers", "2", "--cases", "4", "-o", str(tmp_path))  # its own files: no --force
    assert again.exit_code == 0, again.output


def test_report_and_apply_refuse_a_file_they_did_not_write(planned: Path, tmp_path: Path) -> None:
    mine = tmp_path / "report.html"
    mine.write_text("my own page")
    refused = run("report", str(planned / "plan.json"), "-o", str(mine))
    assert refused.exit_code == 1 and "pass --force to overwrite it" in refused.output
    assert mine.read_text() == "my own page"
    assert run("report", str(planned / "plan.json"), "-o", str(mine), "--force").exit_code == 0
    assert run("report", str(planned / "plan.json"), "-o", str(mine)).exit_code == 0  # now caseload's
    proposals = tmp_path / "proposals.csv"
    proposals.write_text("case,from_manager,to_manager\n")
    existing = tmp_path / "next.yaml"
    existing.write_text("# keep me\n")
    result = run("apply", str(TINY), str(proposals), "-o", str(existing))
    assert result.exit_code == 1 and "pass --force to overwrite it" in result.output, result.output
    assert existing.read_text() == "# keep me\n"
