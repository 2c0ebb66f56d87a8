"""Small organisations whose *values* sit at, inside and just outside their documented ranges, for the
value fuzzer (tests/hardening/test_value_fuzzer.py), and the judge that runs every command on one.

`organisations()` is a hypothesis strategy of `OrgSpec`: a config (as the YAML tree) of 2-6 managers
and 3-15 cases, a scenario file of two scenarios, and the field paths where a value was put outside
its range (models/limits.py, docs/configuration.md "Ranges") or outside what the rest of the config
allows (a contact longer than the working day, a `last` after the week, a non-Monday week_start,
overlapping windows, ...), which validation must name. Every choice shrinks towards the typical,
in-range value and optional fields towards absent, so a failure shrinks to the one value that matters.

`judge()` runs validate, plan, check, rebalance, roll and whatif in this process (click's CliRunner)
and returns what went wrong: an exit code outside the allowed ones (4 above all), a traceback, a
problem line without its location, an out-of-range value validation did not name, a plan `check`
refuses, or a solving command over 1.1 x its time limit + 1 s of CPU time.
"""

from __future__ import annotations

import csv
import gc
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import yaml
from click.testing import CliRunner, Result
from hypothesis import strategies as st

from cli import main
from models import limits
from models.scenario import MAX_ADDED_MANAGERS
from scheduler.whatif import FAILED, RULES_BROKEN
from tests.hardening.helpers import LOCATED_LINE, MORE_LINE, SUMMARY_LINE

T = TypeVar("T")

# --- the command line ------------------------------------------------------------------------------------

TIME_LIMIT_S = 1.0
SEED = 7
SOLVE = ["--time-limit", f"{TIME_LIMIT_S:g}", "--seed", str(SEED), "--workers", "1", "--quiet"]


def time_bound(limit: float) -> float:
    """What a solving command may spend: docs/guarantees.md "Time limits"."""
    return limit * 1.1 + 1.0


# --- the values ------------------------------------------------------------------------------------------

DAY = timedelta(days=1)
WEEK_STARTS = [
    date(2026, 11, 30),  # typical
    date(2000, 1, 3),  # the first Monday week_start allows
    date(2100, 12, 27),  # the last one (its Sunday, and the rolled week, lie in 2101)
    date(2026, 3, 23),  # Europe moves its clocks on its Sunday
    date(2026, 3, 2),  # the United States move theirs on its Sunday (2026-03-08)
    date(2026, 10, 26),  # the United States fall back on its Sunday (2026-11-01)
    date(2028, 2, 28),  # a leap day inside the week
]
WEEK_STARTS_OUT = [date(1999, 12, 27), date(2101, 1, 3), date(2026, 12, 1)]  # too early, too late, a Tuesday
TIMEZONES = ["America/Chicago", "UTC", "Europe/London", "Asia/Kathmandu", "Pacific/Chatham",
             "Australia/Lord_Howe", "America/St_Johns", "Pacific/Kiritimati", "Etc/GMT+12"]
TIMEZONES_OUT = ["Mars/Olympus_Mons", "UTC+01:00", ""]
FAR_DATES = [date(1900, 1, 1), date(2100, 12, 31)]
FAR_DATES_OUT = [date(1899, 12, 31), date(2101, 1, 1)]
FREQUENCIES = ["weekly", "monthly", "biweekly", "2/week", "1/week", "7/week", "fortnightly", " 3 / Week "]
FREQUENCIES_OUT = ["0/week", "8/week", "daily"]
LEVEL_NAMES = ["junior", "standard", "senior"]
COMPLEXITY_NAMES = ["low", "moderate", "high", "critical"]
TYPE_NAMES = ["foster-care", "investigation", "medical"]
SKILLS = ["investigations", "medical"]
LANGUAGES = ["en", "es", "so"]
REGIONS = ["north", "south"]
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAY_WINDOWS = [("08:00", "17:00"), ("00:00", "24:00"), ("06:30", "22:00"), ("09:00", "11:00")]
WINDOWS = ["08:30-17:00", "00:00-24:00", "15:00-19:00", "09:00-09:30", "23:00-24:00"]
SLOTS = [15, 5, 10, 20, 30, 60, 120]
SLOTS_OUT = [7, 0, 180]


@dataclass
class OrgSpec:
    """One fuzzed organisation: the config and scenario trees and what validation must refuse in them."""

    config: dict[str, Any]
    scenarios: dict[str, Any]
    out_of_range: list[str] = field(default_factory=list)  # field paths a range check must name
    inconsistent: list[str] = field(default_factory=list)  # field paths a cross-check must name
    scenario_out_of_range: list[str] = field(default_factory=list)

    def write(self, folder: Path) -> tuple[Path, Path]:
        folder.mkdir(parents=True, exist_ok=True)
        config = folder / "org.yaml"
        scenarios = folder / "scenarios.yaml"
        config.write_text(dump(self.config), encoding="utf-8")
        scenarios.write_text(dump(self.scenarios), encoding="utf-8")
        return config, scenarios


class _Dumper(yaml.SafeDumper):
    """Writes a value used twice (one date object in two places) twice: the loader refuses aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(tree: dict[str, Any]) -> str:
    return yaml.dump(tree, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000)


class _Draw:
    """Value pickers that shrink towards the typical value and record what they put out of range."""

    def __init__(self, draw: st.DrawFn, spec: OrgSpec, out_percent: int, scenario: bool = False) -> None:
        self.draw = draw
        self.spec = spec
        self.out_percent = out_percent  # 0: every value in range and consistent
        self.scenario = scenario

    def chance(self, percent: int) -> bool:
        """True with about `percent` % (False is where it shrinks)."""
        return self.draw(st.integers(0, 99)) >= 100 - percent

    def pick(self, options: Sequence[T]) -> T:
        return self.draw(st.sampled_from(options))

    def rare(self) -> bool:
        """Whether to put this value outside its range (never in an all-in-range organisation)."""
        return self.out_percent > 0 and self.chance(self.out_percent)

    def out(self, path: str) -> None:
        (self.spec.scenario_out_of_range if self.scenario else self.spec.out_of_range).append(path)

    def within(self, path: str, inside: Sequence[T], outside: Sequence[T]) -> T:
        """One of `inside`, or (rarely) one of `outside`, recorded as out of range at `path`."""
        if self.rare():
            self.out(path)
            return self.pick(outside)
        return self.pick(inside)

    def number(self, path: str, low: float, high: float, typical: float, *, integer: bool = False,
               low_open: bool = False, outside: list[float] | None = None) -> float | int:
        """Typical, the bounds, anything between, or (rarely) just outside, 0 or negative (`outside`: the
        values beyond the documented range when [low, high] is narrower, to keep the organisation small)."""
        if self.rare():
            step = 1 if integer else max(abs(low) * 1e-3, 1e-6)
            top_step = 1 if integer else max(abs(high) * 1e-6, 1e-6)
            candidates = outside or [low if low_open else low - step, high + top_step, 0, -1, high * 1000]
            outside = [value for value in candidates
                       if value > high or value < low or (low_open and value <= low)]
            self.out(path)
            value = self.pick(outside)
            return int(value) if integer else float(value)
        kind = self.draw(st.integers(0, 99))
        if kind < 55:
            return typical
        if kind < 65:
            if low_open:
                return low + 1 if integer else low + 1e-3
            return low
        if kind < 75:
            return high
        if integer:
            return self.draw(st.integers(int(low) + (1 if low_open else 0), int(high)))
        return self.draw(st.floats(low, high, exclude_min=low_open, allow_nan=False, allow_infinity=False))

    def maybe(self, percent: int = 40) -> bool:
        """Whether an optional field is given (absent is where it shrinks)."""
        return self.chance(percent)

    def day_in_or_near(self, week_start: date, path: str) -> date:
        if self.rare():
            self.out(path)
            return self.pick(FAR_DATES_OUT)
        kind = self.draw(st.integers(0, 99))
        if kind < 70:
            return week_start + DAY * self.draw(st.integers(0, 6))
        if kind < 85:
            return week_start + DAY * self.pick([-7, -1, 7, 30, -400])
        return self.pick(FAR_DATES)


@st.composite
def organisations(draw: st.DrawFn) -> OrgSpec:
    spec = OrgSpec(config={}, scenarios={})
    # Most organisations keep every value in range (they exercise the solvers); the others put a few values
    # out of range or at odds with the rest of the config (they exercise validation).
    pick = _Draw(draw, spec, out_percent=3 if draw(st.integers(0, 99)) >= 60 else 0)

    # --- policy ---
    complexities = COMPLEXITY_NAMES[:draw(st.integers(1, 4))]
    points = [pick.number(f"policy.complexities[{index}].points", limits.MIN_POINTS, limits.MAX_POINTS,
                          float(index + 1)) for index in range(len(complexities))]
    if not spec.out_of_range:
        if pick.rare():  # not least to most complex
            points = sorted(points, reverse=True)
            if points != sorted(points):
                spec.inconsistent.append("policy.complexities")
        else:
            points = sorted(points)
    levels = LEVEL_NAMES[:draw(st.integers(1, 3))]
    level_rows = []
    for index, name in enumerate(levels):
        top = index == len(levels) - 1
        max_complexity = complexities[-1] if top else complexities[min(index, len(complexities) - 1)]
        level_rows.append({
            "name": name,
            "capacity_points": pick.number(f"policy.levels[{index}].capacity_points", limits.MIN_CAPACITY_POINTS,
                                           limits.MAX_CAPACITY_POINTS, [4.0, 6.0, 8.0][index]),
            "max_cases": pick.number(f"policy.levels[{index}].max_cases", 1, limits.MAX_CASES_PER_MANAGER,
                                     [3, 4, 5][index], integer=True),
            "max_complexity": max_complexity,
        })
    types = TYPE_NAMES[:draw(st.integers(1, 3))]
    case_types: dict[str, Any] = {}
    for name in types:
        row: dict[str, Any] = {}
        if pick.maybe(60):
            row["factor"] = pick.number(f"policy.case_types.{name}.factor", limits.MIN_FACTOR, limits.MAX_FACTOR,
                                        1.0)
        if pick.maybe(30):
            row["skills"] = [pick.pick(SKILLS)]
        case_types[name] = row
    policy: dict[str, Any] = {"levels": level_rows,
                              "complexities": [{"name": name, "points": value}
                                               for name, value in zip(complexities, points, strict=True)],
                              "case_types": case_types}
    if pick.maybe(30):
        policy["households_together"] = draw(st.booleans())
    if pick.maybe(30):
        policy["balance_tolerance"] = pick.number("policy.balance_tolerance", 0, 1, 0.05)
    if pick.maybe(50):
        policy["weights"] = {name: pick.number(f"policy.weights.{name}", 0, limits.MAX_WEIGHT, typical)
                             for name, typical in (("unassigned", 1000), ("overload", 100), ("balance", 10),
                                                   ("moves", 3), ("region", 1), ("overtime", 500))
                             if pick.maybe(60)}
    scheduling: dict[str, Any] = {}
    day_start, day_end = DAY_WINDOWS[0]
    if pick.maybe(30):
        day_start, day_end = pick.pick(DAY_WINDOWS)
        scheduling["day"] = {"start": day_start, "end": day_end}
    day_minutes = _minutes(day_end) - _minutes(day_start)
    if pick.maybe(25):
        scheduling["slot_minutes"] = pick.within("policy.scheduling.slot_minutes", SLOTS, SLOTS_OUT)
    if pick.maybe(25):
        lunch = pick.pick([None, {"start": "12:00", "end": "13:00"}, {"start": "10:00", "end": "10:15"},
                           {"start": "18:00", "end": "19:00"}])
        inside = lunch is None or (_minutes(day_start) <= _minutes(lunch["start"])
                                   and _minutes(lunch["end"]) <= _minutes(day_end))
        if inside or pick.rare():
            scheduling["lunch"] = lunch
            if not inside:
                spec.inconsistent.append("policy.scheduling.lunch")
    if pick.maybe(25):
        scheduling["working_days"] = pick.pick([WEEKDAYS[:5], WEEKDAYS, ["sat", "sun"], ["wed"], []])
    if pick.maybe(30):
        scheduling["max_contacts_per_day"] = pick.number("policy.scheduling.max_contacts_per_day", 1,
                                                         limits.MAX_CONTACTS_PER_DAY, 6, integer=True)
    if pick.maybe(20):
        scheduling["min_days_between_contacts"] = pick.number("policy.scheduling.min_days_between_contacts", 0, 6,
                                                              2, integer=True)
    if pick.maybe(40):
        scheduling["travel_speed_kmh"] = pick.number("policy.scheduling.travel_speed_kmh",
                                                     limits.MIN_TRAVEL_SPEED_KMH, limits.MAX_TRAVEL_SPEED_KMH, 40.0)
    if pick.maybe(40):
        scheduling["max_drive_minutes"] = (None if pick.chance(30) else pick.number(
            "policy.scheduling.max_drive_minutes", 1, 1440, 90, integer=True))
    if pick.maybe(30):
        scheduling["contact_share"] = pick.number("policy.scheduling.contact_share", 0.05, 1, 0.85)
    if pick.maybe(20):
        scheduling["weights"] = {name: pick.number(f"policy.scheduling.weights.{name}", 0, limits.MAX_WEIGHT,
                                                   typical)
                                 for name, typical in (("early", 2), ("balance", 1), ("travel", 1))}
    if scheduling:
        policy["scheduling"] = scheduling
    if pick.maybe(50):
        policy["introduction"] = None if pick.chance(40) else {
            "mode": pick.pick(["phone", "video", "in_person"]),
            "minutes": pick.number("policy.introduction.minutes", 1, 1440, 15, integer=True),
            "within_days": pick.number("policy.introduction.within_days", 1, 7, 2, integer=True),
        }
    if pick.maybe(20):
        policy["solver"] = {"time_limit_s": pick.number("policy.solver.time_limit_s", 0,
                                                        limits.MAX_TIME_LIMIT_S, 30.0, low_open=True),
                            "seed": pick.number("policy.solver.seed", 0, limits.MAX_SEED, 0, integer=True)}

    # --- the week ---
    week_start: date = pick.within("week_start", WEEK_STARTS, WEEK_STARTS_OUT)
    config: dict[str, Any] = {"week_start": week_start}
    if pick.maybe(60):
        config["timezone"] = pick.within("timezone", TIMEZONES, TIMEZONES_OUT)
    config["policy"] = policy
    if pick.maybe(30):
        config["holidays"] = [pick.day_in_or_near(week_start, f"holidays[{index}]")
                              for index in range(draw(st.integers(1, 2)))]

    # --- managers ---
    manager_count = draw(st.integers(2, 6))
    managers = []
    for index in range(manager_count):
        path = f"managers[{index}]"
        level = min(index, len(levels) - 1)
        if pick.maybe(30):
            level = draw(st.integers(0, len(levels) - 1))
        row = {"id": f"m-{index}", "level": levels[level]}
        if pick.maybe(40):
            row["fte"] = pick.number(f"{path}.fte", limits.MIN_FTE, limits.MAX_FTE, 1.0)
        if pick.maybe(60):
            row["region"] = pick.pick(REGIONS)
        if pick.maybe(50):
            row["base"] = {"lat": pick.number(f"{path}.base.lat", -90, 90, 41.88),
                           "lon": pick.number(f"{path}.base.lon", -180, 180, -87.63)}
        if pick.maybe(50):
            row["languages"] = sorted(set(draw(st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=3))))
        if pick.maybe(40):
            row["skills"] = sorted(set(draw(st.lists(st.sampled_from(SKILLS), max_size=2))))
        if pick.maybe(30):
            row["availability"] = _availability(pick, f"{path}.availability")
        if pick.maybe(30):
            row["leave"] = [pick.day_in_or_near(week_start, f"{path}.leave[{item}]")
                            for item in range(draw(st.integers(1, 5)))]
        if pick.maybe(15):
            row["accepts_new_cases"] = False
        if pick.maybe(15):
            block_day = week_start + DAY * draw(st.integers(0, 6))
            if pick.rare():
                block_day = week_start + DAY * 7
                spec.inconsistent.append(f"{path}.blocked[0].day")
            start, end = pick.pick([("09:00", "11:00"), ("00:00", "24:00"), ("13:00", "17:00")])
            if pick.rare():
                start, end = end, start
                pick.out(f"{path}.blocked[0]")
            row["blocked"] = [{"day": block_day, "start": start, "end": end, "reason": "court"}]
        managers.append(row)
    config["managers"] = managers

    # --- clients and cases ---
    case_count = draw(st.integers(3, 15))
    clients: list[dict[str, Any]] = []
    cases = []
    for index in range(case_count):
        shares = clients and pick.maybe(15)  # a second case of an earlier client
        client_id = pick.pick([client["id"] for client in clients]) if shares else f"c-{index}"
        if not shares:
            client: dict[str, Any] = {"id": client_id}
            if clients and pick.maybe(25):  # a sibling: same household, the same address
                sibling = pick.pick(clients)
                household = sibling.setdefault("household", f"h-{sibling['id']}")
                client["household"] = household
                if "location" in sibling and not pick.maybe(10):
                    client["location"] = dict(sibling["location"])
            if pick.maybe(30):
                client["language"] = pick.pick(LANGUAGES)
            if pick.maybe(60):
                client["region"] = pick.pick(REGIONS)
            if "location" not in client and pick.maybe(60):
                client["location"] = {"lat": pick.number(f"clients[{len(clients)}].location.lat", -90, 90, 41.9),
                                      "lon": pick.number(f"clients[{len(clients)}].location.lon", -180, 180,
                                                         -87.65)}
            if pick.maybe(20):
                client["availability"] = _availability(pick, f"clients[{len(clients)}].availability")
            clients.append(client)
        cases.append(_case(pick, index, client_id, week_start, day_minutes, types, complexities, manager_count))
    config["clients"] = clients
    config["cases"] = cases
    spec.config = config
    spec.scenarios = _scenarios(draw, spec, week_start, levels)
    return spec


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _availability(pick: _Draw, path: str) -> dict[str, list[str]]:
    days = sorted(set(pick.draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=3))), key=WEEKDAYS.index)
    availability = {day: [pick.pick(WINDOWS)] for day in days}
    if pick.rare():  # overlapping windows on one day
        availability[days[0]] = ["08:00-12:00", "11:00-13:00"]
        pick.out(path)
    elif pick.rare():  # a window that ends before it starts
        availability[days[0]] = ["17:00-08:00"]
        pick.out(path)
    elif pick.maybe(20):
        availability[days[0]] = ["08:00-12:00", "13:00-17:00"]
    return availability


def _case(pick: _Draw, index: int, client_id: str, week_start: date, day_minutes: int, types: list[str],
          complexities: list[str], manager_count: int) -> dict[str, Any]:
    draw = pick.draw
    path = f"cases[{index}]"
    row: dict[str, Any] = {"id": f"K-{index}", "client": client_id, "type": pick.pick(types),
                           "complexity": pick.pick(complexities)}
    if pick.maybe(20):
        row["opened"] = pick.day_in_or_near(week_start - DAY * 30, f"{path}.opened")
    if pick.maybe(65):
        row["manager"] = f"m-{draw(st.integers(0, manager_count - 1))}"
    if ("manager" in row and pick.maybe(12)) or pick.rare():
        row["locked"] = True
        if "manager" not in row:
            pick.spec.inconsistent.append(f"{path}.locked")
    if pick.maybe(10):
        row["escalate"] = True
    if pick.maybe(15):
        row["points"] = pick.number(f"{path}.points", limits.MIN_POINTS, limits.MAX_POINTS, 2.0)
    contacts = []
    for item in range(draw(st.integers(0, 2))):
        contact_path = f"{path}.contacts[{item}]"
        contact: dict[str, Any] = {"mode": pick.pick(["in_person", "phone", "video"])}
        # 1 to the working day's length; beyond the day but within MAX_MINUTES a cross-check refuses it
        minutes = pick.number(f"{contact_path}.minutes", 1, day_minutes, min(30, day_minutes), integer=True)
        if day_minutes < minutes <= limits.MAX_MINUTES:
            pick.spec.out_of_range.remove(f"{contact_path}.minutes")
            pick.spec.inconsistent.append(f"{contact_path}.minutes")
        elif 1 <= minutes <= day_minutes and pick.maybe(5):  # as long as the working day
            minutes = day_minutes
        contact["minutes"] = minutes
        contact["frequency"] = pick.within(f"{contact_path}.frequency", FREQUENCIES, FREQUENCIES_OUT)
        if pick.maybe(50):
            last = pick.day_in_or_near(week_start - DAY * 14, f"{contact_path}.last")
            if last > week_start + DAY * 6 and last.year <= limits.MAX_DATE_YEAR:
                if pick.rare():  # after the planning week
                    pick.spec.inconsistent.append(f"{contact_path}.last")
                else:
                    last = week_start + DAY * 6
            contact["last"] = last
        contacts.append(contact)
    if contacts:
        row["contacts"] = contacts
    first = contacts[0] if contacts else None
    if first is not None and pick.maybe(10) and str(first["frequency"]).strip().lower() in ("weekly", "7/week"):
        row["appointments"] = [{"contact": 0, "day": week_start + DAY * draw(st.integers(0, 4)),
                                "start": pick.pick(["10:00", "08:00", "16:00"])}]
    return row


def _scenarios(draw: st.DrawFn, spec: OrgSpec, week_start: date, levels: list[str]) -> dict[str, Any]:
    pick = _Draw(draw, spec, out_percent=10 if draw(st.integers(0, 99)) >= 70 else 0, scenario=True)
    scenarios = []
    for index in range(2):
        path = f"scenarios[{index}].changes[0]"
        kind = pick.pick(["add_managers", "leave", "cases", "fte", "remove_managers", "policy"])
        change: dict[str, Any]
        if kind == "add_managers":
            change = {"count": pick.number(f"{path}.add_managers.count", 1, 3, 1, integer=True,
                                           outside=[0, -1, MAX_ADDED_MANAGERS + 1]),
                      "level": pick.pick(levels)}
            if pick.maybe(50):
                change["fte"] = pick.number(f"{path}.add_managers.fte", limits.MIN_FTE, limits.MAX_FTE, 0.5)
        elif kind == "leave":
            change = ({"ids": ["m-1"], "all_week": True} if pick.chance(50)
                      else {"filter": {"level": levels[0]}, "count": 1, "days": [week_start + DAY]})
        elif kind == "cases":
            change = {"factor": pick.number(f"{path}.cases.factor", 0, 10, 1.5, low_open=True)}
        elif kind == "fte":
            change = {"filter": {"level": pick.pick(levels)},
                      "fte": pick.number(f"{path}.fte.fte", limits.MIN_FTE, limits.MAX_FTE, 0.5)}
        elif kind == "remove_managers":
            change = {"ids": ["m-0"]}
        else:
            level = pick.pick(levels)
            change = {"overrides": {
                "weights.moves": pick.number(f"{path}.policy.overrides", 0, limits.MAX_WEIGHT, 5.0),
                f"levels.{level}.capacity_points": pick.number(
                    f"{path}.policy.overrides", limits.MIN_CAPACITY_POINTS, limits.MAX_CAPACITY_POINTS, 10.0)}}
        scenarios.append({"name": f"scenario {index + 1} {kind}", "changes": [{kind: change}]})
    return {"scenarios": scenarios}


# --- the judge ---------------------------------------------------------------------------------------------


@dataclass
class Finding:
    """One thing a command did that it must not: `kind` names the class (for grouping), `detail` the rest."""

    kind: str
    command: list[str]
    exit_code: int
    output: str
    detail: str = ""
    history: list[list[str]] = field(default_factory=list)  # the commands run before it, in order
    folder: str = ""  # the example's folder, which every path of the commands lies in

    def __str__(self) -> str:
        return (f"[{self.kind}] caseload {' '.join(self.command)} -> exit {self.exit_code}; {self.detail}\n"
                f"{self.output}")


@dataclass
class Run:
    command: list[str]
    result: Result
    cpu_s: float
    logged: list[str]  # warnings and errors logged (under pytest they do not reach the command's stderr)

    @property
    def exit_code(self) -> int:
        return self.result.exit_code

    @property
    def output(self) -> str:
        return self.result.output + "".join(f"[log] {line}\n" for line in self.logged)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def invoke(args: list[str]) -> Run:
    collect = _Collect()
    logging.getLogger().addHandler(collect)
    gc.collect()  # the collector's work on earlier garbage is not this command's (test_time_limit.py)
    started = time.process_time()
    try:
        result = CliRunner().invoke(main, args)
    finally:
        spent = time.process_time() - started
        logging.getLogger().removeHandler(collect)
    return Run(args, result, spent, collect.lines)


_FIELD = re.compile(r"^[^:]+:\d+(?::\d+)?: ([^:]*): ")


def _problem_fields(stderr: str) -> list[str]:
    return [match.group(1) for line in stderr.splitlines() if (match := _FIELD.match(line))]


def _signature(finding: Finding) -> str:
    """What makes two findings the same failure: the command, the kind and, for an internal error, the
    rules the plan broke or the error's type (not the ids or numbers of one organisation)."""
    lines = finding.output.splitlines()
    rules = sorted({line.split(":")[0].strip() for line in lines if line.startswith("  ") and ":" in line}
                   | {rule for line in lines for rule in re.findall(r"first (\w+) on ", line)})
    if rules:
        detail = ", ".join(rules)
    elif lines and lines[0].startswith("internal error: "):
        detail = lines[0].removeprefix("internal error: ").split(":")[0]
    else:
        detail = ""
    return f"{finding.command[0]}: {finding.kind}" + (f" ({detail})" if detail else "")


@dataclass
class Reproduction:
    """The smallest organisation that showed one distinct failure, and how often it showed."""

    signature: str
    finding: Finding
    spec: OrgSpec
    size: int
    count: int = 1


@dataclass
class Findings:
    """Every distinct failure of a run, each with its smallest organisation: a run goes through all its
    examples (hypothesis stops at the first failure) and reports every class at the end."""

    examples: int = 0
    valid: int = 0
    failed: int = 0
    distinct: dict[str, Reproduction] = field(default_factory=dict)

    def add(self, spec: OrgSpec, valid: bool | None, found: list[Finding]) -> None:
        self.examples += 1
        self.valid += bool(valid)
        self.failed += bool(found)
        size = len(dump(spec.config)) + len(dump(spec.scenarios))
        for finding in found:
            signature = _signature(finding)
            known = self.distinct.get(signature)
            if known is None:
                self.distinct[signature] = Reproduction(signature, finding, spec, size)
                continue
            known.count += 1
            if size < known.size:
                known.finding, known.spec, known.size = finding, spec, size

    def write(self, folder: Path) -> list[Path]:
        """Each distinct failure as NN/: org.yaml, scenarios.yaml, command.txt, output.txt."""
        written = []
        for number, reproduction in enumerate(self.distinct.values(), start=1):
            where = folder / f"{number:02d}"
            reproduction.spec.write(where)
            finding = reproduction.finding
            commands = [" ".join(["caseload", *command]).replace(finding.folder, str(where))
                        for command in [*finding.history, finding.command]]
            (where / "command.txt").write_text("\n".join(commands) + "\n", encoding="utf-8")
            (where / "output.txt").write_text(f"{reproduction.signature}; seen in {reproduction.count} "
                                              f"example(s)\n{reproduction.finding}\n", encoding="utf-8")
            written.append(where)
        return written

    def summary(self) -> str:
        lines = [f"{self.examples} examples ({self.valid} valid configs), {self.failed} with a failure, "
                 f"{len(self.distinct)} distinct failure(s)"]
        lines += [f"  {reproduction.count:4d} x {signature}" for signature, reproduction in self.distinct.items()]
        return "\n".join(lines)


class Judge:
    """Runs the commands on one organisation and collects findings instead of stopping at the first."""

    def __init__(self, folder: Path, fallback_plan: Path) -> None:
        self.folder = folder
        self.fallback_plan = fallback_plan  # a plan folder for `roll` when the config's own cannot exist
        self.findings: list[Finding] = []
        self.valid: bool | None = None
        self.history: list[list[str]] = []

    def run(self, args: list[str]) -> Run:
        self.history.append(args)
        return invoke(args)

    def note(self, kind: str, run: Run, detail: str = "") -> None:
        before = self.history[:self.history.index(run.command)] if run.command in self.history else []
        self.findings.append(Finding(kind, run.command, run.exit_code, run.output, detail, before, str(self.folder)))

    def clean(self, run: Run, allowed: tuple[int, ...]) -> bool:
        """No traceback, no exception but a clean exit, an allowed exit code; notes what is wrong."""
        exception = run.result.exception
        if exception is not None and not isinstance(exception, SystemExit):
            self.note("exception", run, f"{type(exception).__name__}: {exception}")
            return False
        if "Traceback" in run.output:
            self.note("traceback", run)
            return False
        if run.exit_code == 4:
            self.note("exit 4", run)
            return False
        if run.exit_code not in allowed:
            self.note(f"exit {run.exit_code}", run, f"expected one of {allowed}")
            return False
        return True

    def located(self, run: Run, what: str) -> list[str]:
        """Exit 1 with every problem on a located line and the count line last; the problems' fields."""
        if not self.clean(run, (1,)):
            return []
        lines = run.result.stderr.splitlines()
        if not lines or not SUMMARY_LINE.match(lines[-1]):
            self.note("no summary line", run, what)
            return []
        shown = lines[:-2] if len(lines) > 2 and MORE_LINE.match(lines[-2]) else lines[:-1]
        unlocated = [line for line in shown if not LOCATED_LINE.match(line)]
        if not shown or unlocated:
            self.note("unlocated problem", run, f"{what}: {unlocated}")
        return _problem_fields(run.result.stderr)

    def timed(self, run: Run) -> None:
        if run.cpu_s > time_bound(TIME_LIMIT_S):
            self.note("over time", run, f"{run.cpu_s:.2f} CPU s against {time_bound(TIME_LIMIT_S):.2f} "
                                        f"for --time-limit {TIME_LIMIT_S:g}")

    def check_passes(self, config: Path, plan: Path, what: str) -> None:
        run = self.run(["check", str(config), str(plan)])
        if self.clean(run, (0, 1)) and run.exit_code != 0:
            self.note("check fails", run, what)

    def judge(self, spec: OrgSpec) -> list[Finding]:
        config, scenarios = spec.write(self.folder)
        validate = self.run(["validate", str(config)])
        if not self.clean(validate, (0, 1)):
            return self.findings
        self.valid = validate.exit_code == 0
        expected = spec.out_of_range + ([] if spec.out_of_range else spec.inconsistent)
        if self.valid:
            if expected:
                self.note("accepted out of range", validate, f"validation should name {expected}")
            self._valid(spec, config, scenarios)
        else:
            fields = self.located(validate, "validate")
            missing = [path for path in expected if not any(name.startswith(path) for name in fields)]
            if missing:
                self.note("unnamed problem", validate, f"validation did not name {missing}")
            self._invalid(config, scenarios)
        return self.findings

    def _invalid(self, config: Path, scenarios: Path) -> None:
        """Every command that reads the config refuses it the same way, before any work."""
        out = self.folder / "out"
        for args in (["plan", str(config), "-o", str(out), *SOLVE],
                     ["rebalance", str(config), "-o", str(self.folder / "rebalance"), *SOLVE],
                     ["roll", str(config), str(self.fallback_plan), "-o", str(self.folder / "next.yaml")],
                     ["whatif", str(config), str(scenarios), "-o", str(self.folder / "whatif"), *SOLVE],
                     ["check", str(config), str(self.fallback_plan / "plan.json")]):
            self.located(self.run(args), args[0])
        if out.exists():
            self.findings.append(Finding("wrote output", ["plan", str(config)], 1, "", f"{out} exists",
                                         [], str(self.folder)))

    def _valid(self, spec: OrgSpec, config: Path, scenarios: Path) -> None:
        out = self.folder / "out"
        plan = self.run(["plan", str(config), "-o", str(out), *SOLVE])
        self.timed(plan)
        planned = self.clean(plan, (0,))
        if planned:
            self.check_passes(config, out / "plan.json", "plan")
        rebalance_out = self.folder / "rebalance"
        rebalance = self.run(["rebalance", str(config), "-o", str(rebalance_out), *SOLVE])
        self.timed(rebalance)
        if self.clean(rebalance, (0,)):
            self.check_passes(config, rebalance_out / "plan.json", "rebalance proposal")
        if planned:
            rolled = self.folder / "next.yaml"
            roll = self.run(["roll", str(config), str(out), "-o", str(rolled)])
            if self.clean(roll, (0, 1)):
                if roll.exit_code == 1:
                    self.located(roll, "roll")
                    if spec.config["week_start"] != WEEK_STARTS[2]:  # only the last week has no next one
                        self.note("roll refused", roll)
                else:
                    again = self.run(["validate", str(rolled)])
                    if self.clean(again, (0, 1)) and again.exit_code != 0:
                        self.located(again, "validate rolled")
                        self.note("rolled config invalid", again)
        whatif_out = self.folder / "whatif"
        whatif = self.run(["whatif", str(config), str(scenarios), "-o", str(whatif_out), *SOLVE])
        self.timed(whatif)
        if spec.scenario_out_of_range:
            fields = self.located(whatif, "whatif")
            missing = [path for path in spec.scenario_out_of_range
                       if not any(name.startswith(path) for name in fields)]
            if whatif.exit_code == 1 and missing:
                self.note("unnamed scenario problem", whatif, f"whatif did not name {missing}")
        elif self.clean(whatif, (0, 1)):
            if whatif.exit_code == 1:
                self.located(whatif, "whatif")
            else:
                with (whatif_out / "comparison.csv").open(encoding="utf-8") as rows:
                    broken = [f"{row['scenario']}: {row['status']}" for row in csv.DictReader(rows)
                              if row["status"] in (RULES_BROKEN, FAILED)]
                if broken:  # an engine bug the run survives (docs/commands.md), a failure all the same
                    self.note("whatif scenario not planned", whatif, "; ".join(broken))
                elif (whatif_out / "base" / "plan.json").is_file():
                    self.check_passes(config, whatif_out / "base" / "plan.json", "whatif base")
                else:
                    self.note("whatif base missing", whatif)
