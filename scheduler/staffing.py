"""Staffing: how many hires of which level (and region) serve every case within a target utilisation.

The answer comes from the hiring model in the assignment stage (`scheduler/assign/hiring.py`: the
assignment model with hire columns, a pool relaxation for the bound and an exact model for the
hires); this module is the entry point the CLI, the what-if runner and an engineer call.
"""

from __future__ import annotations

from models.organisation import Config
from models.result import Result
from models.staffing import StaffingAnswer
from scheduler.assign import fewest_hires
from scheduler.core.options import SolveOptions


def plan_staffing(config: Config, target_utilisation: float, options: SolveOptions, *,
                  by_region: bool = False) -> Result[StaffingAnswer]:
    """The fewest hires (then the cheapest levels) serving every case within the target utilisation.

    The result's plan holds the hires, the organisation with them added, and the proof plan that
    `models.check.check_plan` verifies. Raises ValueError for a target outside (0, 2].
    """
    return fewest_hires(config, target_utilisation, options, by_region=by_region)
