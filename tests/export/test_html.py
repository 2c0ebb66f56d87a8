"""report.html as text: escaping, embedded data, headline figures, offline-ness and size.

The fixture (tests/data/report) is a small organisation with awkward strings and a fixed plan;
what the page does in a browser is tested in test_report_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import date, timedelta
from html import escape, unescape
from pathlib import Path
from typing import Any

import pytest
import yaml

from export.html import (
    CHART_LIBRARY,
    away_from_preferred,
    inline_script_source,
    render_comparison,
    render_report,
    script_json,
    utilisation_before,
)
from models.loader import load_config, load_plan
from models.organisation import Config
from models.plan import (
    Assignment,
    LevelSummary,
    ManagerLoad,
    Move,
    Plan,
    PlanSummary,
    ScheduledContact,
    SolverStats,
)
from models.problems import ConfigError
from models.scenario import ScenarioRow
from scheduler.core.planbuild import build_plan, current_assignment

DATA = Path(__file__).resolve().parents[1] / "data" / "report"
TINY = Path(__file__).resolve().parents[1] / "data" / "tiny.yaml"


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(DATA / "org.yaml")


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(DATA / "plan.json")


@pytest.fixture(scope="module")
def html(plan: Plan, config: Config) -> str:
    return render_report(plan, config)


def embedded(page: str) -> Any:
    match = re.search(r'<script type="application/json" id="caseload-data">(.*?)</script>', page, re.S)
    assert match is not None
    return json.loads(match.group(1))


def figures(page: str) -> dict[str, str]:
    pairs = re.findall(r'<div class="label">(.*?)</div><div class="value">(.*?)</div>', page)
    return {unescape(label): unescape(value) for label, value in pairs}


# --------------------------------------------------------------------------------------------
# Escaping
# --------------------------------------------------------------------------------------------


def test_script_json_cannot_end_its_element() -> None:
    data = {"name": "</script><script>alert(1)</script>", "amp": "a & b", "line": "x\u2028y"}
    text = script_json(data)
    assert not set(text) & {"<", ">", "&", "\u2028"}
    assert json.loads(text) == data


@pytest.mark.parametrize("source", [
    "var a = '</script>';",   # would end the inline element
    "var a = '</SCRIPT >';",  # HTML end tags are case-insensitive
    "var a = '<!--';",        # starts the 'escaped' script parsing state
    "var a = '<script>';",    # with <!-- makes a 'double escaped' state
])
def test_inline_script_source_refuses_breakouts(source: str) -> None:
    with pytest.raises(ValueError, match="cannot be inlined"):
        inline_script_source(source)


def test_inline_script_source_drops_the_source_map_comment() -> None:
    assert inline_script_source("var a = 1;\n//# sourceMappingURL=a.js.map\n") == "var a = 1;\n"


def test_user_strings_never_appear_as_markup(html: str) -> None:
    # The manager name and case id with markup live only in the escaped JSON block.
    assert "<script>alert" not in html
    assert "<b>K-109" not in html
    data = embedded(html)
    names = {manager["id"]: manager["name"] for manager in data["managers"]}
    assert names["m-dee"] == "<script>alert(1)</script>"
    assert names["m-eve"] == 'Eve "Quote" & Co'


def test_server_rendered_text_is_escaped(plan: Plan, config: Config) -> None:
    awkward = "<i>lead</i> & co"
    changed = plan.model_copy(update={
        "levels": [level.model_copy(update={"level": awkward}) if level.level == "senior" else level
                   for level in plan.levels],
        "managers": [manager.model_copy(update={"level": awkward}) if manager.level == "senior" else manager
                     for manager in plan.managers],
        "solver": [stats.model_copy(update={"notes": ["<img src=x onerror=alert(3)>"]}) for stats in plan.solver],
    })
    page = render_report(changed, config)
    assert "<i>lead" not in page and "<img" not in page
    assert "&lt;i&gt;lead&lt;/i&gt; &amp; co" in page
    assert "&lt;img src=x onerror=alert(3)&gt;" in page


def test_client_names_never_appear(html: str, config: Config) -> None:
    for client in config.clients:
        assert client.name not in html
        assert script_json(client.name)[1:-1] not in html


# --------------------------------------------------------------------------------------------
# Offline and safe by construction
# --------------------------------------------------------------------------------------------


def test_nothing_is_loaded_from_outside(html: str) -> None:
    assert not re.search(r"<(link|img|iframe|object|embed)\b", html, re.I)
    assert not re.search(r"\s(src|href)\s*=\s*[\"']?(https?:)?//", html, re.I)
    assert "@import" not in html and "url(" not in html


def test_csp_allows_exactly_the_inline_scripts(html: str) -> None:
    policy = unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html).group(1))  # type: ignore[union-attr]
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(scripts) == 3
    hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in scripts}
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert set(script_src.split()[1:]) == hashes
    assert "default-src 'none'" in policy and "connect-src 'none'" in policy
    assert "Chart.js v4.6.1" in scripts[0]


def test_same_plan_gives_the_same_bytes(plan: Plan, config: Config, html: str) -> None:
    assert render_report(plan, config) == html


# --------------------------------------------------------------------------------------------
# Figures and data
# --------------------------------------------------------------------------------------------


def test_headline_figures(html: str) -> None:
    assert figures(html) == {
        "Cases": "14", "Managers": "6", "Peak utilisation": "75%", "Overloaded managers": "0",
        "Unassigned cases": "1", "Moves": "5", "Contacts scheduled": "19", "Travel": "3.3 h",
    }
    assert "was 125%" in html  # m-eve before the moves
    assert "of 21 due; 2 not placed" in html


def test_utilisation_before_is_the_current_assignment(plan: Plan) -> None:
    # Current loads from org.yaml: ana 3+2, ben 4.5+1, cy 4+3+3, dee 2+2, eve 3+2 (fte 0.5), fox 3.
    assert utilisation_before(plan) == pytest.approx(
        {"m-ana": 5 / 12, "m-ben": 5.5 / 8, "m-cy": 10 / 10, "m-dee": 4 / 10, "m-eve": 5 / 4, "m-fox": 3 / 12})


def test_level_spread_before_and_after(html: str) -> None:
    rows = re.findall(r"<tr><td>(\w+)</td>(.*?)</tr>", html)
    cells = {level: re.findall(r"<td class=num>(.*?)</td>", rest) for level, rest in rows}
    assert cells["junior"] == ["2", "2", "3 / 12", "25%", "69% / 97% / 125%", "0% / 38% / 75%", "0", "0%", "0"]
    assert cells["standard"] == ["2", "5", "13 / 20", "65%", "40% / 70% / 100%", "60% / 65% / 70%", "0", "0%", "0"]
    assert cells["senior"] == ["2", "6", "17.5 / 24", "73%", "25% / 33% / 42%", "71% / 73% / 75%", "0", "0%", "0"]


def test_calendar_data_per_manager(html: str, plan: Plan) -> None:
    data = embedded(html)
    assert data["days"] == ["Mon 30 Nov", "Tue 1 Dec", "Wed 2 Dec", "Thu 3 Dec", "Fri 4 Dec"]
    assert data["hours"] == [8 * 60, 17 * 60] and data["lunch"] == [12 * 60, 13 * 60]
    fox = [manager["id"] for manager in data["managers"]].index("m-fox")
    expected = [
        [(contact.day - plan.week_start).days, _minutes(contact.start), _minutes(contact.end), contact.case_id,
         contact.client_id, ["in_person", "phone", "video"].index(contact.mode), int(contact.overdue),
         contact.travel_minutes_before]
        for contact in sorted(plan.contacts, key=lambda c: (c.day, c.start, c.case_id)) if contact.manager_id == "m-fox"
    ]
    assert data["calendars"][fox] == expected
    assert data["managers"][fox]["contacts"] == 6


def test_availability_marks_leave_holidays_and_short_days(html: str) -> None:
    data = embedded(html)
    by_id = {manager["id"]: data["availability"][index] for index, manager in enumerate(data["managers"])}
    day = [8 * 60, 17 * 60]
    assert by_id["m-ana"] == [[day], [day], [day], [], [day]]  # Thursday 3 Dec is a holiday
    assert by_id["m-dee"] == [[day], [day], [], [], [day]]  # leave on Wednesday
    assert by_id["m-cy"] == [[[540, 1020]], [[540, 1020]], [[540, 780]], [], [[540, 900]]]


def test_rows_of_the_tables(html: str, plan: Plan) -> None:
    data = embedded(html)
    assert data["moves"][0] == ["K-103", "c-03", "m-ben", "m-fox", 4.5, "not_eligible", plan.moves[0].reason]
    assert data["unassigned"] == [["K-114", "c-10", 2, "no_language",
                                   "no manager in region north speaks so (Somali)"]]
    assert [row[5] for row in data["unscheduled"]] == ["day_capacity_full", "case_unassigned"]


def test_who_must_be_told(html: str) -> None:
    # One row per case new to its manager, by new manager then case; the first contact with the new manager
    # (K-105's earliest with m-ana is Monday's call, not Wednesday's visit); m-dee's name escaped.
    section = html[html.index('<section id="notify">'):]
    section = section[:section.index("</section>")]
    rows = [[unescape(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", section.split("<tbody>")[1])]
    assert rows == [
        ["K-105", "c-04", "Cy Lund (m-cy)", "Ana Ruiz (m-ana)", "", "", "2026-11-30 10:55 phone"],
        ["K-110", "c-07", 'Eve "Quote" & Co (m-eve)', "<script>alert(1)</script> (m-dee)", "", "",
         "2026-12-01 08:20 in_person"],
        ["K-113", "c-09", "new case", 'Eve "Quote" & Co (m-eve)', "", "", "2026-12-02 08:00 phone"],
        ["K-103", "c-03", "Ben Okafor (m-ben)", "Fox Ito (m-fox)", "", "", "2026-11-30 08:20 in_person"],
        ["K-104", "c-03", "Ben Okafor (m-ben)", "Fox Ito (m-fox)", "", "", "2026-11-30 09:35 video"],
    ]
    assert '<a href="#notify">Who to tell</a>' in html


def test_who_must_be_told_shows_the_new_managers_details_but_never_the_clients(plan: Plan, config: Config) -> None:
    data = config.model_dump()
    for client in data["clients"]:
        client.update(phone="+1 (555) 777-0000", email=f"{client['id']}@family.example")
    for manager in data["managers"]:
        manager.update(phone="555-0199", email="<b>desk</b>@agency.example")
    page = render_report(plan, Config.model_validate(data))
    assert "777-0000" not in page and "@family.example" not in page
    assert "555-0199" in page and "&lt;b&gt;desk&lt;/b&gt;@agency.example" in page and "<b>desk" not in page


def test_report_from_plan_alone(plan: Plan) -> None:
    page = render_report(plan)
    data = embedded(page)
    assert {manager["name"] for manager in data["managers"]} == {""}
    assert data["availability"] is None and data["lunch"] is None
    assert data["hours"] == [8 * 60, 17 * 60]
    assert "rendered from plan.json alone" in page


def test_numbers_that_are_not_numbers_become_null(plan: Plan) -> None:
    # A hand-edited plan.json may hold Infinity or NaN; the page shows '-' instead of failing.
    odd = plan.model_copy(update={"managers": [
        manager.model_copy(update={"utilisation": float("inf"), "load": float("nan")}) if manager.manager_id == "m-ana"
        else manager for manager in plan.managers]})
    ana = embedded(render_report(odd))["managers"][0]
    assert (ana["id"], ana["util"], ana["load"]) == ("m-ana", None, None)


def test_contact_times_that_are_not_clock_times_are_located(plan: Plan) -> None:
    contacts = list(plan.contacts)
    contacts[3] = contacts[3].model_copy(update={"start": "25:00"})
    contacts[5] = contacts[5].model_copy(update={"end": "noon"})
    with pytest.raises(ConfigError) as raised:
        render_report(plan.model_copy(update={"contacts": contacts}), source="out/plan.json")
    assert [(problem.file, problem.field) for problem in raised.value.problems] == [
        ("out/plan.json", "contacts[3].start"), ("out/plan.json", "contacts[5].end")]


def test_plan_without_a_schedule_has_no_calendar_section(plan: Plan, config: Config) -> None:
    unscheduled = plan.model_copy(update={
        "contacts": [], "unscheduled": [], "solver": [s for s in plan.solver if s.stage != "schedule"],
        "summary": plan.summary.model_copy(update={"contacts_due": 0, "contacts_scheduled": 0, "travel_minutes": 0}),
    })
    page = render_report(unscheduled, config)
    assert embedded(page)["scheduled"] is False
    assert 'id="calendar"' not in page and "Contacts scheduled" not in page


def test_plan_without_changes_has_no_before(plan: Plan, config: Config) -> None:
    unchanged = plan.model_copy(update={
        "assignments": [a.model_copy(update={"manager_id": a.previous_manager_id, "moved": False})
                        for a in plan.assignments],
        "moves": [],
    })
    assert embedded(render_report(unchanged, config))["hasBefore"] is False


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


# --------------------------------------------------------------------------------------------
# A state-sized plan stays a reasonable file
# --------------------------------------------------------------------------------------------


def state_sized_plan(managers: int = 1000, cases: int = 25_000, contacts: int = 30_000) -> Plan:
    """An L-tier-shaped plan (not a solved one): what matters here is how many rows it has."""
    week = date(2026, 11, 30)
    levels = ("junior", "standard", "senior")
    loads = [
        ManagerLoad(manager_id=f"m-{i:04d}", level=levels[i % 3], region=f"region-{i % 8}", cases=25,
                    max_cases=30, load=38.0 + i % 9, capacity=40.0, utilisation=(38.0 + i % 9) / 40,
                    overload=max(0.0, i % 9 - 2.0))
        for i in range(managers)
    ]
    assignments = [
        Assignment(case_id=f"K-{c:06d}", client_id=f"c-{c:06d}", manager_id=f"m-{c % managers:04d}",
                   previous_manager_id=f"m-{(c + (c % 13 == 0)) % managers:04d}", moved=c % 13 == 0, points=1.6)
        for c in range(cases)
    ]
    moves = [Move(case_id=a.case_id, client_id=a.client_id, from_manager=a.previous_manager_id,
                  to_manager=a.manager_id or "", points=a.points, rule="over_capacity",
                  reason=f"{a.previous_manager_id} was over capacity") for a in assignments if a.moved]
    scheduled = [
        ScheduledContact(case_id=f"K-{k % cases:06d}", client_id=f"c-{k % cases:06d}",
                         manager_id=f"m-{k % managers:04d}", requirement_index=0, occurrence=0,
                         mode=("in_person", "phone", "video")[k % 3], day=week + timedelta(days=k % 5),
                         start=f"{8 + k % 8:02d}:{15 * (k % 4):02d}", end=f"{9 + k % 8:02d}:{15 * (k % 4):02d}",
                         minutes=60, travel_minutes_before=15 * (k % 3 == 0), location="41.88,-87.63")
        for k in range(contacts)
    ]
    summary = PlanSummary(managers=managers, cases=cases, assigned_cases=cases, unassigned_cases=0,
                          unassigned_points=0, total_load=sum(m.load for m in loads),
                          total_capacity=40.0 * managers, max_utilisation=max(m.utilisation for m in loads),
                          overloaded_managers=sum(m.overload > 0 for m in loads), overload_points=0,
                          moves=len(moves), region_mismatches=0, contacts_due=contacts,
                          contacts_scheduled=contacts, travel_minutes=15 * (contacts // 3))
    level_rows = [LevelSummary(level=name, managers=managers // 3, cases=cases // 3, load=0, capacity=0,
                               max_utilisation=1.15, mean_utilisation=1.0) for name in levels]
    return Plan(week_start=week, summary=summary, managers=loads, levels=level_rows, assignments=assignments,
                moves=moves, unassigned=[], contacts=scheduled,
                solver=[SolverStats(stage="schedule", status="feasible")])


def test_state_sized_report_stays_small() -> None:
    plan = state_sized_plan()
    page = render_report(plan)
    # Chart.js (~205 kB) + 30,000 contacts as compact arrays + 1,900 moves: a few MB, not tens.
    assert len(page.encode()) < 4_000_000
    data = embedded(page)
    assert sum(len(rows) for rows in data["calendars"]) == 30_000
    assert len(data["moves"]) == len(plan.moves)


def test_chart_library_is_the_vendored_release() -> None:
    source = (Path(__file__).resolve().parents[2] / "export" / "assets" / CHART_LIBRARY).read_bytes()
    assert hashlib.sha256(source).hexdigest() == \
        "87364cc2b2a76a6684929e7d6b80b18a897794db38400caff1fcf1791c6925d2"  # see export/assets/VENDORED.md


# --------------------------------------------------------------------------------------------
# `caseload report PLAN -o FILE`
# --------------------------------------------------------------------------------------------


def test_report_command_writes_the_page(tmp_path: Path, plan: Plan, config: Config) -> None:
    from click.testing import CliRunner

    from cli import main

    output = tmp_path / "out" / "report.html"
    result = CliRunner().invoke(main, ["report", str(DATA / "plan.json"), "-o", str(output),
                                       "--config", str(DATA / "org.yaml")])
    assert (result.exit_code, result.output) == (0, f"wrote {output}\n")
    assert output.read_text(encoding="utf-8") == render_report(plan, config)


def test_report_command_refuses_a_file_that_is_not_a_plan(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cli import main

    output = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", str(DATA / "org.yaml"), "-o", str(output)])
    assert result.exit_code == 1
    assert "org.yaml:1:1: JSON syntax error" in result.output
    assert not output.exists()


# --------------------------------------------------------------------------------------------
# comparison.html
# --------------------------------------------------------------------------------------------


def scenario_rows() -> list[ScenarioRow]:
    """Base, three scenarios and one without a plan (tests/data/report/comparison.json)."""
    return [ScenarioRow.model_validate(item)
            for item in json.loads((DATA / "comparison.json").read_text(encoding="utf-8"))]


def test_comparison_embeds_rows_and_links_to_planned_reports() -> None:
    rows = scenario_rows()
    page = render_comparison(rows)
    data = embedded(page)
    assert data["levels"] == ["junior", "standard", "senior"]
    assert [item["report"] for item in data["scenarios"]] == [
        "base/report.html", "two-seniors-leave/report.html", "hire-3-juniors/report.html", "intake-10/report.html",
        None]  # the last scenario has no plan, so no report
    assert [ScenarioRow.model_validate({k: v for k, v in item.items() if k != "report"})
            for item in data["scenarios"]] == rows
    assert [item["report"] for item in embedded(render_comparison(rows, report_links=False))["scenarios"]] == \
        [None] * 5


def test_comparison_keeps_markup_in_names_as_data() -> None:
    page = render_comparison(scenario_rows())
    assert "<script>alert" not in page and "<img" not in page
    assert embedded(page)["scenarios"][1]["description"] == "<script>alert(1)</script> & leave"
    assert figures(page)["Fewest unplaced"] == "hire 3 juniors"


def test_comparison_link_is_a_relative_path_whatever_the_slug() -> None:
    row = scenario_rows()[0].model_copy(update={"slug": "javascript:alert(1)"})
    assert embedded(render_comparison([row]))["scenarios"][0]["report"] == "javascript%3Aalert%281%29/report.html"


def test_comparison_numbers_that_are_not_numbers_become_null() -> None:
    rows = scenario_rows()
    odd = rows[1].model_copy(update={"max_utilisation": float("inf"), "demand_points": float("nan")})
    scenario = embedded(render_comparison([rows[0], odd]))["scenarios"][1]
    assert (scenario["max_utilisation"], scenario["demand_points"]) == (None, None)


def test_comparison_needs_the_base_row() -> None:
    with pytest.raises(ValueError, match="at least the base"):
        render_comparison([])


def test_regression_report_counted_overloaded_managers_from_the_rounded_overload_field() -> None:
    """Regression: the level table counted `overload > 1e-9`, plan.json's summary `load > capacity`; after
    rounding to 6 decimals the two disagreed (9.9999996 capacity, 10.0000004 load: overload 1e-6 but load
    and capacity both 10.0). The report now counts what plan.json counts (ManagerLoad.overloaded)."""
    organisation = Config.model_validate({
        "week_start": "2026-11-30",
        "policy": {"levels": [{"name": "junior", "capacity_points": 9.9999996, "max_cases": 5, "max_complexity": "low"},
                              {"name": "senior", "capacity_points": 10.0000004, "max_cases": 5,
                               "max_complexity": "low"}],
                   "complexities": [{"name": "low", "points": 1}]},
        "managers": [{"id": "m-j", "level": "junior"}, {"id": "m-s", "level": "senior"}],
        "clients": [{"id": "c-1"}, {"id": "c-2"}],
        "cases": [{"id": "K-1", "client": "c-1", "type": "care", "complexity": "low", "points": 10.0000004,
                   "manager": "m-j"},
                  {"id": "K-2", "client": "c-2", "type": "care", "complexity": "low", "points": 10.0000006,
                   "manager": "m-s"}],
    })
    plan = build_plan(organisation, current_assignment(organisation))
    assert [(m.load, m.capacity, m.overload) for m in plan.managers] == [(10.0, 10.0, 1e-06), (10.000001, 10.0, 0.0)]
    rows = re.findall(r"<tr><td>(\w+)</td>(.*?)</tr>", render_report(plan, organisation))
    # The overloaded count is third from the right (then the hours columns).
    overloaded = {level: re.findall(r"<td class=num>(.*?)</td>", rest)[-3] for level, rest in rows}
    assert overloaded == {"junior": "0", "senior": "1"}
    assert plan.summary.overloaded_managers == 1


def test_families_away_from_their_preferred_manager_are_listed() -> None:
    # tiny.yaml: Dana Smith (c-1, household h-1) prefers Ana and is with her; Fay Jones (c-3) prefers Ben
    # but K-3 goes to Ana; Gus Brown (c-4) prefers Ben, K-4 stays with Cy and K-5 is left unassigned.
    data = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    preferred = {"c-1": "m-ana", "c-3": "m-ben", "c-4": "m-ben"}
    for item in data["clients"]:
        item["preferred_manager"] = preferred.get(item["id"])
    config = Config.model_validate(data)
    plan = build_plan(config, {"K-1": "m-ana", "K-2": "m-ana", "K-3": "m-ana", "K-4": "m-cy", "K-5": None})
    assert away_from_preferred(plan, config) == [("c-3", "c-3", "m-ben", "m-ana"),
                                                 ("c-4", "c-4", "m-ben", "m-cy, unassigned")]
    page = render_report(plan, config)
    assert '<section id="preferred">' in page and "<td>m-cy, unassigned</td>" in page
    assert '<section id="preferred">' not in render_report(plan, load_config(TINY))


def test_the_months_visits_and_the_cases_at_risk_have_a_section() -> None:
    """tests/data/month_end.yaml: K-D, unassigned, is at risk; the words are escaped like every cell."""
    from scheduler.core.options import SolveOptions
    from scheduler.pipeline import schedule_current_assignment
    from tests.conftest import DATA

    config = load_config(DATA / "month_end.yaml")
    plan = schedule_current_assignment(config, SolveOptions(time_limit_s=5, workers=1, seed=0)).plan
    assert plan is not None
    page = render_report(plan, config)
    assert '<section id="compliance"><h2>Monthly visits, 2026-11</h2>' in page
    assert ("<tr><td>K-D</td><td>unassigned</td><td>compliance_unassigned</td><td>the case has no manager this "
            "week: nobody visits it by 2026-11-30, the month&#x27;s last working day</td></tr>") in page
    assert '<section id="compliance">' not in render_report(build_plan(config, current_assignment(config)), config)


def test_late_contacts_are_listed_with_their_rule_and_words() -> None:
    """tests/data/month_end.yaml with one contact a day and K-B, K-C both due Monday: K-C (overdue since 15
    November) gets Monday, K-B lands on Tuesday, a day late (the issue: the report never showed late contacts or
    why). The most days late first."""
    from scheduler.core.options import SolveOptions
    from scheduler.pipeline import schedule_current_assignment
    from tests.conftest import DATA

    config = load_config(DATA / "month_end.yaml")
    scheduling = config.policy.scheduling.model_copy(update={"max_contacts_per_day": 1})
    config = config.rebuilt(policy=config.policy.model_copy(update={"scheduling": scheduling}),
                            cases=[case for case in config.cases if case.id in ("K-B", "K-C")])
    plan = schedule_current_assignment(config, SolveOptions(time_limit_s=5, workers=1, seed=0)).plan
    assert plan is not None
    late = [item for item in plan.contacts if item.late_days]
    assert sorted((item.case_id, item.late_days, item.late_rule) for item in late) == [
        ("K-B", 1, "days_full_by_due"), ("K-C", 15, "overdue")]
    page = render_report(plan, config)
    assert '<h3>Contacts placed late</h3><p class="rules">2 late: days_full_by_due 1, overdue 1</p>' in page
    k_b, k_c = sorted(late, key=lambda item: item.case_id)
    assert (f"<tr><td>K-C</td><td>m-ana</td><td>in_person</td><td>2026-11-30 {k_c.start}</td><td>2026-11-15</td>"
            f"<td>overdue</td><td>{escape(k_c.late_reason)}</td><td class=num>15</td></tr>"
            f"<tr><td>K-B</td><td>m-ana</td><td>in_person</td><td>2026-12-01 {k_b.start}</td><td>2026-11-30</td>"
            f"<td>days_full_by_due</td><td>{escape(k_b.late_reason)}</td><td class=num>1</td></tr>") in page
