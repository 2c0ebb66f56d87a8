"""Self-contained HTML pages of a plan: one file that opens offline and makes no network request.

The page is built from three parts, so other pages (the what-if comparison) reuse the first two:

- a page shell (`page_shell`): head with a strict Content-Security-Policy, the shared CSS, the
  vendored chart library and shared helpers inlined, and the page's data as escaped JSON;
- shared browser helpers (assets/page.js: sortable tables, chart defaults, formatting);
- the page's own markup (escaped on the server) and script (assets/report.js), which draws the
  charts, the calendars and the tables from the embedded JSON with `textContent` only.

Calendars are drawn in the browser, one manager at a time, from compact per-manager arrays: a
state with 1,000 managers and 30,000 contacts stays a file of a few megabytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from importlib import resources
from typing import Any
from urllib.parse import quote

from export.notifications import notifications
from models.organisation import Config
from models.plan import ComplianceSummary, ManagerLoad, Plan
from models.problems import ConfigError, LocatedProblem
from models.scenario import ScenarioRow
from models.timeutil import parse_clock

CHART_LIBRARY = "chart.umd.min.js"
SHARED_SCRIPT = "page.js"
SHARED_STYLE = "page.css"
REPORT_SCRIPT = "report.js"
COMPARISON_SCRIPT = "comparison.js"
DATA_ELEMENT_ID = "caseload-data"
MODES = ("in_person", "phone", "video")
WEEKDAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_LABELS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DEFAULT_DAY = (8 * 60, 17 * 60)
# Rows of the "Who must be told" table; notifications.csv has them all.
SHOWN_NOTIFICATIONS = 200
# Late contacts listed in the report (the most days late first; all of them are in schedule.csv).
SHOWN_LATE = 200

_SOURCE_MAP_COMMENT = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)
# Text that would end (or confuse the parsing of) an inline <script> element early.
_SCRIPT_BREAKERS = re.compile(r"</script|<!--|<script", re.IGNORECASE)
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


# --------------------------------------------------------------------------------------------
# Page shell: shared by every HTML page caseload writes
# --------------------------------------------------------------------------------------------


def asset_text(name: str) -> str:
    """A file from export/assets (package data)."""
    return resources.files("export").joinpath("assets", name).read_text(encoding="utf-8")


def script_json(data: object) -> str:
    """JSON that is safe inside <script type="application/json">: no `<`, `>` or `&` survives,
    so a string such as `</script><script>alert(1)</script>` cannot end the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return re.sub("[<>&\u2028\u2029]", lambda match: _JSON_ESCAPES[match.group(0)], text)


def inline_script_source(source: str) -> str:
    """Script source ready to inline; refuses text that would break out of the element."""
    cleaned = _SOURCE_MAP_COMMENT.sub("", source).rstrip() + "\n"
    if _SCRIPT_BREAKERS.search(cleaned):
        raise ValueError("script source contains '<script', '</script' or '<!--' and cannot be inlined")
    return cleaned


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(scripts: Sequence[str]) -> str:
    """Only our own inline scripts run (by hash); nothing may be fetched from anywhere."""
    hashes = " ".join(_csp_hash(source) for source in scripts)
    return (
        "default-src 'none'; "
        f"script-src {hashes}; "
        "style-src 'unsafe-inline'; "
        "img-src data:; "
        "connect-src 'none'; font-src 'none'; object-src 'none'; "
        "base-uri 'none'; form-action 'none'"
    )


def page_shell(title: str, body: str, data: object, page_scripts: Iterable[str]) -> str:
    """A whole HTML document: `body` is trusted markup (escape user text before!), `data` is
    embedded as JSON for the page scripts, which run after the chart library and page.js."""
    scripts = [inline_script_source(asset_text(name))
               for name in (CHART_LIBRARY, SHARED_SCRIPT, *page_scripts)]
    script_tags = "\n".join(f"<script>{source}</script>" for source in scripts)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{escape(content_security_policy(scripts))}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        f"<style>\n{asset_text(SHARED_STYLE)}</style>\n"
        "</head>\n<body>\n"
        f"{body}\n"
        f'<script type="application/json" id="{DATA_ELEMENT_ID}">{script_json(data)}</script>\n'
        f"{script_tags}\n"
        "</body>\n</html>\n"
    )


# --------------------------------------------------------------------------------------------
# Small formatting helpers (server side)
# --------------------------------------------------------------------------------------------


def percent(ratio: float) -> str:
    return f"{100 * ratio:.0f}%" if math.isfinite(ratio) else "-"


def number(value: float) -> str:
    """Points and hours: whole numbers without decimals, others with one."""
    if not math.isfinite(value):
        return "-"
    return f"{value:,.0f}" if abs(value - round(value)) < 0.05 else f"{value:,.1f}"


def _round(value: float) -> float | None:
    """Compact numbers for the embedded JSON (plans carry six decimals); None for a value that
    is not a number (a hand-edited plan.json may say Infinity), which the page shows as '-'."""
    if not math.isfinite(value):
        return None
    rounded = round(value, 3)
    return int(rounded) if rounded == int(rounded) else rounded


def _table(headings: Sequence[str], rows: Iterable[Sequence[str]], numeric_from: int = 1,
           caption: str = "") -> str:
    """A static table; every cell is escaped here."""
    head = "".join(
        f'<th scope="col"{" class=num" if index >= numeric_from else ""}>{escape(text)}</th>'
        for index, text in enumerate(headings)
    )
    body = "".join(
        "<tr>" + "".join(
            f'<td{" class=num" if index >= numeric_from else ""}>{escape(cell)}</td>'
            for index, cell in enumerate(row)
        ) + "</tr>"
        for row in rows
    )
    caption_html = f"<caption>{escape(caption)}</caption>" if caption else ""
    return f'<table class="static">{caption_html}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


# --------------------------------------------------------------------------------------------
# Figures the report derives from the plan
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    """Utilisation spread of one level's managers."""

    managers: int
    low: float
    median: float
    high: float

    @staticmethod
    def of(values: Sequence[float]) -> Spread | None:
        if not values:
            return None
        return Spread(len(values), min(values), statistics.median(values), max(values))

    def text(self) -> str:
        return f"{percent(self.low)} / {percent(self.median)} / {percent(self.high)}"


def utilisation_before(plan: Plan) -> dict[str, float] | None:
    """Each manager's utilisation under the current assignment (the cases' previous managers),
    or None when the plan says nothing about a current assignment."""
    if not any(item.previous_manager_id is not None for item in plan.assignments):
        return None
    load: dict[str, float] = defaultdict(float)
    for item in plan.assignments:
        if item.previous_manager_id is not None:
            load[item.previous_manager_id] += item.points
    return {
        manager.manager_id: load[manager.manager_id] / manager.capacity if manager.capacity > 0 else 0.0
        for manager in plan.managers
    }


def _changed(plan: Plan) -> bool:
    return any(item.manager_id != item.previous_manager_id for item in plan.assignments)


def level_order(plan: Plan) -> list[str]:
    """Levels as the plan lists them (policy order), then any level only a manager names."""
    names = [level.level for level in plan.levels]
    for manager in plan.managers:
        if manager.level not in names:
            names.append(manager.level)
    return names


# --------------------------------------------------------------------------------------------
# The embedded data (what report.js draws from)
# --------------------------------------------------------------------------------------------


def _week_days(plan: Plan) -> list[date]:
    return [plan.week_start + timedelta(days=offset) for offset in range(7)]


def _shown_day_indexes(plan: Plan, config: Config | None) -> list[int]:
    """Working days (Mon-Fri without a config), plus any day that holds a contact."""
    days = _week_days(plan)
    if config is not None:
        working_names = set(config.policy.scheduling.working_days)
        shown = {index for index, day in enumerate(days) if WEEKDAY_LABELS[day.weekday()].lower() in working_names}
    else:
        shown = set(range(5))
    shown.update(days.index(contact.day) for contact in plan.contacts if contact.day in days)
    return sorted(shown)


def contact_minutes(plan: Plan, source: str = "plan.json") -> list[tuple[int, int]]:
    """(start, end) in minutes of every contact; a hand-edited plan with a time that is not
    HH:MM is refused with the contact's place, like any other bad input."""
    times: list[tuple[int, int]] = []
    problems: list[LocatedProblem] = []
    for index, contact in enumerate(plan.contacts):
        parsed: list[int] = []
        for name in ("start", "end"):
            try:
                parsed.append(parse_clock(getattr(contact, name)))
            except ValueError as error:
                problems.append(LocatedProblem(source, None, None, f"contacts[{index}].{name}", str(error)))
        if len(parsed) == 2:
            times.append((parsed[0], parsed[1]))
    if problems:
        raise ConfigError(problems)
    return times


def _hours(plan: Plan, config: Config | None, times: list[tuple[int, int]]) -> tuple[int, int]:
    """The calendar's vertical range: the policy's day (or 08-17), widened to hold every contact
    and every availability window, on whole hours."""
    start, end = DEFAULT_DAY
    if config is not None:
        start, end = config.policy.scheduling.day.start, config.policy.scheduling.day.end
    for contact, (begins, ends) in zip(plan.contacts, times, strict=True):
        start = min(start, begins - contact.travel_minutes_before)
        end = max(end, ends)
    if config is not None:
        for manager in config.managers:
            for window_list in (manager.availability or {}).values():
                for window in window_list:
                    start, end = min(start, window.start), max(end, window.end)
    return max(0, start // 60 * 60), min(24 * 60, -(-end // 60) * 60)


def _manager_names(config: Config | None) -> dict[str, str]:
    if config is None:
        return {}
    return {manager.id: manager.name for manager in config.managers if manager.name}


def _availability(plan: Plan, config: Config | None, day_indexes: list[int]) -> list[Any] | None:
    """Per manager, per shown day: the working windows [[start, end], ...] ([] = not working)."""
    if config is None:
        return None
    days = _week_days(plan)
    result: list[Any] = []
    for load in plan.managers:
        manager = config.managers_by_id.get(load.manager_id)
        if manager is None:
            result.append(None)
            continue
        result.append([
            [[window.start, window.end] for window in config.manager_windows(manager, days[index])]
            for index in day_indexes
        ])
    return result


def _calendar_rows(plan: Plan, day_indexes: list[int], times: list[tuple[int, int]]) -> list[list[list[Any]]]:
    """Per manager (in plan.managers order): [shown-day index, start, end, case, client, mode,
    overdue 0/1, travel minutes before], in calendar order."""
    column = {plan.week_start + timedelta(days=index): position for position, index in enumerate(day_indexes)}
    manager_index = {manager.manager_id: position for position, manager in enumerate(plan.managers)}
    rows: list[list[list[Any]]] = [[] for _ in plan.managers]
    ordered = sorted(zip(plan.contacts, times, strict=True),
                     key=lambda pair: (pair[0].manager_id, pair[0].day, pair[1][0], pair[0].case_id))
    for contact, (start, end) in ordered:
        position = manager_index.get(contact.manager_id)
        if position is None or contact.day not in column:
            continue
        mode = MODES.index(contact.mode) if contact.mode in MODES else contact.mode
        rows[position].append([
            column[contact.day], start, end, contact.case_id,
            contact.client_id, mode, int(contact.overdue), contact.travel_minutes_before,
        ])
    return rows


def report_data(plan: Plan, config: Config | None = None, *, source: str = "plan.json") -> dict[str, Any]:
    """Everything report.js needs, in compact arrays (see the field comments in report.js)."""
    times = contact_minutes(plan, source)
    before = utilisation_before(plan)
    names = _manager_names(config)
    day_indexes = _shown_day_indexes(plan, config)
    days = _week_days(plan)
    calendars = _calendar_rows(plan, day_indexes, times)
    lunch = config.policy.scheduling.lunch if config is not None else None
    return {
        "weekStart": plan.week_start.isoformat(),
        "days": [f"{WEEKDAY_LABELS[days[index].weekday()]} {days[index].day:d} {MONTH_LABELS[days[index].month - 1]}"
                 for index in day_indexes],
        "hours": list(_hours(plan, config, times)),
        "lunch": [lunch.start, lunch.end] if lunch is not None else None,
        "modes": list(MODES),
        "levels": level_order(plan),
        "scheduled": plan.was_scheduled,
        "hasBefore": before is not None and _changed(plan),
        "managers": [
            {
                "id": manager.manager_id, "name": names.get(manager.manager_id, ""), "level": manager.level,
                "region": manager.region or "", "cases": manager.cases, "maxCases": manager.max_cases,
                "load": _round(manager.load), "capacity": _round(manager.capacity),
                "util": _round(manager.utilisation),
                "before": _round(before[manager.manager_id]) if before is not None else None,
                "contacts": len(calendars[position]),
            }
            for position, manager in enumerate(plan.managers)
        ],
        "calendars": calendars,
        "availability": _availability(plan, config, day_indexes),
        "moves": [[move.case_id, move.client_id, move.from_manager, move.to_manager, _round(move.points),
                   move.rule, move.reason] for move in plan.moves],
        "unassigned": [[item.case_id, item.client_id, _round(item.points), item.rule, item.reason]
                       for item in plan.unassigned],
        "unscheduled": [[item.case_id, item.client_id, item.manager_id, item.mode, item.minutes, item.rule,
                         item.reason] for item in plan.unscheduled],
    }


# --------------------------------------------------------------------------------------------
# Server-rendered markup (every user string escaped here)
# --------------------------------------------------------------------------------------------


def _figure(label: str, value: str, detail: str = "", warn: bool = False) -> str:
    css = "figure warn" if warn else "figure"
    detail_html = f'<div class="detail">{escape(detail)}</div>' if detail else ""
    return (f'<div class="{css}"><div class="label">{escape(label)}</div>'
            f'<div class="value">{escape(value)}</div>{detail_html}</div>')


def _headline(plan: Plan, before: dict[str, float] | None) -> str:
    summary = plan.summary
    figures = [
        _figure("Cases", number(summary.cases), f"{number(summary.assigned_cases)} assigned"),
        _figure("Managers", number(summary.managers),
                f"load {number(summary.total_load)} of {number(summary.total_capacity)} points"),
        _figure("Peak utilisation", percent(summary.max_utilisation),
                _was(before, max(before.values(), default=0.0)) if before else "",
                warn=summary.max_utilisation > 1 + 1e-9),
        _figure("Overloaded managers", number(summary.overloaded_managers),
                f"{number(summary.overload_points)} points over capacity", warn=summary.overloaded_managers > 0),
        _figure("Unassigned cases", number(summary.unassigned_cases),
                f"{number(summary.unassigned_points)} points", warn=summary.unassigned_cases > 0),
        _figure("Moves", number(summary.moves),
                f"{number(summary.placements)} intake placed; "
                f"{number(summary.region_mismatches)} cases outside their region"),
    ]
    if plan.was_scheduled:
        missed = summary.contacts_due - summary.contacts_scheduled
        figures.append(_figure("Contacts scheduled", number(summary.contacts_scheduled),
                               f"of {number(summary.contacts_due)} due; "
                               + (f"{number(missed)} not placed" if missed else "every one placed"),
                               warn=missed > 0))
        figures.append(_figure("Travel", f"{number(summary.travel_minutes / 60)} h",
                               f"{number(summary.travel_minutes)} minutes between visits"))
    return f'<div class="figures">{"".join(figures)}</div>'


def _was(before: dict[str, float] | None, value: float) -> str:
    return f"was {percent(value)}" if before is not None else ""


def _levels_table(plan: Plan, before: dict[str, float] | None) -> str:
    by_level: dict[str, list[ManagerLoad]] = defaultdict(list)
    for manager in plan.managers:
        by_level[manager.level].append(manager)
    rows = []
    for level in level_order(plan):
        members = by_level.get(level, [])
        load = sum(member.load for member in members)
        capacity = sum(member.capacity for member in members)
        after = Spread.of([member.utilisation for member in members])
        earlier = Spread.of([before[member.manager_id] for member in members]) if before else None
        rows.append([
            level, number(len(members)), number(sum(member.cases for member in members)),
            f"{number(load)} / {number(capacity)}", percent(load / capacity) if capacity else "-",
            earlier.text() if earlier else "-", after.text() if after else "-",
            number(sum(1 for member in members if member.overloaded)),
            percent(max((member.minutes_utilisation for member in members), default=0.0)),
            number(sum(1 for member in members if member.overtime_minutes)),
        ])
    headings = ["Level", "Managers", "Cases", "Load / capacity", "Utilisation",
                "Before: min / median / max", "After: min / median / max", "Overloaded",
                "Hours: max used", "Over their hours"]
    if before is None:
        headings[5] = "Before"
    return _table(headings, rows, caption="Utilisation by level")


def _solver_table(plan: Plan) -> str:
    if not plan.solver:
        return '<p class="muted">The plan records no solver runs.</p>'
    rows = [
        [stats.stage, stats.status,
         "-" if stats.objective is None else f"{stats.objective:,.2f}",
         "-" if stats.bound is None else f"{stats.bound:,.2f}",
         "-" if stats.gap is None else f"{100 * stats.gap:.2f}%",
         f"{stats.runtime_s:.2f} s", str(stats.workers), str(stats.seed), "; ".join(stats.notes)]
        for stats in plan.solver
    ]
    return _table(["Stage", "Status", "Objective", "Bound", "Gap", "Runtime", "Workers", "Seed", "Notes"],
                  rows, numeric_from=2)


def _notifications_table(plan: Plan, config: Config | None) -> str:
    """Who must be told of a new manager: the case, the client (by id), both managers and how to reach the
    new one, the first contact. The client's own phone and email stay in notifications.csv."""
    rows = notifications(plan, config)
    if not rows:
        return '<p class="muted">Nobody: no case is new to its manager in this plan.</p>'

    def manager_text(name: str, manager_id: str) -> str:
        return f"{name} ({manager_id})" if name else manager_id

    cells = [
        [row.case_id, row.client.id,
         manager_text(row.previous_manager.name, row.previous_manager.id) if row.previous_manager else "new case",
         manager_text(row.new_manager.name, row.new_manager.id), row.new_manager.phone, row.new_manager.email,
         (f"{row.first_contact.day.isoformat()} {row.first_contact.start} {row.first_contact.mode}"
          if row.first_contact else "none scheduled")]
        for row in rows[:SHOWN_NOTIFICATIONS]
    ]
    hidden = len(rows) - SHOWN_NOTIFICATIONS
    more = (f'<p class="muted">… and {number(hidden)} more in notifications.csv.</p>' if hidden > 0 else "")
    return _table(["Case", "Client", "Previous manager", "New manager", "Phone", "Email", "First contact"],
                  cells, numeric_from=7) + more


def away_from_preferred(plan: Plan, config: Config) -> list[tuple[str, str, str, str]]:
    """(household, client, preferred manager, who carries its cases now: manager ids or "unassigned") of
    every client whose cases are not all with the `preferred_manager` it names, by household then client."""
    carried = {item.case_id: item.manager_id for item in plan.assignments}
    rows = []
    for client in config.clients:
        if client.preferred_manager is None:
            continue
        holders = [carried[case.id] for case in config.cases if case.client == client.id and case.id in carried]
        away = sorted({holder or "unassigned" for holder in holders if holder != client.preferred_manager})
        if away:
            rows.append((client.household or client.id, client.id, client.preferred_manager, ", ".join(away)))
    return sorted(rows)


def _preference_table(plan: Plan, config: Config) -> str:
    rows = away_from_preferred(plan, config)
    if not rows:
        return '<p class="muted">None: every family that names a preferred manager is with them.</p>'
    return _table(["Household", "Client", "Preferred manager", "Now with"], rows, numeric_from=4)


def _compliance_content(compliance: ComplianceSummary) -> str:
    share = "-" if compliance.in_residence_share is None else f"{compliance.in_residence_share:.0%}"
    counts = _table(["Cases due", "Visited", "Planned this week", "To come", "At risk", "Visits",
                     "In residence", "Share in residence", "Target"],
                    [[number(compliance.cases_due), number(compliance.visited), number(compliance.planned),
                      number(compliance.to_come), number(compliance.at_risk), number(compliance.visits),
                      number(compliance.in_residence), share, f"{compliance.in_residence_target:.0%}"]],
                    numeric_from=0)
    if not compliance.at_risk_cases:
        return counts + '<p class="muted">No case is at risk of a month without a visit.</p>'
    rows = [[item.case_id, item.manager_id or "unassigned", item.rule, item.reason]
            for item in compliance.at_risk_cases]
    return counts + "<h3>At risk</h3>" + _table(["Case", "Manager", "Rule", "Why"], rows, numeric_from=4)


def _late_content(plan: Plan) -> str:
    """Contacts placed after their due day: counts per rule, then the first SHOWN_LATE with day, due day and
    why (the rest are in schedule.csv)."""
    late = sorted((item for item in plan.contacts if item.late_days),
                  key=lambda item: (-item.late_days, item.manager_id, item.day, item.start, item.case_id))
    if not late:
        return ('<h3>Contacts placed late</h3><p class="muted">None: every scheduled contact is on or before its due '
                'day.</p>')
    counts = Counter(item.late_rule for item in late)
    summary = ", ".join(f"{rule} {count}" for rule, count in sorted(counts.items()))
    rows = [[item.case_id, item.manager_id, item.mode, f"{item.day.isoformat()} {item.start}",
             item.due.isoformat() if item.due else "", item.late_rule, item.late_reason, str(item.late_days)]
            for item in late[:SHOWN_LATE]]
    hidden = len(late) - SHOWN_LATE
    more = f'<p class="muted">… and {number(hidden)} more in schedule.csv.</p>' if hidden > 0 else ""
    return (f'<h3>Contacts placed late</h3><p class="rules">{escape(number(len(late)))} late: {escape(summary)}</p>'
            + _table(["Case", "Manager", "Mode", "Placed", "Due", "Rule", "Why", "Days late"], rows, numeric_from=7)
            + more)


def _section(section_id: str, title: str, intro: str, content: str) -> str:
    intro_html = f'<p class="intro">{escape(intro)}</p>' if intro else ""
    return (f'<section id="{section_id}"><h2>{escape(title)}</h2>{intro_html}{content}</section>')


def _report_body(plan: Plan, config: Config | None) -> str:
    before = utilisation_before(plan)
    week_end = plan.week_start + timedelta(days=6)
    scheduled = plan.was_scheduled
    sections = [
        _section("overview", "Overview", "", _headline(plan, before) + _levels_table(plan, before)),
        _section("load", "Load per manager",
                 "Bars: each manager's caseload in points, coloured by level; the dark tick is the manager's "
                 "capacity (level capacity x FTE). Click a bar to open that manager's week.",
                 '<div class="controls"><label>Show <select id="load-group"></select></label>'
                 '<label>as <select id="load-measure"><option value="load">points</option>'
                 '<option value="util">utilisation %</option></select></label></div>'
                 '<div class="chart-scroll"><div class="chart-box" id="load-box">'
                 '<canvas id="load-chart" role="img" aria-label="Load per manager"></canvas></div></div>'
                 '<div id="manager-table"></div>'),
        _section("spread", "Utilisation spread per level",
                 "Each dot is one manager. Before: the current assignment; after: this plan. "
                 "The line marks 100% of capacity.",
                 '<div class="chart-box short"><canvas id="spread-chart" role="img" '
                 'aria-label="Utilisation spread per level"></canvas></div><p class="muted" id="spread-note"></p>'),
    ]
    if scheduled:
        sections.append(_section(
            "week", "Each manager's week",
            "Contacts as blocks (colour: mode); hatched: travel before a visit; grey: outside working hours.",
            '<div class="controls"><button type="button" id="cal-prev" aria-label="Previous manager">&#8249;'
            '</button><label>Manager <select id="cal-manager"></select></label><button type="button" '
            'id="cal-next" aria-label="Next manager">&#8250;</button><span id="cal-summary" class="muted">'
            '</span></div><div id="calendar" class="calendar"></div>'
            '<div class="chart-box short"><canvas id="days-chart" role="img" '
            'aria-label="Contacts per day and mode"></canvas></div>'))
    sections.extend([
        _section("moves", "Moves", "Cases given to a different manager than their current one, with the reason "
                 "and the effect on both managers' utilisation (before → after); intake placed (no previous "
                 "manager, rule new_intake) is listed too, and counted apart.", '<div id="moves-table"></div>'),
        *([_section("preferred", "Families away from their preferred manager",
                    "Clients whose cases are not with the manager they name as preferred (policy.weights."
                    "preference weighs each case away from them while that manager may carry it).",
                    _preference_table(plan, config))]
          if config is not None and any(client.preferred_manager for client in config.clients) else []),
        *([_section("compliance", f"Monthly visits, {plan.summary.compliance.month}",
                    f"Calendar-month compliance (policy.compliance): every case with a monthly in-person visit is "
                    f"visited this month, planned this week, to come later in the month or at risk; visits are due "
                    f"by {plan.summary.compliance.last_working_day}, the month's last working day.",
                    _compliance_content(plan.summary.compliance))]
          if plan.summary.compliance is not None else []),
        _section("notify", "Who must be told",
                 "Each case new to its manager (moved, or new intake placed): the new manager calls the client "
                 "with their name, how to reach them and the case number. Client phone numbers and emails are "
                 "in notifications.csv.", _notifications_table(plan, config)),
        _section("unplaced", "What could not be placed, and why", "",
                 '<h3>Unassigned cases</h3><div id="unassigned-summary" class="rules"></div>'
                 '<div id="unassigned-table"></div>'
                 + ('<h3>Contacts not scheduled</h3><div id="unscheduled-summary" class="rules"></div>'
                    '<div id="unscheduled-table"></div>' + _late_content(plan) if scheduled else "")),
        _section("solver", "How the plan was solved", "Status, objective and proven bound of every stage.",
                 _solver_table(plan)),
    ])
    names_note = "" if config is not None else " · manager names not available (rendered from plan.json alone)"
    nav = "".join(
        f'<a href="#{anchor}">{escape(label)}</a>'
        for anchor, label in (("overview", "Overview"), ("load", "Load"), ("spread", "Spread"),
                              ("week", "Weeks"), ("moves", "Moves"), ("notify", "Who to tell"),
                              ("unplaced", "Not placed"),
                              ("solver", "Solver"))
        if scheduled or anchor != "week"
    )
    return (
        f'<header><div><h1>Weekly plan</h1><p class="subtitle">Week of {escape(plan.week_start.isoformat())} '
        f"to {escape(week_end.isoformat())}{escape(names_note)}</p></div><nav>{nav}</nav></header>\n"
        '<div id="page-error" class="page-error" hidden></div>\n'
        f'<main>{"".join(sections)}</main>\n'
        f'<footer>caseload plan format {plan.format_version}. Client names are never part of this report; '
        "clients appear by id.</footer>"
    )


def render_report(plan: Plan, config: Config | None = None, *, source: str = "plan.json") -> str:
    """report.html for a plan: self-contained, offline, deterministic (same plan, same bytes).

    `config` only adds manager names, working hours, lunch and leave to the calendars; the report
    is complete from plan.json alone. A contact time that is not HH:MM raises ConfigError, with
    `source` (the plan's file name) in its location.
    """
    title = f"caseload plan, week of {plan.week_start.isoformat()}"
    data = report_data(plan, config, source=source)
    return page_shell(title, _report_body(plan, config), data, [REPORT_SCRIPT])


# --------------------------------------------------------------------------------------------
# comparison.html: the what-if scenarios side by side
# --------------------------------------------------------------------------------------------


def comparison_data(rows: Sequence[ScenarioRow], *, report_links: bool = True) -> dict[str, Any]:
    """What comparison.js draws: the rows as they are, plus levels in policy order and, per
    scenario with a plan, the relative link to its report (<slug>/report.html)."""
    levels: list[str] = []
    for row in rows:
        levels.extend(name for name in row.managers_by_level if name not in levels)
    return {
        "levels": levels,
        "scenarios": [
            # through pydantic's JSON: a value that is not a number (inf, nan) becomes null
            {**json.loads(row.model_dump_json()),
             "report": f"{quote(row.slug)}/report.html" if report_links and row.status != "no_plan" else None}
            for row in rows
        ],
    }


def _comparison_headline(rows: Sequence[ScenarioRow]) -> str:
    base = rows[0]
    planned = [row for row in rows if row.status != "no_plan"] or list(rows)
    best = min(planned, key=lambda row: (row.unassigned_cases, row.overloaded_managers, row.max_utilisation))
    return '<div class="figures">' + "".join([
        _figure("Scenarios", number(len(rows)), "the first is the organisation as configured"),
        _figure("Base: peak utilisation", percent(base.max_utilisation),
                f"{number(base.overloaded_managers)} managers overloaded", warn=base.max_utilisation > 1 + 1e-9),
        _figure("Base: unassigned cases", number(base.unassigned_cases), f"{number(base.unassigned_points)} points",
                warn=base.unassigned_cases > 0),
        _figure("Fewest unplaced", best.name, f"{number(best.unassigned_cases)} unassigned, "
                f"{number(best.overloaded_managers)} overloaded, peak {percent(best.max_utilisation)}"),
    ]) + "</div>"


def _comparison_body(rows: Sequence[ScenarioRow]) -> str:
    charts = (
        ("util-chart", "Peak utilisation per level", "The highest utilisation among each level's managers; "
                                                       "the dashed line is 100% of capacity."),
        ("capacity-chart", "Capacity and demand", "Capacity points by level (stacked) against the points "
                                                   "the cases need (the dark tick)."),
        ("unplaced-chart", "What each scenario leaves over", "Unassigned cases, overloaded managers and "
                                                            "contacts due but not scheduled."),
    )
    sections = [_section("overview", "Scenarios", "", _comparison_headline(rows) + '<div id="scenario-table"></div>')]
    sections += [
        _section(canvas_id.removesuffix("-chart"), title, intro,
                 f'<div class="chart-box"><canvas id="{canvas_id}" role="img" aria-label="{escape(title)}">'
                 "</canvas></div>")
        for canvas_id, title, intro in charts
    ]
    return (
        '<header><div><h1>What-if comparison</h1><p class="subtitle">Each scenario planned like the base '
        "organisation, side by side.</p></div></header>\n"
        '<div id="page-error" class="page-error" hidden></div>\n'
        f'<main>{"".join(sections)}</main>\n'
        "<footer>caseload what-if comparison. Open a scenario's own report for its calendars and moves.</footer>"
    )


def render_comparison(rows: Sequence[ScenarioRow], *, report_links: bool = True) -> str:
    """comparison.html: metrics per scenario as charts and a sortable table (rows[0] is the base).

    With `report_links`, each scenario that has a plan links to <slug>/report.html, where
    export.comparison.write_comparison puts its outputs.
    """
    if not rows:
        raise ValueError("a comparison needs at least the base scenario")
    return page_shell("caseload what-if comparison", _comparison_body(rows),
                      comparison_data(rows, report_links=report_links), [COMPARISON_SCRIPT])


__all__ = [
    "asset_text",
    "comparison_data",
    "content_security_policy",
    "inline_script_source",
    "page_shell",
    "render_comparison",
    "render_report",
    "report_data",
    "script_json",
    "utilisation_before",
]
