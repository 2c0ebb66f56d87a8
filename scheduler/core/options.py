"""Settings every solve takes, whichever stage it is."""

from __future__ import annotations

from dataclasses import dataclass

from models.policy import SolverSettings


@dataclass(frozen=True)
class SolveOptions:
    time_limit_s: float = 30.0
    workers: int = 2
    seed: int = 0
    log: bool = False
    # Measure the limit in work instead of wall-clock seconds (scheduler/core/clock.py): a time-limited
    # run then repeats exactly, whatever the machine's load; the wall clock is only a backstop, at
    # this multiple of the limit (+ 0.5 s).
    deterministic: bool = True
    wall_clock_backstop: float = 1.1

    @staticmethod
    def from_settings(
        settings: SolverSettings,
        time_limit_s: float | None = None,
        workers: int | None = None,
        seed: int | None = None,
        log: bool = False,
        deterministic: bool | None = None,
    ) -> SolveOptions:
        """Command-line values win over the config's `policy.solver` values."""
        return SolveOptions(
            time_limit_s=settings.time_limit_s if time_limit_s is None else time_limit_s,
            workers=settings.workers if workers is None else workers,
            seed=settings.seed if seed is None else seed,
            log=log,
            deterministic=settings.deterministic if deterministic is None else deterministic,
        )
