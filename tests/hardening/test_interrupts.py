"""Interrupted runs leave the earlier outputs or a complete new set, never a mix, and end cleanly.

`caseload plan` runs as a real process on a generated organisation whose output folder already
holds a complete earlier plan; SIGINT or SIGTERM arrives before solving, while solving or while the
files are written. Afterwards every file parses, plan.json passes the checker and matches the other
files, no temporary file is left behind, and stderr has a one-line message instead of a traceback.

Signals are sent on what the command is doing, never after so many wall seconds (a busy or a fast
machine moves those): once it has loaded OR-Tools (cli.py imports the engine inside the command,
under its interrupt handling), once a CP-SAT solve has started (the command runs with --verbose,
which logs each solve), or once its staging folder appears.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from cli import _sigterm_as_interrupt
from export.bundle import write_outputs
from export.files import plan_json
from export.output_set import MANIFEST_NAME
from models.loader import load_config
from scheduler.core.options import SolveOptions
from scheduler.pipeline import plan_week
from tests.hardening.helpers import (
    DATA,
    assert_complete_output,
    caseload,
    child_env,
    leftover_temporaries,
    popen_caseload,
    write_generated,
)

MANAGERS, CASES = 12, 200
TIME_LIMIT = "4"
EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
PROC = Path("/proc")


@pytest.fixture(scope="module")
def organisation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_generated(MANAGERS, CASES, 11, tmp_path_factory.mktemp("org"))


@pytest.fixture(scope="module")
def first_output(organisation: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("first") / "out"
    result = caseload(["plan", str(organisation), "-o", str(out), "--time-limit", TIME_LIMIT, "--workers", "1",
                       "--seed", "1", "--quiet"])
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture
def earlier_output(first_output: Path, tmp_path: Path) -> tuple[Path, bytes]:
    """An output folder holding a complete plan from an earlier run; returns it and its plan.json."""
    out = tmp_path / "out"
    shutil.copytree(first_output, out)
    return out, (out / "plan.json").read_bytes()


def _solver_loaded(pid: int) -> bool:
    try:
        return "ortools" in (PROC / str(pid) / "maps").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _wait_until_running(process: subprocess.Popen[str]) -> None:
    give_up = time.monotonic() + 120
    while not _solver_loaded(process.pid):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < give_up, "the command never loaded the solver"
        time.sleep(0.02)


# Processes whose output threads of _wait_until_solving read (pid -> the stderr reader and its lines).
_DRAINED: dict[int, tuple[threading.Thread, list[str]]] = {}


def _wait_until_solving(process: subprocess.Popen[str]) -> bool:
    """Wait until a CP-SAT solve has started (the command runs with --verbose, which logs each solve to
    stdout): the state the signal must find, whatever the machine's speed or load. False when the run
    ended first. Stdout and stderr are drained to their end in threads; `_finish` collects stderr."""
    solving = threading.Event()

    def drain() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if "Starting CP-SAT solver" in line:
                solving.set()
        solving.set()  # the run ended (its stdout closed)

    errors: list[str] = []
    assert process.stderr is not None
    stderr_reader = threading.Thread(target=lambda: errors.extend(process.stderr or []), daemon=True)
    _DRAINED[process.pid] = (stderr_reader, errors)
    stderr_reader.start()  # --verbose may log to stderr too: a full pipe must not stall the run
    threading.Thread(target=drain, daemon=True).start()
    assert solving.wait(timeout=180), "the command never started a solve"
    return process.poll() is None


def _wait_until_writing(process: subprocess.Popen[str], out: Path) -> bool:
    """Poll for the output set's staging folder; False when the run ended before we saw one."""
    while process.poll() is None:
        if leftover_temporaries(out):
            return True
        time.sleep(0.001)
    return False


def _finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    if process.pid not in _DRAINED:
        _stdout, stderr = process.communicate(timeout=180)
        return process.returncode, stderr
    process.wait(timeout=180)
    stderr_reader, errors = _DRAINED.pop(process.pid)
    stderr_reader.join(timeout=60)
    return process.returncode, "".join(errors)


def _assert_old_or_new_complete_set(organisation: Path, out: Path) -> None:
    data = assert_complete_output(organisation, out)
    assert data["solver"], "plan.json lists its solve stages"
    assert leftover_temporaries(out) == []


@pytest.mark.skipif(not (PROC / "self" / "maps").exists(), reason="needs /proc to see when the command runs")
@pytest.mark.parametrize(("signum", "when"), [
    (signal.SIGINT, "loaded"),  # before solving: loading the config
    (signal.SIGTERM, "loaded"),
    (signal.SIGTERM, "solving"),  # once a CP-SAT solve has started
], ids=["sigint-before-solving", "sigterm-before-solving", "sigterm-while-solving"])
def test_interrupted_plan_leaves_earlier_outputs_whole(organisation: Path, earlier_output: tuple[Path, bytes],
                                                       signum: signal.Signals, when: str) -> None:
    out, earlier = earlier_output
    process = popen_caseload(["plan", str(organisation), "-o", str(out), "--time-limit", TIME_LIMIT,
                              "--workers", "1", "--seed", "2", "--quiet" if when == "loaded" else "--verbose"])
    _wait_until_running(process)
    if when == "solving":
        assert _wait_until_solving(process), "the run ended before its first solve was seen"
    process.send_signal(signum)
    code, stderr = _finish(process)
    assert "Traceback" not in stderr
    assert code == EXIT_CODES[signum], stderr
    assert f"interrupted ({signum.name})" in stderr
    # Interrupted before the write phase: the earlier set, byte for byte.
    assert (out / "plan.json").read_bytes() == earlier
    _assert_old_or_new_complete_set(organisation, out)


@pytest.mark.skipif(not (PROC / "self" / "maps").exists(), reason="needs /proc to see when the command runs")
def test_sigterm_while_writing_leaves_the_earlier_or_the_complete_new_set(organisation: Path,
                                                                        earlier_output: tuple[Path, bytes]) -> None:
    out, earlier = earlier_output
    process = popen_caseload(["plan", str(organisation), "-o", str(out), "--time-limit", TIME_LIMIT,
                              "--workers", "1", "--seed", "2", "--quiet"])
    seen_writing = _wait_until_writing(process, out)
    if seen_writing:
        process.send_signal(signal.SIGTERM)
    code, stderr = _finish(process)
    assert "Traceback" not in stderr
    # Seen writing: while the set is staged the signal stops the run and the staging folder goes (the
    # earlier set stays); while it is swapped in the signal is held until the new set is in. Missed
    # (the write took less than the polling interval): the run simply finished with the new set.
    assert code == (143 if seen_writing else 0), stderr
    if not seen_writing:
        assert (out / "plan.json").read_bytes() != earlier  # the new set (its solver runtimes differ at least)
    _assert_old_or_new_complete_set(organisation, out)


@pytest.mark.skipif(not (PROC / "self" / "maps").exists(), reason="needs /proc to see when the command runs")
def test_sigint_while_solving_leaves_earlier_outputs_or_a_complete_new_set(
        organisation: Path, earlier_output: tuple[Path, bytes]) -> None:
    # Every solve leaves Ctrl-C to the command line (scheduler.core.cpsat.new_solver), so wherever it lands
    # the run ends with exit 130 and a message; the earlier set stays, or (when it lands while the
    # files are written) the complete new set is there.
    # Judged on what the signal found, not on wall seconds: the signal goes once a solve has started, and
    # a run that had already ended (a very fast machine) must simply have written its new set.
    out = earlier_output[0]
    process = popen_caseload(["plan", str(organisation), "-o", str(out), "--time-limit", TIME_LIMIT,
                              "--workers", "1", "--seed", "2", "--verbose"])
    _wait_until_running(process)
    still_running = _wait_until_solving(process)
    process.send_signal(signal.SIGINT)
    code, stderr = _finish(process)
    assert "Traceback" not in stderr
    assert code == (130 if still_running else 0), stderr
    _assert_old_or_new_complete_set(organisation, out)


def test_every_cp_sat_solve_leaves_ctrl_c_to_the_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Regression: CP-SAT's own Ctrl-C handler (catch_sigint_signal, on by default) swallowed a Ctrl-C as a
    time limit and the run carried on through the later stages."""
    from ortools.sat.python import cp_model

    catches: list[bool] = []
    solve, solve_deprecated = cp_model.CpSolver.solve, cp_model.CpSolver.Solve

    def recording(original: Any) -> Any:
        def run(solver: cp_model.CpSolver, *args: Any, **kwargs: Any) -> Any:
            catches.append(bool(solver.parameters.catch_sigint_signal))
            return original(solver, *args, **kwargs)
        return run

    monkeypatch.setattr(cp_model.CpSolver, "solve", recording(solve))
    monkeypatch.setattr(cp_model.CpSolver, "Solve", recording(solve_deprecated))
    config = load_config(write_generated(3, 12, 4, tmp_path))
    assert plan_week(config, SolveOptions(time_limit_s=10, workers=1, seed=1)).plan is not None
    assert catches, "the plan used CP-SAT"
    assert not any(catches)


CTRL_C_AFTER_A_SOLVE = """
import os, signal, sys, time
from models.loader import load_config
from scheduler.core.options import SolveOptions
from scheduler.pipeline import plan_week
from pathlib import Path
assert plan_week(load_config(Path(sys.argv[1])), SolveOptions(time_limit_s=10, workers=1, seed=1)).plan is not None
try:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(5)
except KeyboardInterrupt:
    print("KeyboardInterrupt")
"""


def test_ctrl_c_after_a_solve_is_still_a_keyboard_interrupt() -> None:
    """Regression: after a solve with CP-SAT's Ctrl-C handler on, OR-Tools left SIGINT at SIG_DFL, so a
    later Ctrl-C killed the process outright: no KeyboardInterrupt, no message, no clean-up."""
    result = subprocess.run([sys.executable, "-c", CTRL_C_AFTER_A_SOLVE, str(DATA / "tiny.yaml")],
                            cwd=DATA.parent.parent, capture_output=True, text=True, timeout=120,
                            env=child_env(None), check=False)
    assert result.returncode == 0, (result.returncode, result.stderr)
    assert result.stdout.strip() == "KeyboardInterrupt"


@pytest.mark.parametrize("phase", ["staging", "swap"])
def test_interrupt_while_writing_leaves_the_earlier_set_or_the_whole_new_one(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch,
                                                                           phase: str) -> None:
    # Deterministic version of the test above: SIGTERM and SIGINT arrive after the first file is staged
    # (the run stops, the earlier set stays) or after the first rename of the swap (held: the new set
    # lands whole, then the first held signal acts).
    from export import output_set

    config_path = write_generated(3, 12, 4, tmp_path / "org")
    config = load_config(config_path)
    options = SolveOptions(time_limit_s=10, workers=1, seed=1)
    first, second = plan_week(config, options).plan, plan_week(config, replace(options, seed=2)).plan
    assert first is not None and second is not None
    out = tmp_path / "out"
    write_outputs(first, config, out)
    earlier = {path: path.read_bytes() for path in out.rglob("*") if path.is_file()}
    seam = "_write_file" if phase == "staging" else "_move"
    real = getattr(output_set, seam)
    calls: list[Path] = []

    def then_signal(source: Path, content: Any) -> None:
        real(source, content)
        calls.append(source)
        if len(calls) == 1:
            signal.raise_signal(signal.SIGTERM)
            signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(output_set, seam, then_signal)
    with pytest.raises(KeyboardInterrupt) as raised, _sigterm_as_interrupt():
        write_outputs(second, config, out)
    assert raised.value.args == (signal.SIGTERM,)  # the first signal acts, as cli.Terminated
    if phase == "staging":
        assert {path: path.read_bytes() for path in out.rglob("*") if path.is_file()} == earlier
    else:
        assert json.loads((out / "plan.json").read_text(encoding="utf-8")) == json.loads(plan_json(second))
    _assert_old_or_new_complete_set(config_path, out)


def test_a_later_run_into_the_same_folder_leaves_no_file_of_the_earlier_run(tmp_path: Path) -> None:
    """Regression: write_outputs left schedule.csv and calendars/*.ics of an earlier run in place when the
    new plan had no schedule (`caseload plan -o out` then `caseload assign -o out`), mixing two runs."""
    from scheduler.assign.solve import assign_cases

    config = load_config(DATA / "tiny.yaml")
    options = SolveOptions(time_limit_s=10, workers=1, seed=1)
    scheduled = plan_week(config, options).plan
    assert scheduled is not None
    out = tmp_path / "out"
    write_outputs(scheduled, config, out)
    assigned = assign_cases(config, options).plan
    assert assigned is not None
    written = write_outputs(assigned, config, out)
    assert sorted(path for path in out.rglob("*") if path.is_file()) == sorted([*written, out / MANIFEST_NAME])
