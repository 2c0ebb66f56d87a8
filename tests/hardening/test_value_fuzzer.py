"""The value fuzzer (issue 21): every command on small organisations whose values sit at, inside and just
outside their documented ranges.

What it attacks. tests/hardening/test_fuzz_configs.py corrupts a config's *syntax*; this fuzzer keeps the
syntax and varies the *values* (tests/hardening/value_configs.py builds them with hypothesis): every number
of models/limits.py and docs/configuration.md "Ranges" at its minimum, its maximum, typical, anywhere
between, or just outside (min - e, max + e, 0, negative, x 1000) — weights, level capacities and case
limits, complexity points, case-type factors, fte, contact minutes, travel speed, drive limit, contact
share, contacts per day, slot size, introduction, solver settings, coordinates — and the values whose
range depends on the rest of the config: week_start (the first and last Mondays allowed, weeks with a
clock change or a leap day, a Tuesday, years 1999 and 2101), time zones (half-hour, 45-minute and
+14 h offsets, unknown names), holidays, leave and last-contact dates (in the week, around it, years
1900 and 2100, just outside them), frequencies (1 to 7 a week, 0 and 8 a week), working days (none,
weekends), day and lunch windows, availability windows (overlapping, backwards), blocked time,
appointments, optional fields present and absent, locked and escalated cases, households sharing an
address, languages and skills nobody has. Organisations have 2-6 managers and 3-15 cases, so each
command takes well under a second, and a scenario file of two scenarios whose numbers vary the same way.

What must hold, for each organisation, run in this process with click's CliRunner:

- `validate` exits 0 or 1; exit 1 lists every problem on a located line (FILE:LINE[:COL]: field: ...),
  names the field of every value put out of range, and then `plan`, `rebalance`, `roll`, `whatif` and
  `check` refuse the config the same way (exit 1, located) and write nothing;
- a valid config: `plan` exits 0 and `check` passes its plan.json; `rebalance` exits 0 and `check` passes
  its plan.json; `roll` writes next week's config, which validates (the week of 2100-12-27 has no next
  week: there a located refusal); `whatif` with the two scenarios exits 0 (`check` passes the base plan)
  or, when a scenario's value is out of range or names nobody, 1 with located lines naming it;
- never exit 4, never a traceback or an exception, and each of `plan`, `rebalance` and `whatif` within
  1.1 x its `--time-limit` + 1 s of CPU time (time.process_time(), after collecting garbage, as
  tests/hardening/test_time_limit.py measures: a busy machine stretches wall seconds, not work; each
  runs with `--workers 1`, so CP-SAT uses one thread and whatif plans its scenarios in this process).

Every example runs, also after a failure: the test goes through all of them (hypothesis, derandomized:
the same examples on every run) and then fails listing each distinct failure once (the command, the
kind, for an internal error the rules broken), how many examples showed it, and the folder holding the
smallest organisation that showed it (NN/org.yaml, scenarios.yaml, command.txt with every command up to
the failing one, output.txt): CASELOAD_FUZZ_FINDINGS=DIR writes them there, else into pytest's tmp_path.

How to run it. 100 examples run in the default suite (about 2 minutes on the 2-core machine); the
CI-sized run of 1,000 is

    CASELOAD_FUZZ_EXAMPLES=1000 pytest -q -p no:cacheprovider tests/hardening/test_value_fuzzer.py

(CASELOAD_FUZZ_EXAMPLES takes any positive count). To shrink a failure to its smallest organisation,
add CASELOAD_FUZZ_SHRINK=1: the run then stops at the first failing example and hypothesis shrinks it
(minutes: every step runs the commands again) and prints it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from tests.hardening.helpers import TINY
from tests.hardening.value_configs import SOLVE, Findings, Judge, OrgSpec, invoke, organisations

EXAMPLES_VARIABLE = "CASELOAD_FUZZ_EXAMPLES"
SHRINK_VARIABLE = "CASELOAD_FUZZ_SHRINK"
FINDINGS_VARIABLE = "CASELOAD_FUZZ_FINDINGS"
DEFAULT_EXAMPLES = 100


def _examples() -> int:
    text = os.environ.get(EXAMPLES_VARIABLE, "").strip()
    if not text:
        return DEFAULT_EXAMPLES
    count = int(text)
    if count < 1:
        raise ValueError(f"{EXAMPLES_VARIABLE} must be a positive number of examples, got {text!r}")
    return count


@pytest.fixture(scope="module")
def workspace() -> Iterator[Path]:
    """A folder for the examples (hypothesis runs them all in one test call, so not tmp_path)."""
    folder = Path(tempfile.mkdtemp(prefix="caseload-value-fuzz-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def tiny_plan(workspace: Path) -> Path:
    """tests/data/tiny.yaml planned once: the plan folder `roll` is given with an invalid config, and the
    run that imports OR-Tools and the writers, so no example's CPU time pays for it."""
    out = workspace / "tiny-plan"
    run = invoke(["plan", str(TINY), "-o", str(out), *SOLVE])
    assert run.exit_code == 0, run.output
    return out


def test_every_command_ends_located_or_with_a_plan_that_passes_check(workspace: Path, tiny_plan: Path,
                                                                      tmp_path: Path) -> None:
    shrink = os.environ.get(SHRINK_VARIABLE, "").strip() not in ("", "0")
    findings = Findings()

    @settings(max_examples=_examples(), deadline=None, derandomize=True, database=None,
              phases=list(Phase) if shrink else [Phase.explicit, Phase.reuse, Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(spec=organisations())
    def one_organisation(spec: OrgSpec) -> None:
        folder = Path(tempfile.mkdtemp(dir=workspace))
        try:
            judge = Judge(folder, tiny_plan)
            found = judge.judge(spec)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if shrink:
            assert not found, "\n\n".join(str(finding) for finding in found)
        findings.add(spec, judge.valid, found)

    one_organisation()
    print(findings.summary())
    if findings.distinct:
        folder = Path(os.environ.get(FINDINGS_VARIABLE) or tmp_path / "findings")
        written = findings.write(folder)
        details = "\n\n".join(f"{where}:\n{reproduction.finding}"
                               for where, reproduction in zip(written, findings.distinct.values(), strict=True))
        pytest.fail(f"{findings.summary()}\nreproductions in {folder}\n\n{details}", pytrace=False)
