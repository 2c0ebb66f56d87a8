"""The `caseload` command line: parse arguments, load, call the engine, write. Nothing else.

Each command imports the engine and the writers it needs inside its own body: `caseload --help`,
`validate` and `schema` then start in 0.3 s instead of 0.9 s (OR-Tools and every writer loaded).

Exit codes: 0 success (a plan was written, even with unplaced cases, which it reports);
1 invalid input (every problem listed as FILE:LINE:COL: field: message; an output that may not be
replaced is one); 2 usage error; 3 no plan could be produced; 4 internal error (a plan that breaks a
hard rule is one: nothing is written; a short message, the traceback only with --verbose) or the
outputs could not be written (disk full, an I/O error: the earlier outputs are untouched).
"""

from __future__ import annotations

import functools
import json
import logging
import math
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, ParamSpec, TypeVar

import click

from export.output_set import OutputWriteError, check_output_file, check_output_folder
from models.limits import (
    MAX_CASES,
    MAX_MANAGERS,
    MAX_PROBLEMS_SHOWN,
    MAX_SEED,
    MAX_TIME_LIMIT_S,
    TIME_LIMIT_GRACE_S,
    TIME_LIMIT_SLACK,
)
from models.problems import ConfigError
from models.text import shown

if TYPE_CHECKING:  # the solving modules load only when a command needs them
    from models.organisation import Config
    from models.plan import Plan
    from models.result import Result
    from scheduler.core.options import SolveOptions

P = ParamSpec("P")
R = TypeVar("R")

EXIT_INVALID_INPUT = 1
EXIT_NO_PLAN = 3
EXIT_INTERNAL_ERROR = 4
# Violations listed when a plan breaks hard rules (the rest are counted).
SHOWN_VIOLATIONS = 20
REPORT_TO = "the caseload maintainers, with the config and the command (rerun with --verbose for the traceback)"

log = logging.getLogger("caseload")


class NoPlanError(Exception):
    """The engine could not produce any plan (exit code 3)."""


class PlanBreaksRules(Exception):
    """The independent checker found hard-rule violations in a plan about to be written (exit code 4)."""

    def __init__(self, what: str, violations: Sequence[Any]) -> None:
        super().__init__(f"the {what} breaks {len(violations)} hard rule(s)")
        self.what = what
        self.violations = list(violations)


def _verified(config: Config, plan: Plan, what: str = "plan", *, assignment_given: bool = False) -> Plan:
    """`plan` when the independent checker finds nothing wrong with it; else PlanBreaksRules.

    `assignment_given`: the assignment is the input's (`caseload schedule`), so what breaks a rule in
    it is the input's to mend (a warning); only what the engine decided, the schedule, must hold.
    """
    # Imported here, not at the top: see the module docstring.
    from models.check import check_plan

    violations = check_plan(config, plan)
    if assignment_given:
        inherited = check_plan(config, plan, schedule=False)
        if inherited:
            log.warning("warning: the current assignment breaks %d rule(s) (first: %s on %s); `caseload plan` "
                        "rebalances it", len(inherited), inherited[0].rule, inherited[0].subject)
        violations = [item for item in violations if item not in inherited]
    if violations:
        raise PlanBreaksRules(what, violations)
    return plan


def _report_user_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn input problems into located messages and exit codes; never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            with _sigterm_as_interrupt():
                return command(*args, **kwargs)
        except ConfigError as error:
            # The first MAX_PROBLEMS_SHOWN, then a count: a file of 600,000 mistakes is not 600,000 lines.
            for problem in error.problems[:MAX_PROBLEMS_SHOWN]:
                _echo_error(str(problem))
            count = len(error.problems)
            if count > MAX_PROBLEMS_SHOWN:
                click.echo(f"... and {count - MAX_PROBLEMS_SHOWN} more", err=True)
            click.echo(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.", err=True)
            sys.exit(EXIT_INVALID_INPUT)
        except NoPlanError as error:
            _echo_error(f"no plan could be produced: {error}")
            sys.exit(EXIT_NO_PLAN)
        except PlanBreaksRules as error:
            _exit_rules_broken(error)
        except OutputWriteError as error:
            _echo_error(f"could not write the outputs: {error}")
            sys.exit(EXIT_INTERNAL_ERROR)
        except KeyboardInterrupt as error:
            _exit_interrupted(error)
        except ImportError as error:
            # An interrupt while a native module (OR-Tools) initialises surfaces as an ImportError.
            if not isinstance(error.__cause__, KeyboardInterrupt):
                _exit_internal_error(error)
            _exit_interrupted(error.__cause__)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise  # usage errors and click's own exits keep their codes
        except Exception as error:  # an engine bug: a short message, never a traceback unless asked for
            _exit_internal_error(error)

    return wrapper


def _echo_error(text: str) -> None:
    """One line to stderr with control and invisible characters escaped: messages quote the input (an
    unknown key, a time zone, an actuals cell, a proposal's case id, a path), and an escape sequence in it
    must not reach the terminal (recolour it, retitle the window, hide the lines before it)."""
    click.echo(shown(text), err=True)


class _EscapingFormatter(logging.Formatter):
    """Log lines with control characters escaped, like every other message (tracebacks stay as they are)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return shown(super().formatMessage(record))


def _exit_internal_error(error: Exception) -> NoReturn:
    context = click.get_current_context(silent=True)
    if context is not None and context.params.get("verbose"):
        log.error("internal error", exc_info=error)
    _echo_error(f"internal error: {type(error).__name__}: {error}. Please report it to {REPORT_TO}.")
    sys.exit(EXIT_INTERNAL_ERROR)


def _exit_rules_broken(error: PlanBreaksRules) -> NoReturn:
    _echo_error(f"internal error: {error}; nothing was written. Please report it to {REPORT_TO}.")
    for violation in error.violations[:SHOWN_VIOLATIONS]:
        _echo_error(f"  {violation.rule}: {violation.subject}: {violation.message}")
    hidden = len(error.violations) - SHOWN_VIOLATIONS
    if hidden > 0:
        click.echo(f"  ... and {hidden} more", err=True)
    sys.exit(EXIT_INTERNAL_ERROR)


def _exit_interrupted(error: KeyboardInterrupt) -> NoReturn:
    signum = error.signum if isinstance(error, Terminated) else signal.SIGINT
    click.echo(f"interrupted ({signal.Signals(signum).name}); the output folder holds the earlier outputs "
               "or the complete new set, never a mix.", err=True)
    sys.exit(128 + signum)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so a killed run unwinds cleanly (exit 143, no traceback)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum: int, _frame: object) -> None:
    raise Terminated(signum)


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While a command runs, SIGTERM (kill, a service manager, a CI timeout) acts like Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _configure_logging(quiet: bool, verbose: bool) -> None:
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_EscapingFormatter("%(message)s"))
    logging.basicConfig(level=level, handlers=[handler])


def _solve_options(config: Any, time_limit: float | None, workers: int | None, seed: int | None,
                   verbose: bool) -> Any:
    # Imported here, not at the top: see the module docstring.
    from scheduler.core.options import SolveOptions

    wall_clock = click.get_current_context().meta.get(_WALL_CLOCK, False)
    return SolveOptions.from_settings(config.policy.solver, time_limit, workers, seed, log=verbose,
                                      deterministic=False if wall_clock else None)


_WALL_CLOCK = "caseload.wall_clock"
_FORCE = "caseload.force"


def _remember_wall_clock(context: click.Context, _: click.Parameter, value: bool) -> bool:
    # Kept in the context, not passed to every command: only _solve_options reads it.
    if value:
        context.meta[_WALL_CLOCK] = True
    return value


def _remember_force(context: click.Context, _: click.Parameter, value: bool) -> bool:
    # Kept in the context, not passed to every command: only the writers' calls read it (_force()).
    if value:
        context.meta[_FORCE] = True
    return value


def _force() -> bool:
    """--force: overwrite files in the output that caseload did not write (export/output_set.py)."""
    context = click.get_current_context(silent=True)
    return bool(context is not None and context.meta.get(_FORCE, False))


# The files (and folders, ending in /) each command writes, checked before any work is done.
PLAN_OUTPUTS = ("plan.json", "assignments.csv", "notifications.csv", "report.html", "schedule.csv", "calendars/")


@dataclass(frozen=True)
class _RunSettings:
    """The shared options of the solving commands, as the user gave them."""

    time_limit: float | None
    seed: int | None
    workers: int | None
    quiet: bool
    verbose: bool
    full_names: bool = False


def _solve_and_write(config_path: Path, output: Path, solve: Callable[[Config, SolveOptions], Result[Plan]],
                     settings: _RunSettings, *, assignment_given: bool = False) -> None:
    """Load, solve, write every output, print the summary: the shape of assign, schedule and plan (each
    stage's entry point returns the one result shape; no plan is exit 3)."""
    # Imported here, not at the top: see the module docstring.
    from export.bundle import write_outputs
    from export.terminal import print_plan_summary
    from models.loader import load_config_files

    _configure_logging(settings.quiet, settings.verbose)
    loaded = load_config_files(config_path)
    organisation, inputs = loaded.config, loaded.files
    check_output_folder(output, PLAN_OUTPUTS, force=_force(), protect=inputs)
    options = _solve_options(organisation, settings.time_limit, settings.workers, settings.seed, settings.verbose)
    solved = solve(organisation, options)
    if solved.plan is None:
        raise NoPlanError(solved.message)
    result = _verified(organisation, solved.plan, assignment_given=assignment_given)
    _warn_if_over_the_limit(result, options.time_limit_s)
    write_outputs(result, organisation, output, full_names=settings.full_names, force=_force(), protect=inputs,
                  command=click.get_current_context().info_name or "plan")
    if not settings.quiet:
        print_plan_summary(result)


def _warn_if_over_the_limit(plan: Plan, limit_s: float) -> None:
    """Say so when the solve stages took longer than the limit promises (docs/guarantees.md: 1.1 x T + 1 s):
    below some size's preparation time no plan fits the limit, and the user should know the limit was not
    kept rather than find out from a clock (issue 21, finding 7). A warning, not a plan note: wall seconds
    differ between runs, and the plan repeats."""
    spent = sum(stage.runtime_s for stage in plan.solver)
    allowed = TIME_LIMIT_SLACK * limit_s + TIME_LIMIT_GRACE_S
    if spent > allowed:
        log.warning("warning: the solve took %.1f s, more than --time-limit %g allows (%.1f s): preparing this "
                    "organisation takes longer than that on this machine; give a longer --time-limit", spent,
                    limit_s, allowed)


class FiniteFloat(click.FloatRange):
    """A float option in a range; NaN and infinity are usage errors (a NaN passes every comparison)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = value if isinstance(value, float) else click.FLOAT.convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return super().convert(number, param, ctx)


# A Dask scheduler address: [scheme://]host:port (an IPv6 host in brackets).
_CLUSTER_ADDRESS = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$")


def _cluster_address(_context: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    match = _CLUSTER_ADDRESS.match(value)
    if match is None or not 0 < int(match.group(1)) < 65536:
        raise click.BadParameter(f"{value!r} is not a scheduler address; give tcp://HOST:PORT, "
                                 "e.g. tcp://10.0.0.5:8786")
    return value


def solver_options(command: Callable[P, R]) -> Callable[P, R]:
    """The options every solving command shares."""
    decorators = [
        click.option("--time-limit", type=FiniteFloat(min=0.1, max=MAX_TIME_LIMIT_S), default=None,
                     help="Seconds each solve stage may take (default: policy.solver.time_limit_s)."),
        click.option("--seed", type=click.IntRange(min=0, max=MAX_SEED), default=None,
                     help="Random seed; same input and seed give the same plan."),
        click.option("--workers", type=click.IntRange(min=1, max=64), default=None,
                     help="Solver threads / worker processes (default: policy.solver.workers)."),
        click.option("--quiet", is_flag=True, help="Print only warnings and errors."),
        click.option("--verbose", is_flag=True, help="Print solver progress."),
        click.option("--wall-clock", is_flag=True, expose_value=False, callback=_remember_wall_clock,
                     help="Measure --time-limit on the wall clock alone: uses every second and both CP-SAT "
                          "threads, but a busy machine can change the plan. By default the limit is measured "
                          "in work, so the same input and seed give the same plan (policy.solver.deterministic)."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


CONFIG_ARGUMENT = click.argument("config", type=click.Path(exists=True, dir_okay=False, path_type=Path))
# -o takes any path: a file where a folder goes (or the reverse) is an output that may not be replaced,
# refused by export/output_set.py with its reason (exit 1), not a usage error (exit 2).
OUTPUT_OPTION = click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
                             help="Folder for the outputs (created if missing).")
FORCE_OPTION = click.option("--force", is_flag=True, expose_value=False, callback=_remember_force,
                            help="Overwrite output files that caseload did not write (or that were changed since).")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="caseload")
def main() -> None:
    """caseload: balanced caseloads, weekly contact calendars, reassignment proposals and
    what-if staffing runs for case-management organisations.

    \b
    Start with:
      caseload validate configs/child-welfare.yaml
      caseload plan configs/child-welfare.yaml -o out
    """


@main.command()
@CONFIG_ARGUMENT
@_report_user_errors
def validate(config: Path) -> None:
    """Check CONFIG and print a summary of the organisation.

    Lists every problem as FILE:LINE:COL: field: message and exits 1 if there are any.

    \b
    Example:
      caseload validate configs/child-welfare.yaml
    """
    # Imported here, not at the top: see the module docstring.
    from export.terminal import print_config_summary
    from models.loader import load_config

    print_config_summary(load_config(config))


@main.command()
def schema() -> None:
    """Print the JSON Schema of the config file (for editors and validators).

    \b
    Example:
      caseload schema > caseload.schema.json
    """
    # Imported here, not at the top: see the module docstring.
    from models.schema import config_json_schema

    click.echo(json.dumps(config_json_schema(), indent=2))


@main.command()
@click.option("--managers", type=click.IntRange(min=1, max=MAX_MANAGERS), required=True,
              help=f"How many case managers (at most {MAX_MANAGERS:,}).")
@click.option("--cases", type=click.IntRange(min=0, max=MAX_CASES), required=True,
              help=f"How many open cases (at most {MAX_CASES:,}).")
@click.option("--seed", type=click.IntRange(min=0, max=MAX_SEED), default=0, show_default=True, help="Random seed.")
@click.option("--messy", type=FiniteFloat(min=0, max=1), default=0.0, show_default=True,
              help="Share (0-1) of an inconsistent current state, as real exports arrive: cases locked to "
                   "managers who may no longer carry them, split households, holders on leave all week or "
                   "without the client's language or skill, a manager over max_cases.")
@click.option("--geography", type=click.Choice(["county", "state"]), default="county", show_default=True,
              help="county: regions of about 100 managers side by side; state: small regions 100-400 km apart, "
                   "clients spread far, a quarter free only after school, three-day part-timers, late shifts.")
@OUTPUT_OPTION
@FORCE_OPTION
@_report_user_errors
def generate(managers: int, cases: int, seed: int, messy: float, geography: str, output: Path) -> None:
    """Write a realistic synthetic organisation (config YAML plus CSVs) to a folder.

    \b
    Example (a county office, the M tier):
      caseload generate --managers 100 --cases 2500 --seed 1 -o org-m
      caseload validate org-m/organisation.yaml
    """
    # Imported here, not at the top: see the module docstring.
    from export.organisation import write_organisation
    from models.generator import generate_organisation

    check_output_folder(output, ("organisation.yaml", "managers.csv", "clients.csv", "cases.csv"), force=_force())
    organisation = generate_organisation(managers, cases, seed, messy=messy, geography=geography)
    path = write_organisation(organisation, output, force=_force())
    click.echo(f"wrote {path}")


@main.command()
@CONFIG_ARGUMENT
@OUTPUT_OPTION
@FORCE_OPTION
@solver_options
@_report_user_errors
def assign(config: Path, output: Path, time_limit: float | None, seed: int | None,
           workers: int | None, quiet: bool, verbose: bool) -> None:
    """Balance caseloads: decide which manager carries each open case.

    Writes OUTPUT/plan.json and OUTPUT/assignments.csv and prints a summary.

    \b
    Example:
      caseload assign configs/child-welfare.yaml -o out --time-limit 10
    """
    # Imported here, not at the top: see the module docstring.
    from scheduler.assign import assign_cases

    _solve_and_write(config, output, assign_cases, _RunSettings(time_limit, seed, workers, quiet, verbose))


@main.command()
@CONFIG_ARGUMENT
@OUTPUT_OPTION
@FORCE_OPTION
@solver_options
@click.option("--full-names", is_flag=True, help="Put client full names (not initials) in calendars.")
@_report_user_errors
def schedule(config: Path, output: Path, time_limit: float | None, seed: int | None,
             workers: int | None, quiet: bool, verbose: bool, full_names: bool) -> None:
    """Schedule the week's contacts for the current assignment (no rebalancing).

    Writes plan.json, schedule.csv and calendars/<manager-id>.ics to OUTPUT.

    \b
    Example:
      caseload schedule configs/child-welfare.yaml -o out
    """
    # Imported here, not at the top: see the module docstring.
    from scheduler.pipeline import schedule_current_assignment

    _solve_and_write(config, output, schedule_current_assignment,
                     _RunSettings(time_limit, seed, workers, quiet, verbose, full_names), assignment_given=True)


@main.command()
@CONFIG_ARGUMENT
@OUTPUT_OPTION
@FORCE_OPTION
@solver_options
@click.option("--full-names", is_flag=True, help="Put client full names (not initials) in calendars.")
@_report_user_errors
def plan(config: Path, output: Path, time_limit: float | None, seed: int | None,
         workers: int | None, quiet: bool, verbose: bool, full_names: bool) -> None:
    """The weekly job end to end: balance caseloads, then schedule every manager's week.

    Writes plan.json, assignments.csv, schedule.csv, calendars/<manager-id>.ics to OUTPUT
    and prints a summary table.

    \b
    Example:
      caseload plan configs/child-welfare.yaml -o out
    """
    # Imported here, not at the top: see the module docstring.
    from scheduler.pipeline import plan_week

    _solve_and_write(config, output, plan_week,
                     _RunSettings(time_limit, seed, workers, quiet, verbose, full_names))


@main.command()
@CONFIG_ARGUMENT
@click.argument("plan_file", metavar="PLAN", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_report_user_errors
def check(config: Path, plan_file: Path) -> None:
    """Verify PLAN (a plan.json) against CONFIG with code independent of the solver.

    Prints every violation and exits 1 if there is any.

    \b
    Example:
      caseload check configs/child-welfare.yaml out/plan.json
    """
    # Imported here, not at the top: see the module docstring.
    from models.check import check_plan
    from models.loader import load_config, load_plan

    organisation = load_config(config)
    violations = check_plan(organisation, load_plan(plan_file))
    for violation in violations:
        click.echo(shown(str(violation)))  # a hand-edited plan's ids are input too
    if violations:
        click.echo(f"{len(violations)} violation(s) found.", err=True)
        sys.exit(EXIT_INVALID_INPUT)
    click.echo("plan passes every check.")


@main.command()
@click.argument("plan_file", metavar="PLAN", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              help="The HTML file to write, e.g. out/report.html.")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="The plan's config: adds manager names, working hours and leave.")
@FORCE_OPTION
@_report_user_errors
def report(plan_file: Path, output: Path, config_file: Path | None) -> None:
    """Write a self-contained HTML report of PLAN (a plan.json): headline figures, load and
    utilisation charts, each manager's week, the moves and what could not be placed.

    The file opens offline in any browser and loads nothing from the network.

    \b
    Example:
      caseload report out/plan.json -o out/report.html --config configs/child-welfare.yaml
    """
    # Imported here, not at the top: see the module docstring.
    from export.html import render_report
    from export.output_set import write_output_set
    from models.loader import load_config_files, load_plan
    from models.roll import other_organisation_problems

    loaded = load_config_files(config_file) if config_file is not None else None
    inputs = [plan_file, *(loaded.files if loaded is not None else [])]
    check_output_file(output, force=_force(), protect=inputs)
    organisation = loaded.config if loaded is not None else None
    plan_read = load_plan(plan_file)
    if organisation is not None and config_file is not None:
        # Another organisation's config would put its names and hours beside this plan's figures.
        mismatch = other_organisation_problems(organisation, plan_read, config_file=config_file, plan_file=plan_file,
                                               remedy="pass --config the config the plan was made from")
        if mismatch:
            raise ConfigError(mismatch)
    html = render_report(plan_read, organisation, source=str(plan_file))
    write_output_set(output.parent, {output: html}, "report", in_set=False, force=_force(), protect=inputs)
    click.echo(f"wrote {output}")


@main.command()
@CONFIG_ARGUMENT
@click.argument("scenarios_file", metavar="SCENARIOS",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@OUTPUT_OPTION
@FORCE_OPTION
@click.option("--jobs", type=click.IntRange(min=1, max=64), default=None,
              help="Scenarios planned at once in local processes (default: --workers).")
@click.option("--cluster", metavar="ADDRESS", default=None, callback=_cluster_address,
              help="Run on a Dask cluster instead, e.g. tcp://10.0.0.5:8786 (pip install 'caseload[distributed]').")
@solver_options
@_report_user_errors
def whatif(config: Path, scenarios_file: Path, output: Path, jobs: int | None, cluster: str | None,
           time_limit: float | None, seed: int | None, workers: int | None, quiet: bool, verbose: bool) -> None:
    """Plan the organisation and every scenario of SCENARIOS side by side.

    Writes OUTPUT/comparison.csv, comparison.md and comparison.html (the base first, then each
    scenario) and each scenario's plan in OUTPUT/<scenario>/. Each solve uses one CP-SAT thread.

    \b
    Example:
      caseload whatif configs/child-welfare.yaml configs/scenarios/child-welfare.yaml -o out/whatif
    """
    # Imported here, not at the top: see the module docstring.
    from export.comparison import print_comparison, scenario_progress, write_comparison
    from models.loader import load_config_files
    from models.scenario_loader import load_scenarios
    from scheduler.whatif import ClusterUnavailable, WhatIfOptions, run_scenarios

    _configure_logging(quiet, verbose)
    loaded = load_config_files(config)
    organisation = loaded.config
    solve = _solve_options(organisation, time_limit, workers, seed, verbose)
    scenarios = load_scenarios(scenarios_file, organisation, solve.seed).scenarios
    inputs = [*loaded.files, scenarios_file]
    check_output_folder(output, ("comparison.csv", "comparison.md", "comparison.html"), force=_force(),
                        protect=inputs)
    options = WhatIfOptions(time_limit_s=solve.time_limit_s, seed=solve.seed, jobs=jobs or solve.workers,
                            cluster=cluster)
    try:
        with scenario_progress(len(scenarios) + 1, quiet) as on_done:
            outcomes = run_scenarios(organisation, scenarios, options, on_done)
    except ClusterUnavailable as error:
        raise click.ClickException(str(error)) from None
    write_comparison(organisation, scenarios, outcomes, output, solve.seed, force=_force(), protect=inputs)
    if not quiet:
        print_comparison([outcome.row for outcome in outcomes])


@main.command()
@CONFIG_ARGUMENT
@click.option("--target-utilisation", "target", required=True,
              type=FiniteFloat(min=0, max=2, min_open=True),
              help="Highest utilisation any manager may have, e.g. 0.85.")
@click.option("--by-region", is_flag=True, help="Hire per region; hires serve their own region's clients.")
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), default=None,
              help="Also write staffing.json and the proof plan (plan.json, assignments.csv, report.html).")
@FORCE_OPTION
@solver_options
@_report_user_errors
def staffing(config: Path, target: float, by_region: bool, output: Path | None, time_limit: float | None,
             seed: int | None, workers: int | None, quiet: bool, verbose: bool) -> None:
    """The fewest hires per level (and region) that serve every case within a target utilisation,
    with a plan as proof and the current staff who could be freed.

    \b
    Example:
      caseload staffing configs/child-welfare.yaml --target-utilisation 0.85 --by-region
    """
    # Imported here, not at the top: see the module docstring.
    from export.comparison import print_staffing, write_staffing
    from models.loader import load_config_files
    from scheduler.staffing import plan_staffing

    _configure_logging(quiet, verbose)
    loaded = load_config_files(config)
    organisation, inputs = loaded.config, loaded.files
    if output is not None:
        check_output_folder(output, ("staffing.json", "plan.json", "assignments.csv", "report.html"),
                            force=_force(), protect=inputs)
    options = _solve_options(organisation, time_limit, workers, seed, verbose)
    try:
        result = plan_staffing(organisation, target, options, by_region=by_region)
    except RuntimeError as error:
        raise NoPlanError(str(error)) from None
    if result.plan is None:
        raise NoPlanError(result.message)
    _warn_if_over_the_limit(_verified(result.plan.config, result.plan.plan, "staffing proof plan"),
                            options.time_limit_s)
    if output is not None:
        write_staffing(result, output, force=_force(), protect=inputs)
    if not quiet:
        print_staffing(result)


@main.command()
@CONFIG_ARGUMENT
@OUTPUT_OPTION
@FORCE_OPTION
@click.option("--max-moves", type=click.IntRange(min=0, max=MAX_CASES), default=None,
              help="Move at most this many cases (intake placements are not moves; moves no plan avoids, "
                   "such as cases their manager may no longer carry, come on top).")
@click.option("--target-utilisation", "target", type=FiniteFloat(min=0, max=2, min_open=True), default=None,
              help="Bring every manager to this utilisation instead of 1.0 (capacity), e.g. 0.95.")
@solver_options
@_report_user_errors
def rebalance(config: Path, output: Path, max_moves: int | None, target: float | None, time_limit: float | None,
              seed: int | None, workers: int | None, quiet: bool, verbose: bool) -> None:
    """Propose the fewest case moves that relieve overloaded managers, with the trade-off curve.

    Writes OUTPUT/proposals.csv and proposals.json (one row per move with its reason, ranked by
    benefit), curve.csv (moves against peak utilisation), plan.json and assignments.csv of the
    proposal, and curve/plan-NNNN-moves.json per curve point (each verifiable with `caseload check`).
    Delete the rows you reject from proposals.csv, then run `caseload apply`.

    \b
    Example:
      caseload rebalance configs/child-welfare.yaml -o out/rebalance --target-utilisation 0.95
      caseload apply configs/child-welfare.yaml out/rebalance/proposals.csv -o child-welfare-next.yaml
    """
    # Imported here, not at the top: see the module docstring.
    from export.proposals import summary_lines, write_proposals
    from models.loader import load_config_files
    from scheduler.rebalance import rebalance as propose_moves

    _configure_logging(quiet, verbose)
    loaded = load_config_files(config)
    organisation, inputs = loaded.config, loaded.files
    check_output_folder(output, ("proposals.csv", "proposals.json", "curve.csv", "plan.json", "assignments.csv",
                                 "curve/"), force=_force(), protect=inputs)
    options = _solve_options(organisation, time_limit, workers, seed, verbose)
    result = propose_moves(organisation, options, max_moves=max_moves, target_utilisation=target)
    if result.plan is None:
        raise NoPlanError(result.message)
    _verified(organisation, result.plan.plan, "proposal")
    for point in result.plan.curve:
        _verified(organisation, point.plan, f"trade-off point with {point.moves} moves")
    write_proposals(result, organisation, output, force=_force(), protect=inputs)
    if not quiet:
        for line in summary_lines(result):
            click.echo(line)


@main.command(name="apply")
@CONFIG_ARGUMENT
@click.argument("proposals", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              help="The new config file (never the input itself).")
@FORCE_OPTION
@_report_user_errors
def apply_proposals(config: Path, proposals: Path, output: Path) -> None:
    """Write a new config with the moves of PROPOSALS applied: the rows left in a reviewed
    proposals.csv (or proposals.json), or a plan's moves (its plan.json, or the `moved` rows of its
    assignments.csv).

    Keeps the original file's comments, key order and formatting; only the moved cases' managers
    change (cases in a CSV file: a new CSV beside the new config). Refuses, with the row and the
    reason, moves that no longer fit the config, and then writes nothing.

    \b
    Examples:
      caseload apply configs/child-welfare.yaml out/rebalance/proposals.csv -o child-welfare-next.yaml
      caseload apply configs/child-welfare.yaml out/plan.json -o child-welfare-next.yaml
    """
    # Imported here, not at the top: see the module docstring.
    from export.apply import write_applied
    from models.loader import load_config_files
    from models.proposals import read_proposals
    from scheduler.rebalance import refused_moves

    loaded = load_config_files(config)
    inputs = [*loaded.files, proposals]
    check_output_file(output, force=_force(), protect=inputs)
    moves = read_proposals(proposals)
    problems = refused_moves(loaded.config, moves)
    if problems:
        raise ConfigError(problems)
    written = write_applied(config, {move.case_id: move.to_manager for move in moves}, output, force=_force(),
                            protect=inputs)
    click.echo(f"applied {len(moves)} move(s); wrote {', '.join(str(path) for path in written)}")


@main.command()
@CONFIG_ARGUMENT
@click.argument("plan_dir", metavar="PLAN_DIR", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              help="Next week's config file (never the input itself).")
@click.option("--actuals", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="What happened this week: a CSV with case, date, mode, status (done, missed or cancelled) "
                   "and optionally requirement; a row overrides 'planned = done' for that case, day and mode.")
@click.option("--force", is_flag=True, help="Overwrite the output file (and its new CSV files) if they exist.")
@_report_user_errors
def roll(config: Path, plan_dir: Path, output: Path, actuals: Path | None, force: bool) -> None:
    """Write next week's config from this week's plan (PLAN_DIR: the folder of `caseload plan`,
    or its plan.json), keeping CONFIG's comments and order.

    week_start moves on 7 days; each contact's `last` is the latest day it was done (planned =
    done, unless --actuals says missed or cancelled); missed and unscheduled contacts keep their
    old `last`, so they come out overdue; every case gets the manager the plan gave it; leave days
    before the new week are dropped. Cases in a CSV file get a new CSV beside the new config.

    \b
    Example:
      caseload plan configs/child-welfare.yaml -o out
      caseload roll configs/child-welfare.yaml out -o child-welfare-next.yaml --actuals done.csv
    """
    # Imported here, not at the top: see the module docstring.
    from export.apply import write_changed
    from models.roll import plan_file, roll_week

    # Before any work: an output that is not a regular file, or one of the inputs, is refused whatever
    # --force says (an existing file is refused later, in write_changed's words). The config's CSV files are
    # protected by write_changed, which reads their names from the config.
    inputs = [config, plan_file(plan_dir), *([actuals] if actuals is not None else [])]
    check_output_file(output, force=True, protect=inputs)
    rolled = roll_week(config, plan_dir, actuals)
    written = write_changed(config, rolled.changes, output, force=force, protect=inputs)
    carried = rolled.contacts_missed + rolled.contacts_unscheduled
    click.echo(f"rolled to the week of {rolled.week_start}: {rolled.contacts_done} contact(s) done, "
               f"{carried} carried forward ({rolled.contacts_missed} missed or cancelled, "
               f"{rolled.contacts_unscheduled} not scheduled), {rolled.managers_changed} case(s) with another "
               f"manager, {rolled.leave_days_dropped} leave day(s) dropped"
               f"{_appointments_rolled(rolled)}"
               f"{f', {rolled.month_counts} monthly visit count(s) carried' if rolled.month_counts else ''}; wrote "
               f"{', '.join(str(path) for path in written)}")


def _appointments_rolled(rolled: Any) -> str:
    """', N appointment(s) of this week dropped, M of later weeks kept' when the config had any."""
    if not rolled.appointments_dropped and not rolled.appointments_carried:
        return ""
    return (f", {rolled.appointments_dropped} appointment(s) of this week dropped, {rolled.appointments_carried} "
            "of later weeks kept")


if __name__ == "__main__":
    main()
