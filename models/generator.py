"""Realistic synthetic organisations for demos, tests and benchmarks.

`generate_organisation(managers, cases, seed)` builds plain rows (no pydantic objects per row, so a
state agency of 125,000 cases takes seconds) and `write_organisation` writes them as the config YAML
plus the managers, clients and cases CSV files the loader reads.

The numbers follow DESIGN.md section 1: regions of about 100 managers, a junior/standard/senior mix of
30/50/20 %, 15 % part-timers, a minority-language share with speakers in every region that needs
them, households of siblings, monthly/biweekly/weekly/2-per-week contacts with last-contact dates
spread over the previous five weeks, and a current assignment as uneven as real ones: most cases with
a manager, some managers far over capacity, some new intake waiting. Level capacities are scaled so
that total demand is 90-96 % of the capacity of the managers at work: busy, but solvable.

Determinism: one `random.Random(seed)` drives everything, lists are iterated in a fixed order and no
clock is read, so the same arguments give byte-identical files.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any, Generic, TypeVar

import yaml

from models.limits import MAX_CASES, MAX_MANAGERS
from models.loader import CASE_COLUMNS, CLIENT_COLUMNS, MANAGER_COLUMNS
from models.organisation import Config
from models.timeutil import WEEKDAYS

DEFAULT_WEEK_START = date(2026, 11, 30)
DEFAULT_TIMEZONE = "America/Chicago"
HOLIDAYS = (date(2026, 11, 26), date(2026, 12, 25), date(2027, 1, 1))

# (name, capacity points, max cases, max complexity, share of staff): DESIGN.md section 4.
LEVELS = (
    ("junior", 30, 15, "moderate", 0.3),
    ("standard", 40, 20, "high", 0.5),
    ("senior", 45, 22, "critical", 0.2),
)
# (name, points, share of cases)
COMPLEXITIES = (("low", 1, 0.30), ("moderate", 2, 0.40), ("high", 3, 0.22), ("critical", 4, 0.08))
# (name, factor, required skill or "", share of cases)
CASE_TYPES = (
    ("foster-care", 1.0, "", 0.40),
    ("in-home", 1.0, "", 0.24),
    ("investigation", 1.5, "investigations", 0.12),
    ("adoption", 0.8, "", 0.08),
    ("family-recovery", 1.2, "substance-use", 0.10),
    ("medically-complex", 1.3, "medical", 0.06),
)
SIBLING_CASE_TYPES = ("foster-care", "in-home", "adoption")
# (skill, share of managers who have it)
SKILLS = (("investigations", 0.25), ("substance-use", 0.20), ("medical", 0.15))
# (language, share of households, share of managers who speak it)
MINORITY_LANGUAGES = (("es", 0.10, 0.20), ("so", 0.02, 0.03), ("vi", 0.015, 0.03), ("ar", 0.015, 0.03))

NAMED_REGIONS = (("north", 1, 0), ("south", -1, 0), ("east", 0, 1), ("west", 0, -1), ("central", 0, 0))
ORIGIN = (41.88, -87.63)
# A county office's units (up to three regions) lie 15-25 km apart and serve clients within 15 km;
# a state agency's regions 65 km or more apart, with clients up to 30 km from the centre.
COUNTY_REGIONS = 3
COUNTY_SPACING_DEG, COUNTY_CLIENT_KM = (0.11, 0.15), 15.0
STATE_SPACING_DEG, STATE_CLIENT_KM = (0.6, 0.8), 30.0
KM_PER_DEG_LAT = 111.0
MANAGERS_PER_REGION = 100
# `geography="state"`: a rural state's county offices, small regions 100-400 km apart (their centres on
# a grid this far apart, moved up to a third of it, no two closer than the minimum), clients spread
# wide around each, a quarter of them free only after school, part-timers on three days a week and
# some workers on a late shift.
STATE_MANAGERS_PER_REGION = 20
STATE_REGION_SPACING_KM = 220.0
STATE_REGION_MIN_KM = 100.0
STATE_REGION_CLIENT_KM = 45.0
STATE_OFFICE_SCATTER_KM = 15.0
STATE_MANAGERS_PER_OFFICE = 10
STATE_LATE_SHIFT_SHARE = 0.10
STATE_PART_TIME_SHARE = 0.20
GEOGRAPHIES = ("county", "state")
MANAGERS_PER_OFFICE = 40
MANAGER_SCATTER_KM = 8.0

PART_TIME_SHARE = 0.15
PART_TIME_FTES = (0.5, 0.6, 0.75, 0.8)
HOUSEHOLD_START_P = 0.137  # with sizes 2-4 (mean 2.7) this puts ~30 % of clients in households
HOUSEHOLD_SIZES = ((0.5, 2), (0.3, 3), (0.2, 4))  # (weight, size)
INTAKE_SHARE = 0.08  # new cases waiting for a first manager
VACANT_SHARE = 0.02  # older cases whose manager left
LOCKED_SHARE = 0.05  # of the cases a lock may apply to: about 3 % of all cases
ESCALATED_SHARE = 0.015
EXPLICIT_POINTS_SHARE = 0.005
SPLIT_HOUSEHOLD_SHARE = 0.1
OUT_OF_REGION_SHARE = 0.03
CLOSED_TO_NEW_SHARE = 0.03
SOME_LEAVE_SHARE = 0.06
DEMAND_SHARE = (0.90, 0.96)  # total points / capacity of managers at work
CASE_COUNT_SHARE = 0.70  # total cases / total max_cases: juniors, whose cases are light, hit the count first

# Utilisation the current assignment drifts towards: (share of managers, (low, high)).
LOAD_PROFILES = ((0.15, (1.10, 1.40)), (0.25, (0.45, 0.70)), (0.60, (0.75, 0.95)))

T = TypeVar("T")

WindowPattern = tuple[tuple[str, ...], tuple[str, ...]]  # (weekdays, windows); no days: default hours
WEEKDAY_NAMES = WEEKDAYS[:5]
DEFAULT_HOURS: WindowPattern = ((), ())
CLIENT_WINDOWS: tuple[tuple[float, WindowPattern], ...] = (
    (0.85, DEFAULT_HOURS),
    (0.06, (("mon", "tue", "wed", "thu", "fri"), ("15:00-17:00",))),  # after school
    (0.04, (("mon", "tue", "wed", "thu", "fri"), ("09:00-12:00",))),
    (0.03, (("mon", "wed", "fri"), ("10:00-16:00",))),
    (0.02, (("mon", "tue", "wed", "thu", "fri"), ("08:00-09:30", "16:00-17:00"))),  # working parent
)
STATE_CLIENT_WINDOWS: tuple[tuple[float, WindowPattern], ...] = (
    (0.60, DEFAULT_HOURS),
    (0.25, (("mon", "tue", "wed", "thu", "fri"), ("15:00-19:00",))),  # after school
    (0.08, (("mon", "tue", "wed", "thu", "fri"), ("09:00-12:00",))),
    (0.07, (("mon", "wed", "fri"), ("10:00-16:00",))),
)
LATE_SHIFT: WindowPattern = (("mon", "tue", "wed", "thu", "fri"), ("10:00-19:00",))
THREE_DAY_WEEKS = (("mon", "tue", "wed"), ("tue", "wed", "thu"), ("wed", "thu", "fri"))
FULL_TIME_HOURS: tuple[tuple[float, WindowPattern], ...] = (
    (0.92, DEFAULT_HOURS),
    (0.04, (("mon", "tue", "wed", "thu", "fri"), ("08:30-17:00",))),
    (0.04, (("mon", "tue", "wed", "thu", "fri"), ("08:00-12:00", "13:00-16:30"))),
)

FIRST_NAMES = (
    "Ana", "Ben", "Carmen", "Deshawn", "Elena", "Farah", "Grace", "Hamza", "Ines", "Jamal", "Keiko",
    "Luis", "Maya", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Samir", "Tara", "Uma", "Victor",
    "Wen", "Ximena", "Yusuf", "Zoe", "Aaliyah", "Bao", "Chloe", "Diego", "Emeka", "Fatima", "Gabriel",
    "Hana", "Isaac", "Jada", "Kofi", "Lena", "Mateo", "Noor", "Olivia", "Pablo", "Rania", "Sofia",
    "Thanh", "Valeria", "Will", "Yara", "Amir", "Brooke", "Caleb", "Daniela", "Ethan", "Hodan",
    "Jonah", "Layla", "Marcus", "Nia", "Owen", "Sadia",
)
LAST_NAMES = (
    "Abdi", "Alvarez", "Brooks", "Castillo", "Chen", "Diaz", "Ellis", "Farah", "Garcia", "Hassan",
    "Hughes", "Jensen", "Kim", "Lopez", "Mendoza", "Nguyen", "Novak", "Okafor", "Olsen", "Patel",
    "Price", "Quintero", "Reyes", "Rivera", "Romero", "Said", "Schmidt", "Tran", "Turner", "Vargas",
    "Walker", "Warsame", "Washington", "Young", "Zhang", "Bishop", "Coleman", "Duarte", "Ferreira",
    "Grant", "Haddad", "Ibrahim", "Jaramillo", "Kowalski", "Lindqvist", "Moreno", "Ortiz", "Pham",
    "Russo", "Soto",
)


# Look-ups derived from the tables above (read-only).
TYPE_FACTOR = MappingProxyType({name: factor for name, factor, _, _ in CASE_TYPES})
TYPE_SKILL = MappingProxyType({name: skill for name, _, skill, _ in CASE_TYPES})
COMPLEXITY_RANK = MappingProxyType({name: rank for rank, (name, _, _) in enumerate(COMPLEXITIES)})
BASE_LEVEL = MappingProxyType({name: (capacity, max_cases) for name, capacity, max_cases, _, _ in LEVELS})
LAST_CONTACT_SPREAD_DAYS = MappingProxyType({"monthly": 35, "biweekly": 21})  # other kinds: 7


@dataclass(frozen=True)
class Weighted(Generic[T]):
    """Options drawn with fixed weights; one `rng.random()` per draw."""

    options: tuple[T, ...]
    cumulative: tuple[float, ...]

    @staticmethod
    def of(pairs: Sequence[tuple[float, T]]) -> Weighted[T]:
        cumulative: list[float] = []
        total = 0.0
        for weight, _ in pairs:
            total += weight
            cumulative.append(total)
        return Weighted(tuple(option for _, option in pairs), tuple(cumulative))

    def pick(self, rng: random.Random) -> T:
        return self.options[bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]


CASE_TYPE_PICK = Weighted.of([(share, name) for name, _, _, share in CASE_TYPES])
COMPLEXITY_PICK = Weighted.of([(share, rank) for rank, (_, _, share) in enumerate(COMPLEXITIES)])
CLIENT_LANGUAGE_PICK = Weighted.of([(1 - sum(share for _, share, _ in MINORITY_LANGUAGES), "en")]
                                   + [(share, language) for language, share, _ in MINORITY_LANGUAGES])
HOUSEHOLD_SIZE_PICK = Weighted.of(HOUSEHOLD_SIZES)
CLIENT_WINDOWS_PICK = Weighted.of(CLIENT_WINDOWS)
STATE_CLIENT_WINDOWS_PICK = Weighted.of(STATE_CLIENT_WINDOWS)
FULL_TIME_HOURS_PICK = Weighted.of(FULL_TIME_HOURS)


# --------------------------------------------------------------------------------------------------
# Rows: plain data, formatted to the CSV contract only when written.


@dataclass(frozen=True, slots=True)
class ContactRow:
    mode: str
    minutes: int
    frequency: str
    last: date | None


@dataclass(slots=True)
class ManagerRow:
    id: str
    name: str
    level: str
    fte: float
    region: str
    office: str
    lat: float
    lon: float
    languages: list[str]
    skills: list[str]
    availability: WindowPattern
    leave: list[date]
    accepts_new_cases: bool
    email: str
    phone: str
    max_new_cases: int | None = None


@dataclass(slots=True)
class ClientRow:
    id: str
    name: str
    household: str | None
    language: str
    region: str
    lat: float
    lon: float
    availability: WindowPattern
    excluded_managers: list[str] = field(default_factory=list)
    preferred_manager: str | None = None


@dataclass(slots=True)
class CaseRow:
    id: str
    client: str
    type: str
    complexity: str
    opened: date
    manager: str | None
    locked: bool
    escalate: bool
    points: float | None
    contacts: list[ContactRow]


@dataclass
class GeneratedOrganisation:
    """A synthetic organisation: the YAML header (week, policy, holidays) and the CSV rows."""

    header: dict[str, Any]
    managers: list[ManagerRow]
    clients: list[ClientRow]
    cases: list[CaseRow]
    comment: str = ""

    def config_data(self) -> dict[str, Any]:
        """The organisation as one inline config document (what the loader builds from the files)."""
        return {
            **self.header,
            "managers": [_manager_data(row) for row in self.managers],
            "clients": [_client_data(row) for row in self.clients],
            "cases": [_case_data(row) for row in self.cases],
        }

    def to_config(self) -> Config:
        """A validated `Config` (builds one pydantic object per row: for small organisations)."""
        return Config.model_validate(self.config_data())


# --------------------------------------------------------------------------------------------------
# Public entry points.


def generate_organisation(managers: int, cases: int, seed: int, *,
                          week_start: date = DEFAULT_WEEK_START,
                          timezone: str = DEFAULT_TIMEZONE, messy: float = 0.0,
                          geography: str = "county") -> GeneratedOrganisation:
    """A realistic organisation of `managers` case managers and `cases` open cases (one client each).

    `messy` (0 to 1) adds the inconsistent current state real exports arrive with (see `_make_messy`):
    about this share of the cases each kind of inconsistency could touch. 0 leaves the tidy
    organisation byte-identical to one generated without the option.

    `geography`: "county" (regions of about 100 managers next to each other) or "state" (small regions
    100-400 km apart, clients far out, after-school hours, three-day part-timers, late shifts).
    """
    if geography not in GEOGRAPHIES:
        raise ValueError(f"geography is one of {', '.join(GEOGRAPHIES)}")
    if not 0.0 <= messy <= 1.0:
        raise ValueError("messy is a share between 0 and 1")
    if managers < 1 or cases < 0:
        raise ValueError("an organisation needs at least one manager and zero or more cases")
    if managers > MAX_MANAGERS or cases > MAX_CASES:
        raise ValueError(f"caseload plans at most {MAX_MANAGERS:,} managers and {MAX_CASES:,} cases")
    rng = random.Random(seed)
    state = geography == "state"
    regions = _make_state_regions(managers, rng) if state else _make_regions(managers, rng)
    manager_counts = _apportion(managers, [region.weight for region in regions], minimum=1)
    case_counts = _apportion(cases, [count * rng.uniform(0.9, 1.1) for count in manager_counts])
    manager_rows = _make_managers(regions, manager_counts, week_start, rng, state=state)
    client_rows, case_rows = _make_clients_and_cases(regions, case_counts, week_start, rng, state=state)
    levels = _scaled_levels(manager_rows, case_rows, week_start, rng)
    needs = CaseNeeds.of(case_rows, client_rows, levels)
    _ensure_servable(manager_rows, needs, levels, week_start, rng)
    _assign_current(manager_rows, case_rows, needs, levels, week_start, rng)
    _settle_escalations(manager_rows, case_rows, needs, levels)
    _lock_some(manager_rows, case_rows, needs, levels, week_start, rng)
    if messy > 0:
        # A stream of its own: the tidy draws above stay the same with or without the mess.
        _make_messy(manager_rows, client_rows, case_rows, levels, week_start, random.Random(f"messy:{seed}"), messy)
    header = _header(levels, week_start, timezone, compliance=messy > 0)
    option = f" --messy {messy:g}" if messy > 0 else ""
    option += " --geography state" if state else ""
    comment = (f"Synthetic organisation from `caseload generate --managers {managers} --cases {cases} "
               f"--seed {seed}{option}`: {len(regions)} regions; all names are fictional.")
    return GeneratedOrganisation(header, manager_rows, client_rows, case_rows, comment)


def organisation_tables(org: GeneratedOrganisation) -> dict[str, tuple[Sequence[str], list[tuple[object, ...]]]]:
    """The CSV files of a generated organisation: file name -> (columns, rows), per the loader's contract."""
    # No blocked time or appointments are generated: their (optional) columns are left out.
    return {
        "managers.csv": (tuple(name for name in MANAGER_COLUMNS if name != "blocked"),
                         [_manager_cells(row) for row in org.managers]),
        "clients.csv": (CLIENT_COLUMNS, [_client_cells(row) for row in org.clients]),
        "cases.csv": (tuple(name for name in CASE_COLUMNS if name != "appointments"),
                      [_case_cells(row) for row in org.cases]),
    }


def organisation_yaml(org: GeneratedOrganisation) -> str:
    """organisation.yaml of a generated organisation, naming the CSV files beside it."""
    document = {**org.header, "managers": "managers.csv", "clients": "clients.csv", "cases": "cases.csv"}
    text = yaml.safe_dump(document, sort_keys=False, default_flow_style=None, width=110)
    comment = "".join(f"# {line}\n" for line in org.comment.splitlines())
    return comment + text


# --------------------------------------------------------------------------------------------------
# Regions and offices.


@dataclass(frozen=True)
class Office:
    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Region:
    name: str
    lat: float
    lon: float
    client_km: float  # clients live within this distance of the centre
    weight: float  # relative size
    offices: tuple[Office, ...] = field(default=())


def _make_regions(managers: int, rng: random.Random) -> list[Region]:
    """About one region per 100 managers, at least two when there are managers enough to share."""
    count = max(2, round(managers / MANAGERS_PER_REGION))
    count = min(count, max(1, managers // 4))
    county = count <= COUNTY_REGIONS
    spacing = COUNTY_SPACING_DEG if county else STATE_SPACING_DEG
    client_km = COUNTY_CLIENT_KM if county else STATE_CLIENT_KM
    regions = []
    for name, (row, col) in zip(_region_names(count), _region_cells(count), strict=True):
        lat, lon = ORIGIN[0] + row * spacing[0], ORIGIN[1] + col * spacing[1]
        regions.append(Region(name, lat, lon, client_km, rng.uniform(0.75, 1.25)))
    return regions


def _make_state_regions(managers: int, rng: random.Random) -> list[Region]:
    """Small regions far apart: centres on a grid `STATE_REGION_SPACING_KM` apart, each moved at random
    by up to a third of it, never closer than `STATE_REGION_MIN_KM` to another (100-400 km apart)."""
    count = max(3, round(managers / STATE_MANAGERS_PER_REGION))
    count = min(count, max(1, managers // 2))
    columns = math.ceil(math.sqrt(count))
    centres: list[tuple[float, float]] = []
    for index in range(count):
        row, col = divmod(index, columns)
        while True:
            north = (row + rng.uniform(-1 / 3, 1 / 3)) * STATE_REGION_SPACING_KM
            east = (col + rng.uniform(-1 / 3, 1 / 3)) * STATE_REGION_SPACING_KM
            if all(math.hypot(north - n, east - e) >= STATE_REGION_MIN_KM for n, e in centres):
                break
        centres.append((north, east))
    regions = []
    for name, (north, east) in zip(_region_names(count), centres, strict=True):
        lat = ORIGIN[0] + north / KM_PER_DEG_LAT
        lon = ORIGIN[1] + east / (KM_PER_DEG_LAT * math.cos(math.radians(ORIGIN[0])))
        regions.append(Region(name, round(lat, 4), round(lon, 4), STATE_REGION_CLIENT_KM, rng.uniform(0.75, 1.25)))
    return regions


def _region_names(count: int) -> list[str]:
    names = [name for name, _, _ in NAMED_REGIONS[:count]]
    return names + [f"region-{index}" for index in range(len(names) + 1, count + 1)]


def _region_cells(count: int) -> list[tuple[int, int]]:
    """Grid cells for region centres: the named compass cells first, then rings around them."""
    cells = [(row, col) for _, row, col in NAMED_REGIONS[:count]]
    ring = 1
    while len(cells) < count:
        ring_cells = sorted(
            (row, col)
            for row in range(-ring, ring + 1)
            for col in range(-ring, ring + 1)
            if max(abs(row), abs(col)) == ring and (row, col) not in cells
        )
        cells.extend(ring_cells[: count - len(cells)])
        ring += 1
    return cells


def _with_offices(region: Region, managers: int, rng: random.Random, *, state: bool = False) -> Region:
    count = max(1, round(managers / (STATE_MANAGERS_PER_OFFICE if state else MANAGERS_PER_OFFICE)))
    offices = []
    for index in range(count):
        name = f"{region.name}-office" if count == 1 else f"{region.name}-{index + 1}"
        lat, lon = _scatter(region.lat, region.lon, STATE_OFFICE_SCATTER_KM if state else MANAGER_SCATTER_KM, rng)
        offices.append(Office(name, lat, lon))
    return replace(region, offices=tuple(offices))


def _scatter(lat: float, lon: float, radius_km: float, rng: random.Random) -> tuple[float, float]:
    """A point uniformly spread over a disc of `radius_km` around (lat, lon), to 4 decimals (~10 m)."""
    distance = radius_km * math.sqrt(rng.random())
    angle = rng.uniform(0, 2 * math.pi)
    d_lat = distance * math.cos(angle) / KM_PER_DEG_LAT
    d_lon = distance * math.sin(angle) / (KM_PER_DEG_LAT * math.cos(math.radians(lat)))
    return round(lat + d_lat, 4), round(lon + d_lon, 4)


# --------------------------------------------------------------------------------------------------
# Managers.


def _make_managers(regions: list[Region], counts: list[int], week_start: date,
                   rng: random.Random, *, state: bool = False) -> list[ManagerRow]:
    total = sum(counts)
    width = max(3, len(str(total)))
    rows: list[ManagerRow] = []
    for region, count in zip(regions, counts, strict=True):
        placed = _with_offices(region, count, rng, state=state)
        levels = _region_levels(count, rng)
        for level in levels:
            index = len(rows) + 1
            office = placed.offices[rng.randrange(len(placed.offices))]
            lat, lon = _scatter(office.lat, office.lon, MANAGER_SCATTER_KM, rng)
            first, last = _choice(rng, FIRST_NAMES), _choice(rng, LAST_NAMES)
            manager_id = f"m-{index:0{width}d}"
            rows.append(ManagerRow(
                id=manager_id, name=f"{first} {last}", level=level, fte=1.0, region=region.name,
                office=office.name, lat=lat, lon=lon, languages=_manager_languages(rng),
                skills=_manager_skills(level, rng), availability=FULL_TIME_HOURS_PICK.pick(rng), leave=[],
                accepts_new_cases=rng.random() >= CLOSED_TO_NEW_SHARE,
                email=f"{first}.{last}.{index}@agency.example".lower(), phone=f"555-{index:04d}",
            ))
    if state:
        _make_state_hours(rows, rng)
    else:
        _make_part_timers(rows, rng)
    _add_leave(rows, week_start, rng)
    return rows


def _region_levels(count: int, rng: random.Random) -> list[str]:
    """The level mix of one region, with a senior wherever two or more managers work together."""
    per_level = _apportion(count, [share for *_, share in LEVELS])
    if count >= 2 and per_level[-1] == 0:
        largest = per_level.index(max(per_level))
        per_level[largest] -= 1
        per_level[-1] += 1
    levels = [name for (name, *_), number in zip(LEVELS, per_level, strict=True) for _ in range(number)]
    rng.shuffle(levels)
    return levels


def _manager_languages(rng: random.Random) -> list[str]:
    return ["en", *(language for language, _, speakers in MINORITY_LANGUAGES if rng.random() < speakers)]


def _manager_skills(level: str, rng: random.Random) -> list[str]:
    # Juniors rarely hold specialist skills yet.
    factor = 0.4 if level == LEVELS[0][0] else 1.2
    return [skill for skill, share in SKILLS if rng.random() < share * factor]


def _make_part_timers(rows: list[ManagerRow], rng: random.Random) -> None:
    count = round(len(rows) * PART_TIME_SHARE)
    for index in sorted(rng.sample(range(len(rows)), count)):
        fte = _choice(rng, PART_TIME_FTES)
        rows[index].fte = fte
        rows[index].availability = _part_time_hours(fte, rng)


def _make_state_hours(rows: list[ManagerRow], rng: random.Random) -> None:
    """Part-timers on three full days a week (FTE 0.6), and some full-timers on a late shift (10:00-19:00)
    that meets families after school."""
    part_time = set(rng.sample(range(len(rows)), round(len(rows) * STATE_PART_TIME_SHARE)))
    for index, row in enumerate(rows):
        if index in part_time:
            row.fte = 0.6
            row.availability = (_choice(rng, THREE_DAY_WEEKS), ("08:00-17:00",))
        elif rng.random() < STATE_LATE_SHIFT_SHARE:
            row.availability = LATE_SHIFT


def _part_time_hours(fte: float, rng: random.Random) -> WindowPattern:
    if fte <= 0.5:
        if rng.random() < 0.5:
            return WEEKDAY_NAMES, ("08:00-12:00",)
        return ("mon", "tue"), ("08:00-12:00", "13:00-17:00")
    if fte <= 0.6:
        return ("mon", "tue", "wed"), ("08:00-12:00", "13:00-17:00")
    return ("mon", "tue", "wed", "thu"), ("08:00-17:00",)


def _add_leave(rows: list[ManagerRow], week_start: date, rng: random.Random) -> None:
    """A few managers away a day or two; one or two (one per 200) away all week."""
    if len(rows) < 5:
        return
    all_week = max(1, len(rows) // 200)
    some_days = max(1, round(len(rows) * SOME_LEAVE_SHARE))
    chosen = rng.sample(range(len(rows)), all_week + some_days)
    workdays = [week_start + timedelta(days=offset) for offset in range(5)]
    for position, index in enumerate(chosen):
        if position < all_week:
            rows[index].leave = list(workdays)
        else:
            rows[index].leave = sorted(rng.sample(workdays, _choice(rng, (1, 1, 1, 2))))


# --------------------------------------------------------------------------------------------------
# Clients, households and cases.


def _make_clients_and_cases(regions: list[Region], counts: list[int], week_start: date,
                            rng: random.Random, *, state: bool = False) -> tuple[list[ClientRow], list[CaseRow]]:
    total = sum(counts)
    width = max(4, len(str(total)))
    clients: list[ClientRow] = []
    cases: list[CaseRow] = []
    households = 0
    for region, count in zip(regions, counts, strict=True):
        remaining = count
        while remaining > 0:
            size = min(remaining, 1 if rng.random() >= HOUSEHOLD_START_P else HOUSEHOLD_SIZE_PICK.pick(rng))
            household = None
            if size > 1:
                households += 1
                household = f"h-{households:0{width}d}"
            _add_household(region, size, household, width, week_start, clients, cases, rng, state=state)
            remaining -= size
    return clients, cases


def _add_household(region: Region, size: int, household: str | None, width: int, week_start: date,
                   clients: list[ClientRow], cases: list[CaseRow], rng: random.Random, *, state: bool = False) -> None:
    """Clients of one household share a home, a language and contact hours; each has its own case."""
    lat, lon = _scatter(region.lat, region.lon, region.client_km, rng)
    language = CLIENT_LANGUAGE_PICK.pick(rng)
    availability = (STATE_CLIENT_WINDOWS_PICK if state else CLIENT_WINDOWS_PICK).pick(rng)
    family = _choice(rng, LAST_NAMES)
    sibling_type = _choice(rng, SIBLING_CASE_TYPES) if size > 1 else ""
    new_intake = rng.random() < INTAKE_SHARE
    for _ in range(size):
        index = len(clients) + 1
        client_id = f"c-{index:0{width}d}"
        clients.append(ClientRow(client_id, f"{_choice(rng, FIRST_NAMES)} {family}", household, language,
                                 region.name, lat, lon, availability))
        case_type = sibling_type or CASE_TYPE_PICK.pick(rng)
        case = _make_case(f"K-{index:0{width}d}", client_id, case_type, COMPLEXITY_PICK.pick(rng),
                          new_intake, week_start, rng)
        cases.append(_rural(case, week_start, rng) if state else case)


def _make_case(case_id: str, client_id: str, case_type: str, complexity_rank: int, new_intake: bool,
               week_start: date, rng: random.Random) -> CaseRow:
    if new_intake:
        opened = week_start - timedelta(days=_between(rng, 1, 14))
    else:
        opened = week_start - timedelta(days=_between(rng, 40, 3 * 365))
    # Escalation asks for one level above the complexity's; critical has none above it.
    escalate = 0 < complexity_rank < len(COMPLEXITIES) - 1 and rng.random() < ESCALATED_SHARE
    points = None
    if rng.random() < EXPLICIT_POINTS_SHARE:
        # An agency's override for an unusually heavy case (court work, many placements).
        points = round(_derived_points(case_type, complexity_rank) * 1.5 * 2) / 2
    contacts = _contacts(case_type, complexity_rank, None if new_intake else week_start, rng)
    return CaseRow(case_id, client_id, case_type, COMPLEXITIES[complexity_rank][0], opened, None,
                   locked=False, escalate=escalate, points=points, contacts=contacts)


# A rural agency's drives leave less time for contacts: calls every other week instead of weekly, home
# visits monthly instead of every other week (investigations keep theirs).
RURAL_FREQUENCIES = MappingProxyType({("phone", "weekly"): "biweekly", ("in_person", "biweekly"): "monthly"})


def _rural(case: CaseRow, week_start: date, rng: random.Random) -> CaseRow:
    contacts = []
    for contact in case.contacts:
        frequency = RURAL_FREQUENCIES.get((contact.mode, contact.frequency))
        if frequency is None or case.type == "investigation":
            contacts.append(contact)
            continue
        last = None if contact.last is None else week_start - timedelta(
            days=_between(rng, 1, LAST_CONTACT_SPREAD_DAYS.get(frequency, 7)))
        contacts.append(ContactRow(contact.mode, contact.minutes, frequency, last))
    case.contacts = contacts
    return case


def _contacts(case_type: str, complexity_rank: int, week_start: date | None,
              rng: random.Random) -> list[ContactRow]:
    """Required contacts by case type and complexity; `week_start` None: a new case, never contacted."""
    visit = _visit_frequency(case_type, complexity_rank)
    contacts = [_contact("in_person", _choice(rng, (45, 60, 60, 60, 75, 90)), visit, week_start, rng)]
    if case_type == "adoption":
        if rng.random() < 0.5:
            contacts.append(_contact("video", _choice(rng, (30, 45)), "monthly", week_start, rng))
    elif case_type == "investigation":
        if complexity_rank >= 2 and visit == "weekly":
            contacts.append(_contact("phone", _choice(rng, (15, 20, 30)), "weekly", week_start, rng))
    elif complexity_rank >= 1:
        contacts.append(_contact("phone", _choice(rng, (15, 15, 20, 30)), "weekly", week_start, rng))
    elif rng.random() < 0.3:
        contacts.append(_contact("phone", 15, "biweekly", week_start, rng))
    return contacts


def _visit_frequency(case_type: str, complexity_rank: int) -> str:
    """Federal law: a foster child is visited at least monthly; open investigations far more often."""
    if case_type == "investigation":
        return "2/week" if complexity_rank == len(COMPLEXITIES) - 1 else "weekly"
    if case_type == "family-recovery" and complexity_rank >= 2:
        return "weekly"
    if case_type in ("in-home", "family-recovery", "medically-complex"):
        return "biweekly"
    return "monthly"


def _contact(mode: str, minutes: int, frequency: str, week_start: date | None,
             rng: random.Random) -> ContactRow:
    if week_start is None:
        return ContactRow(mode, minutes, frequency, None)
    spread = LAST_CONTACT_SPREAD_DAYS.get(frequency, 7)
    return ContactRow(mode, minutes, frequency, week_start - timedelta(days=_between(rng, 1, spread)))


# --------------------------------------------------------------------------------------------------
# Policy: DESIGN.md's levels, scaled so that demand is a little under capacity.


@dataclass(frozen=True)
class LevelSpec:
    name: str
    rank: int
    capacity_points: int
    max_cases: int
    max_complexity_rank: int


def _derived_points(case_type: str, complexity_rank: int) -> float:
    return COMPLEXITIES[complexity_rank][1] * TYPE_FACTOR[case_type]


def _case_points(case: CaseRow) -> float:
    if case.points is not None:
        return case.points
    return _derived_points(case.type, COMPLEXITY_RANK[case.complexity])


def _scaled_levels(managers: list[ManagerRow], cases: list[CaseRow], week_start: date,
                   rng: random.Random) -> list[LevelSpec]:
    """DESIGN.md's level capacities, scaled by one factor so total points sit at 90-96 % of capacity."""
    working = [manager for manager in managers if not _away_all_week(manager, week_start)] or managers
    base_capacity = sum(BASE_LEVEL[manager.level][0] * manager.fte for manager in working)
    base_max_cases = sum(BASE_LEVEL[manager.level][1] * manager.fte for manager in working)
    demand = sum(_case_points(case) for case in cases)
    point_scale = demand / (rng.uniform(*DEMAND_SHARE) * base_capacity) if demand else 1.0
    case_scale = len(cases) / (CASE_COUNT_SHARE * base_max_cases) if cases else 1.0
    return [
        LevelSpec(name, rank, max(1, round(capacity * point_scale)), max(1, round(max_cases * case_scale)),
                  COMPLEXITY_RANK[max_complexity])
        for rank, (name, capacity, max_cases, max_complexity, _) in enumerate(LEVELS)
    ]


def _header(levels: list[LevelSpec], week_start: date, timezone: str, *, compliance: bool = False) -> dict[str, Any]:
    """The config's week and policy; `compliance`: calendar-month visit compliance on (the messy organisations:
    its month-end due days, summary and checker get the same exercise as every other rule)."""
    policy: dict[str, Any] = {
        "levels": [
            {"name": level.name, "capacity_points": level.capacity_points, "max_cases": level.max_cases,
             "max_complexity": COMPLEXITIES[level.max_complexity_rank][0]}
            for level in levels
        ],
        "complexities": [{"name": name, "points": points} for name, points, _ in COMPLEXITIES],
        "case_types": {
            name: {"factor": factor, **({"skills": [skill]} if skill else {})}
            for name, factor, skill, _ in CASE_TYPES
        },
        "households_together": True,
        "balance_tolerance": 0.05,
        "weights": {"unassigned": 1000, "overload": 100, "balance": 10, "moves": 3, "region": 1},
        "scheduling": {
            "slot_minutes": 15,
            "day": {"start": "08:00", "end": "17:00"},
            "lunch": {"start": "12:00", "end": "13:00"},
            "max_contacts_per_day": 8,  # calls count too: ~30 contacts a week per manager
            "min_days_between_contacts": 2,
            "travel_speed_kmh": 40,
        },
    }
    if compliance:
        policy["compliance"] = {"monthly_visits": True, "in_residence_share": 0.5}
    return {"week_start": week_start, "timezone": timezone, "policy": policy, "holidays": list(HOLIDAYS)}


# --------------------------------------------------------------------------------------------------
# What each case needs, computed once: the later steps look at every case several times.


@dataclass(frozen=True)
class CaseNeeds:
    """Per case (same index as the case list): points, lowest level rank, skill, language, region."""

    points: list[float]
    rank: list[int]  # ignoring escalation: what the current worker was chosen by
    escalated_rank: list[int]  # with escalation: what a new worker must have
    skill: list[str]  # "" when the type needs none
    language: list[str]
    region: list[str]
    household: list[str]

    @staticmethod
    def of(cases: list[CaseRow], clients: list[ClientRow], levels: list[LevelSpec]) -> CaseNeeds:
        by_id = {client.id: client for client in clients}
        lowest = [
            min((level.rank for level in levels if level.max_complexity_rank >= rank), default=len(levels))
            for rank in range(len(COMPLEXITIES))
        ]
        needs = CaseNeeds([], [], [], [], [], [], [])
        for case in cases:
            client = by_id[case.client]
            rank = lowest[COMPLEXITY_RANK[case.complexity]]
            needs.points.append(_case_points(case))
            needs.rank.append(rank)
            needs.escalated_rank.append(rank + 1 if case.escalate else rank)
            needs.skill.append(TYPE_SKILL[case.type])
            needs.language.append(client.language)
            needs.region.append(client.region)
            needs.household.append(client.household or f"client:{client.id}")
        return needs


def _level_ranks(levels: list[LevelSpec]) -> dict[str, int]:
    return {level.name: level.rank for level in levels}


def _away_all_week(manager: ManagerRow, week_start: date) -> bool:
    workdays = {week_start + timedelta(days=offset) for offset in range(5)}
    return workdays <= set(manager.leave)


def _can_carry(manager: ManagerRow, rank: int, needed_rank: int, skills: Sequence[str], language: str) -> bool:
    return rank >= needed_rank and language in manager.languages and all(s in manager.skills for s in skills)


# --------------------------------------------------------------------------------------------------
# Every case servable in its own region: a speaker of the client's language, the skill, the level.


def _ensure_servable(managers: list[ManagerRow], needs: CaseNeeds, levels: list[LevelSpec],
                     week_start: date, rng: random.Random) -> None:
    """Teach languages and skills to managers until every case has a taker in its own region.

    Minority languages also get speakers in proportion to their clients' points, so that a region's
    Spanish-speaking families are not all waiting on one worker. When the only manager of a level
    a case needs had closed their caseload, they reopen it.
    """
    ranks = _level_ranks(levels)
    mean_capacity = sum(level.capacity_points for level in levels) / len(levels)
    at_work: dict[str, list[ManagerRow]] = {}
    for manager in managers:
        if not _away_all_week(manager, week_start):
            at_work.setdefault(manager.region, []).append(manager)
    demand: dict[tuple[str, str, int, str], float] = {}
    language_points: dict[tuple[str, str], float] = {}
    for index, points in enumerate(needs.points):
        region, language = needs.region[index], needs.language[index]
        key = (region, language, needs.escalated_rank[index], needs.skill[index])
        demand[key] = demand.get(key, 0.0) + points
        language_points[(region, language)] = language_points.get((region, language), 0.0) + points
    for (region, language), points in sorted(language_points.items()):
        if language != "en":
            wanted = math.ceil(points / (0.5 * mean_capacity))
            open_staff = [manager for manager in at_work.get(region, []) if manager.accepts_new_cases]
            _teach_language(open_staff, language, wanted, rng)
    for region, language, needed_rank, skill in sorted(demand):
        staff = at_work.get(region, [])
        skills = [skill] if skill else []
        if any(m.accepts_new_cases and _can_carry(m, ranks[m.level], needed_rank, skills, language) for m in staff):
            continue
        able = [m for m in staff if ranks[m.level] >= needed_rank]
        if not able:
            continue  # a tiny organisation without that level here: served from another region
        open_able = [m for m in able if m.accepts_new_cases] or able
        chosen = _choice(rng, [m for m in open_able if language in m.languages] or open_able)
        chosen.accepts_new_cases = True
        if language not in chosen.languages:
            chosen.languages.append(language)
        chosen.skills.extend(skill for skill in skills if skill not in chosen.skills)


def _teach_language(staff: list[ManagerRow], language: str, wanted: int, rng: random.Random) -> None:
    speakers = sum(language in manager.languages for manager in staff)
    others = [manager for manager in staff if language not in manager.languages]
    for manager in rng.sample(others, max(0, min(len(others), wanted - speakers))):
        manager.languages.append(language)


# --------------------------------------------------------------------------------------------------
# The current assignment: uneven, mostly in region, households mostly together.


class _Takers:
    """Managers who may carry a kind of work, per region (None: anywhere); built once per kind."""

    def __init__(self, managers: list[ManagerRow], ranks: list[int]) -> None:
        self.managers = managers
        self.ranks = ranks
        self.by_region: dict[str | None, list[int]] = {None: list(range(len(managers)))}
        for index, manager in enumerate(managers):
            self.by_region.setdefault(manager.region, []).append(index)
        self._cache: dict[tuple[str | None, int, tuple[str, ...], str], list[int]] = {}

    def of(self, region: str | None, rank: int, skills: tuple[str, ...], language: str) -> list[int]:
        key = (region, rank, skills, language)
        if key not in self._cache:
            self._cache[key] = [i for i in self.by_region.get(region, [])
                                if _can_carry(self.managers[i], self.ranks[i], rank, skills, language)]
        return self._cache[key]


def _assign_current(managers: list[ManagerRow], cases: list[CaseRow], needs: CaseNeeds,
                    levels: list[LevelSpec], week_start: date, rng: random.Random) -> None:
    """Round-robin intake as a supervisor does it: look at a few colleagues, give it to the least full.

    Each manager drifts towards a utilisation of their own (some far over capacity, some light). The
    current assignment ignores escalation flags: an escalated case is one its worker asked to hand up.
    """
    level_rank = _level_ranks(levels)
    capacity = {level.name: level.capacity_points for level in levels}
    takers = _Takers(managers, [level_rank[manager.level] for manager in managers])
    region_names = sorted(name for name in takers.by_region if name is not None)
    target = _target_loads(managers, capacity, rng)
    load = [0.0] * len(managers)
    for unit in _assignment_units(cases, needs, week_start, rng):
        first = unit[0]
        home = needs.region[first]
        region = home
        if len(region_names) > 1 and rng.random() < OUT_OF_REGION_SHARE:
            region = _choice(rng, [name for name in region_names if name != home])
        rank = max(needs.rank[i] for i in unit)
        skills = tuple(sorted({needs.skill[i] for i in unit if needs.skill[i]}))
        language = needs.language[first]
        eligible = (takers.of(region, rank, skills, language) or takers.of(home, rank, skills, language)
                    or takers.of(None, rank, skills, language))
        if not eligible:
            continue
        if len(eligible) > 8:
            eligible = [eligible[_below(rng, len(eligible))] for _ in range(8)]
        points = sum(needs.points[i] for i in unit)
        chosen = min(eligible, key=lambda i: ((load[i] + points) / target[i], i))
        load[chosen] += points
        for index in unit:
            cases[index].manager = managers[chosen].id


def _settle_escalations(managers: list[ManagerRow], cases: list[CaseRow], needs: CaseNeeds,
                        levels: list[LevelSpec]) -> None:
    """An escalated case needs a level above its worker's (the top when they hold it): the servability
    above planned for one above its complexity's, so a case whose worker is already above that is not
    escalated (a worker at the complexity's level asks to hand a case up, or one at the top keeps it)."""
    ranks = _level_ranks(levels)
    by_id = {manager.id: manager for manager in managers}
    top = len(levels) - 1
    for index, case in enumerate(cases):
        if not case.escalate or case.manager is None:
            continue
        needed = max(needs.rank[index], min(ranks[by_id[case.manager].level] + 1, top))
        if needed > needs.escalated_rank[index]:
            case.escalate = False


def _target_loads(managers: list[ManagerRow], capacity: dict[str, int], rng: random.Random) -> list[float]:
    profiles = _apportion(len(managers), [share for share, _ in LOAD_PROFILES])
    if len(managers) >= 3 and profiles[0] == 0:
        profiles[0], profiles[-1] = 1, profiles[-1] - 1  # someone is always over capacity
    bands = [band for (_, band), count in zip(LOAD_PROFILES, profiles, strict=True) for _ in range(count)]
    rng.shuffle(bands)
    return [capacity[manager.level] * manager.fte * rng.uniform(*band)
            for manager, band in zip(managers, bands, strict=True)]


def _assignment_units(cases: list[CaseRow], needs: CaseNeeds, week_start: date,
                      rng: random.Random) -> list[list[int]]:
    """Households (or, for a few, their single cases) that already have a manager, in random order."""
    groups: dict[str, list[int]] = {}
    for index, household in enumerate(needs.household):
        groups.setdefault(household, []).append(index)
    intake_since = week_start - timedelta(days=15)
    units: list[list[int]] = []
    for group in groups.values():
        if cases[group[0]].opened > intake_since:
            continue  # new intake: nobody has it yet
        if rng.random() < VACANT_SHARE:
            continue  # its manager left; waiting for reassignment
        if len(group) > 1 and rng.random() < SPLIT_HOUSEHOLD_SHARE:
            units.extend([index] for index in group)
        else:
            units.append(group)
    rng.shuffle(units)
    return units


def _lock_some(managers: list[ManagerRow], cases: list[CaseRow], needs: CaseNeeds, levels: list[LevelSpec],
               week_start: date, rng: random.Random) -> None:
    """A few cases must stay put (a court order, a trusted relationship in a crisis).

    Only single-client households, with a manager at work in the client's region who may carry them,
    so a lock never makes the organisation unsolvable.
    """
    ranks = _level_ranks(levels)
    by_id = {manager.id: manager for manager in managers}
    for index, case in enumerate(cases):
        if case.manager is None or case.escalate or not needs.household[index].startswith("client:"):
            continue
        if rng.random() >= LOCKED_SHARE:
            continue
        manager = by_id[case.manager]
        if _away_all_week(manager, week_start) or manager.region != needs.region[index]:
            continue
        skills = [needs.skill[index]] if needs.skill[index] else []
        if _can_carry(manager, ranks[manager.level], needs.escalated_rank[index], skills, needs.language[index]):
            case.locked = True


# --------------------------------------------------------------------------------------------------
# Messy current states: what real case-management exports look like.


def _make_messy(managers: list[ManagerRow], clients: list[ClientRow], cases: list[CaseRow],
                levels: list[LevelSpec], week_start: date, rng: random.Random, share: float) -> None:
    """Make the current state inconsistent the way real data is, each kind on about `share` of the
    cases it could touch (at least one where any can):

    * cases locked to a manager whose level may no longer carry them;
    * a locked case inside a household whose other case is too complex for the locked case's manager;
    * split households (one family, several managers);
    * holders of locked cases on leave all week;
    * holders who lost the client's language, or the skill the case type needs;
    * a manager far over `max_cases`;
    * clients who exclude the current manager of an unlocked case of theirs (a conflict found since);
    * clients who name a preferred manager (their current one, or anyone);
    * managers with an intake cap of 0 to 2 new cases this week.
    """
    client_of = {client.id: client for client in clients}
    junior = min(levels, key=lambda level: level.rank)
    juniors = [manager for manager in managers if manager.level == junior.name]
    households: dict[str, list[CaseRow]] = {}
    for case in cases:
        household = client_of[case.client].household
        if household is not None:
            households.setdefault(household, []).append(case)
    families = [members for _, members in sorted(households.items()) if len(members) > 1]
    too_complex = [case for case in cases if COMPLEXITY_RANK[case.complexity] > junior.max_complexity_rank]
    top = COMPLEXITIES[-1][0]

    def some(pool: Sequence[T]) -> list[T]:
        count = min(len(pool), max(1, round(share * len(pool))))
        return rng.sample(list(pool), count) if pool else []

    if juniors:
        for case in some(too_complex):
            case.manager, case.locked = _choice(rng, juniors).id, True
        for members in some(families):
            anchor, other = members[0], members[1]
            anchor.manager, anchor.locked, anchor.complexity = _choice(rng, juniors).id, True, COMPLEXITIES[0][0]
            other.complexity, other.locked = top, False
    for members in some(families):
        for case in members:
            if not case.locked:
                case.manager = _choice(rng, managers).id
    by_id = {manager.id: manager for manager in managers}
    holders = sorted({case.manager for case in cases if case.locked and case.manager is not None})
    for manager_id in some(holders):
        by_id[manager_id].leave = [week_start + timedelta(days=offset) for offset in range(5)]
    held = [case for case in cases if case.manager is not None]
    for case in some([case for case in held if client_of[case.client].language != "en"]):
        holder = by_id[case.manager or ""]
        language = client_of[case.client].language
        if language in holder.languages and len(holder.languages) > 1:
            holder.languages = [spoken for spoken in holder.languages if spoken != language]
    for case in some([case for case in held if TYPE_SKILL[case.type]]):
        holder = by_id[case.manager or ""]
        holder.skills = [skill for skill in holder.skills if skill != TYPE_SKILL[case.type]]
    if managers and cases:
        crowded = _choice(rng, managers)
        limit = BASE_LEVEL[crowded.level][1] if crowded.level in BASE_LEVEL else 20
        for case in some(cases)[: limit * 3 // 2]:
            if not case.locked:
                case.manager = crowded.id
    _supervisors_rules(managers, clients, cases, rng, some)


def _supervisors_rules(managers: list[ManagerRow], clients: list[ClientRow], cases: list[CaseRow],
                       rng: random.Random, some: Callable[[Sequence[Any]], list[Any]]) -> None:
    """Exclusions of current holders, preferred managers and intake caps (issue 22), drawn after every
    other messy kind so those stay as they were."""
    client_of = {client.id: client for client in clients}
    for case in some([case for case in cases if case.manager is not None and not case.locked]):
        excluded = client_of[case.client].excluded_managers
        if case.manager not in excluded:
            excluded.append(str(case.manager))
    holder_of = {case.client: case.manager for case in cases if case.manager is not None}
    if managers:
        for client in some(clients):
            current = holder_of.get(client.id)
            anyone = _choice(rng, managers).id
            preferred = current if current is not None and rng.random() < 0.5 else anyone
            if preferred not in client.excluded_managers:
                client.preferred_manager = preferred
    for manager in some(managers):
        manager.max_new_cases = _between(rng, 0, 2)


# --------------------------------------------------------------------------------------------------
# Small helpers: draws that cost one `rng.random()` each (random.choice and randint cost several).


def _below(rng: random.Random, count: int) -> int:
    return int(rng.random() * count)


def _choice(rng: random.Random, options: Sequence[T]) -> T:
    return options[int(rng.random() * len(options))]


def _between(rng: random.Random, low: int, high: int) -> int:
    """An integer in [low, high], both ends included."""
    return low + int(rng.random() * (high - low + 1))


def _apportion(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder; ties to the earlier entry)."""
    if not weights:
        return []
    floor_total = min(total, minimum * len(weights))
    base = [minimum if floor_total == minimum * len(weights) else 0 for _ in weights]
    rest = total - sum(base)
    weight_sum = sum(weights) or 1.0
    exact = [rest * weight / weight_sum for weight in weights]
    counts = [math.floor(value) for value in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[: rest - sum(counts)]:
        counts[i] += 1
    return [b + c for b, c in zip(base, counts, strict=True)]


# --------------------------------------------------------------------------------------------------
# Formatting: CSV cells per the loader's column contract, and inline config data.


def _availability_text(pattern: WindowPattern) -> str:
    days, windows = pattern
    return ";".join(f"{day}={','.join(windows)}" for day in days)


def _availability_data(pattern: WindowPattern) -> dict[str, list[str]] | None:
    days, windows = pattern
    return {day: list(windows) for day in days} if days else None


def _manager_cells(row: ManagerRow) -> tuple[object, ...]:
    return (row.id, row.name, row.level, row.fte, row.region, row.office, row.lat, row.lon,
            ";".join(row.languages), ";".join(row.skills), _availability_text(row.availability),
            ";".join(day.isoformat() for day in row.leave), "" if row.accepts_new_cases else "false",
            "" if row.max_new_cases is None else row.max_new_cases, row.email, row.phone)


def _client_cells(row: ClientRow) -> tuple[object, ...]:
    return (row.id, row.name, row.household or "", row.language, row.region, row.lat, row.lon,
            _availability_text(row.availability), "", "",  # no phone or email: none are generated
            ";".join(row.excluded_managers), row.preferred_manager or "")


def _contact_text(contact: ContactRow) -> str:
    last = f":{contact.last.isoformat()}" if contact.last else ""
    return f"{contact.mode}:{contact.minutes}:{contact.frequency}{last}"


def _case_cells(row: CaseRow) -> tuple[object, ...]:
    return (row.id, row.client, row.type, row.complexity, row.opened.isoformat(), row.manager or "",
            "true" if row.locked else "", "true" if row.escalate else "",
            "" if row.points is None else row.points, ";".join(_contact_text(c) for c in row.contacts))


def _manager_data(row: ManagerRow) -> dict[str, Any]:
    return {
        "id": row.id, "name": row.name, "level": row.level, "fte": row.fte, "region": row.region,
        "office": row.office, "base": {"lat": row.lat, "lon": row.lon}, "languages": list(row.languages),
        "skills": list(row.skills), "availability": _availability_data(row.availability),
        "leave": list(row.leave), "accepts_new_cases": row.accepts_new_cases, "max_new_cases": row.max_new_cases,
        "email": row.email, "phone": row.phone,
    }


def _client_data(row: ClientRow) -> dict[str, Any]:
    return {
        "id": row.id, "name": row.name, "household": row.household, "language": row.language,
        "region": row.region, "location": {"lat": row.lat, "lon": row.lon},
        "availability": _availability_data(row.availability), "excluded_managers": list(row.excluded_managers),
        "preferred_manager": row.preferred_manager,
    }


def _case_data(row: CaseRow) -> dict[str, Any]:
    return {
        "id": row.id, "client": row.client, "type": row.type, "complexity": row.complexity,
        "opened": row.opened, "manager": row.manager, "locked": row.locked, "escalate": row.escalate,
        "points": row.points,
        "contacts": [{"mode": c.mode, "minutes": c.minutes, "frequency": c.frequency, "last": c.last}
                     for c in row.contacts],
    }
