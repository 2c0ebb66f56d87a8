"""Two runs into one output folder exclude each other (issue 21, finding 2).

The red team ran pairs of `caseload plan` into one folder at once: 4 pairs in 150 left a mixed set
(plan.json and report.html of one run, the rest of the other) and the next run refused the folder. An
output set now holds an advisory lock (flock) on its folder while it is staged and swapped in: the
second run waits for the first (up to export.output_set.LOCK_WAIT_S), then lands its own whole set;
if the folder stays busy it is refused with exit 1.

The interleaving is forced here, not left to chance: the first run is stopped in the middle of its
swap while the second one starts.
"""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from export import output_set
from export.output_set import MANIFEST_NAME, lock_folder, read_manifest, write_output_set
from tests.hardening.helpers import DATA, QUICK, ROOT, TINY, caseload, popen_caseload

NAMES = ("plan.json", "assignments.csv", "report.html", "schedule.csv")


def write_set(folder: Path, content: str) -> None:
    write_output_set(folder, {folder / name: f"{content} {name}" for name in NAMES}, "plan")


def writer(folder: Path, content: str, errors: list[BaseException], name: str | None = None) -> threading.Thread:
    """A run writing its set of `content` from a thread; what it raises lands in `errors`, not lost."""
    def run() -> None:
        try:
            write_set(folder, content)
        except BaseException as error:
            errors.append(error)

    return threading.Thread(target=run, name=name)


def assert_manifest_records_the_folder(folder: Path) -> None:
    recorded = read_manifest(folder)
    assert {name: recorded[name].sha256 for name in NAMES} == {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in NAMES}


def test_a_second_run_waits_for_the_first_and_the_folder_holds_one_whole_set(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_set(tmp_path, "earlier")
    in_swap, go_on = threading.Event(), threading.Event()
    real_move = output_set._move

    def first_run_pauses_mid_swap(source: Path, target: Path) -> None:
        if threading.current_thread().name == "first" and not in_swap.is_set():
            in_swap.set()
            assert go_on.wait(10)
        real_move(source, target)

    monkeypatch.setattr(output_set, "_move", first_run_pauses_mid_swap)
    errors: list[BaseException] = []
    first = writer(tmp_path, "first", errors, name="first")
    second = writer(tmp_path, "second", errors, name="second")
    first.start()
    assert in_swap.wait(10)
    second.start()
    time.sleep(0.5)
    assert second.is_alive()  # waiting for the folder, not swapping its files in among the first run's
    go_on.set()
    first.join(10)
    second.join(10)
    assert errors == []
    assert {name: (tmp_path / name).read_text() for name in NAMES} == {name: f"second {name}" for name in NAMES}
    assert_manifest_records_the_folder(tmp_path)


def test_a_folder_another_run_keeps_busy_is_refused_with_exit_1(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(output_set, "LOCK_WAIT_S", 0.3)
    held = lock_folder(out)  # another run, busy writing there
    assert held is not None
    try:
        started = time.monotonic()
        result = CliRunner().invoke(main, ["report", str(DATA / "report" / "plan.json"), "-o",
                                           str(out / "report.html")])
        waited = time.monotonic() - started
    finally:
        output_set._unlock(held)
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [
        f"{out}: is in use: another caseload run is writing its outputs there; waited 0.3 s for it to finish: run "
        "again when it has, or choose another output folder", "1 problem found; nothing was written."]
    assert 0.3 <= waited < 10
    assert sorted(path.name for path in out.iterdir()) == []
    assert not (out / MANIFEST_NAME).exists()
    # Once the other run is done, the same command goes through.
    again = CliRunner().invoke(main, ["report", str(DATA / "report" / "plan.json"), "-o", str(out / "report.html")])
    assert again.exit_code == 0, again.output


PAIRS = 50


def test_fifty_pairs_of_runs_into_one_folder_each_leave_one_whole_set(tmp_path: Path) -> None:
    """The red team's attack, 50 times: two runs started together into one folder. After each pair the
    folder holds every file of one run and the manifest records exactly those (4 pairs in 150 mixed)."""
    errors: list[BaseException] = []
    for pair in range(PAIRS):
        contents = (f"pair {pair} a", f"pair {pair} b")
        threads = [writer(tmp_path, content, errors) for content in contents]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert errors == [], pair
        found = {name: (tmp_path / name).read_text() for name in NAMES}
        winner = found["plan.json"].removesuffix(" plan.json")
        assert winner in contents, pair
        assert found == {name: f"{winner} {name}" for name in NAMES}, pair
        assert_manifest_records_the_folder(tmp_path)


def test_two_caseload_processes_into_one_folder_leave_one_whole_plan(tmp_path: Path) -> None:
    """Real processes, as two cron jobs would: both exit 0, and the folder holds one run's whole set, which
    `caseload check` passes."""
    out = tmp_path / "out"
    runs = [popen_caseload(["plan", str(TINY), "-o", str(out), *QUICK]) for _ in range(2)]
    for process in runs:
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
    check = caseload(["check", str(TINY), str(out / "plan.json")])
    assert check.returncode == 0, check.stdout + check.stderr
    recorded = read_manifest(out)
    assert recorded and all(hashlib.sha256((out / name).read_bytes()).hexdigest() == entry.sha256
                            for name, entry in recorded.items())


def test_a_run_killed_while_it_holds_the_folder_does_not_block_the_next(tmp_path: Path) -> None:
    """The lock is the kernel's: a run killed outright (SIGKILL, no clean-up) lets go of the folder with
    its process, so the next run goes through at once instead of waiting or refusing the folder."""
    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; sys.path.insert(0, sys.argv[1]);"
        "from export.output_set import lock_folder; from pathlib import Path;"
        "assert lock_folder(Path(sys.argv[2])) is not None; print('held', flush=True); time.sleep(600)"),
        str(ROOT), str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        holder.send_signal(signal.SIGKILL)
        holder.wait(30)
        started = time.monotonic()
        result = CliRunner().invoke(main, ["report", str(DATA / "report" / "plan.json"), "-o",
                                           str(out / "report.html")])
        assert result.exit_code == 0, result.output
        assert time.monotonic() - started < output_set.LOCK_WAIT_S
    finally:
        if holder.poll() is None:
            holder.kill()
