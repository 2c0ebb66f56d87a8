"""The documented range of every number a config, a scenario file or the command line can carry.

Checked at load time (pydantic `Field` bounds, so a value out of range is a located problem, exit 1;
on the command line a usage error, exit 2), and chosen so that every quantity the engine derives
from them fits the solver: CP-SAT works in 64-bit integers, with points counted in hundredths
(`POINT_UNITS`) and objective values in ten-thousandths of a score unit (`OBJECTIVE_UNITS`), and a
32-bit random seed. NaN and infinity are refused everywhere (`StrictModel` sets `allow_inf_nan=False`;
the command line's float options refuse them too). The table is in docs/configuration.md
("Ranges").
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

# How the engine scales (scheduler/assign/data.py POINT_SCALE, scheduler/assign/model.py OBJECTIVE_SCALE;
# tests/models/test_limits.py holds them equal): the ranges below are chosen against these.
POINT_UNITS = 100
OBJECTIVE_UNITS = 10_000

# --- the policy ---
MAX_WEIGHT = 1_000_000  # every objective weight: x 10,000 objective units still far inside 64 bits
MIN_POINTS, MAX_POINTS = 0.01, 1_000  # complexity points, a case's explicit points (0.01: one point unit)
MIN_FACTOR, MAX_FACTOR = 0.01, 10  # a case type's factor on complexity points
MIN_CAPACITY_POINTS, MAX_CAPACITY_POINTS = 1, 10_000  # a level's weekly capacity (x fte >= 0.05 points)
MAX_CASES_PER_MANAGER = 10_000  # a level's max_cases
MAX_NEW_CASES = 10_000  # a week's cap on cases new to a manager (managers[].max_new_cases, policy.max_new_cases)
MIN_TRAVEL_SPEED_KMH, MAX_TRAVEL_SPEED_KMH = 1, 1_000
MAX_CONTACTS_PER_DAY = 24 * 60
MAX_TIME_LIMIT_S = 7 * 24 * 3600  # a week: --time-limit and policy.solver.time_limit_s
MAX_SEED = 2**31 - 1  # CP-SAT's random seed is a 32-bit integer

# --- managers, cases ---
MIN_FTE, MAX_FTE = 0.05, 1.0
MAX_MINUTES = 7 * 24 * 60  # one contact (validation holds it to the working day, at most 1,440)
MIN_WEEK_YEAR, MAX_WEEK_YEAR = 2000, 2100  # week_start
MIN_DATE_YEAR, MAX_DATE_YEAR = 1900, 2100  # every other date: holidays, leave, a contact's last, opened

# --- sizes (how many), refused with a message beyond them: the work grows with them ---
MAX_MANAGERS = 20_000
MAX_CASES = 500_000  # and clients
MAX_LIST = 1_000  # every other list: holidays, leave, languages, skills, contacts of a case, levels, ...
MAX_PROBLEMS_SHOWN = 100  # problems listed for one input; the rest are counted

# --- text ---
# An id (a manager, client, case, household, scenario name, id prefix) becomes part of file names
# (calendars/<manager-id>.ics, a scenario's folder) and of every table: 100 characters leaves room
# under the 255-byte file-name limit of common filesystems even for 2-byte characters and suffixes.
MAX_ID_LENGTH = 100


def _date_in_range(value: date) -> date:
    if not MIN_DATE_YEAR <= value.year <= MAX_DATE_YEAR:
        raise ValueError(f"{value} is outside the years {MIN_DATE_YEAR} to {MAX_DATE_YEAR}")
    return value


Date = Annotated[date, AfterValidator(_date_in_range)]
"""A date caseload can count with: years 1900 to 2100."""


def _not_true_false(value: object) -> object:
    # pydantic's lax mode reads true as 1 and false as 0: `fte: true` would be a full-time manager.
    if isinstance(value, bool):
        raise ValueError(f"expected a number, but got {str(value).lower()}; write the number itself")
    return value


Number = Annotated[float, BeforeValidator(_not_true_false)]
"""A float that true and false are not (YAML reads `yes`, `true`, `on` as booleans)."""
Count = Annotated[int, BeforeValidator(_not_true_false)]
"""An int that true and false are not."""


def week_start_in_range(value: date) -> date:
    if not MIN_WEEK_YEAR <= value.year <= MAX_WEEK_YEAR:
        raise ValueError(f"{value} is outside the years {MIN_WEEK_YEAR} to {MAX_WEEK_YEAR}; plan a week "
                         "between them")
    return value

# The promise of --time-limit T (docs/guarantees.md "Time limits"): the solve stages within
# TIME_LIMIT_SLACK x T + TIME_LIMIT_GRACE_S seconds; past it a command warns.
TIME_LIMIT_SLACK = 1.1
TIME_LIMIT_GRACE_S = 1.0
