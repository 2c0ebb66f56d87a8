"""report.html in a real browser: headless Chromium driven over the DevTools protocol.

The browser is driven through `--remote-debugging-pipe` (JSON messages on file descriptors 3 and
4), so the test needs no driver library and no network port. One browser and one page load serve
every test in this module.

Set CASELOAD_REPORT_SCREENSHOT=path.png to also keep the screenshot at that path.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from export.html import render_comparison, render_report
from models.loader import load_config, load_plan
from models.organisation import Config
from models.plan import Plan
from models.scenario import ScenarioRow

DATA = Path(__file__).resolve().parents[1] / "data" / "report"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TIMEOUT_S = 30.0
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
    "--disable-dev-shm-usage",  # small /dev/shm in containers would crash the renderer
    "--remote-debugging-pipe",
)

# CI (.ci/run) sets CASELOAD_REQUIRE_BROWSER=1: there a missing browser fails the run instead of skipping.
if CHROMIUM is None and os.environ.get("CASELOAD_REQUIRE_BROWSER") == "1":
    raise RuntimeError("CASELOAD_REQUIRE_BROWSER=1 but chromium is not installed: the report's browser tests "
                       "cannot run (Debian: apt-get install chromium)")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install chromium); "
                             "the report's browser tests need it")


class DevToolsError(RuntimeError):
    pass


@dataclass
class Browser:
    """A headless Chromium and one page, over the DevTools pipe."""

    process: subprocess.Popen[bytes]
    to_browser: int
    from_browser: int
    messages: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)
    events: list[dict[str, Any]] = field(default_factory=list)
    session: str | None = None
    next_id: int = 0

    @staticmethod
    def launch(profile: Path) -> Browser:
        assert CHROMIUM is not None
        command_read, command_write = os.pipe()
        reply_read, reply_write = os.pipe()

        def wire_pipes() -> None:
            # Chromium reads commands on fd 3 and writes replies on fd 4. Move both ends above 9
            # first so neither is overwritten by the other's dup2; dup2 clears close-on-exec.
            high_read = fcntl.fcntl(command_read, fcntl.F_DUPFD, 10)
            high_write = fcntl.fcntl(reply_write, fcntl.F_DUPFD, 10)
            os.dup2(high_read, 3)
            os.dup2(high_write, 4)

        process = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            close_fds=False, preexec_fn=wire_pipes,
        )
        os.close(command_read)
        os.close(reply_write)
        browser = Browser(process, command_write, reply_read)
        threading.Thread(target=browser._read, daemon=True).start()
        return browser

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self.from_browser, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            while b"\0" in buffer:
                message, buffer = buffer.split(b"\0", 1)
                self.messages.put(json.loads(message))

    def send(self, method: str, params: dict[str, Any] | None = None, *, browser_level: bool = False,
             wait: bool = True) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if self.session is not None and not browser_level:
            message["sessionId"] = self.session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        if not wait:
            return {}
        reply = self._wait(lambda item: item.get("id") == message["id"])
        if "error" in reply:
            raise DevToolsError(f"{method}: {reply['error']}")
        result: dict[str, Any] = reply.get("result", {})
        return result

    def wait_event(self, method: str) -> dict[str, Any]:
        """The page's first event `method` (waiting for it if it has not come yet)."""
        def wanted(item: dict[str, Any]) -> bool:
            return item.get("method") == method and item.get("sessionId") == self.session

        seen = next((event for event in self.events if wanted(event)), None)
        return seen if seen is not None else self._wait(wanted)

    def _wait(self, wanted: Any) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            try:
                item = self.messages.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise DevToolsError("no answer from chromium in time") from None
            if "method" in item:
                self.events.append(item)
                if item["method"] == "Page.javascriptDialogOpening":
                    # An alert would block the page forever: dismiss it, the test records it.
                    self.send("Page.handleJavaScriptDialog", {"accept": False}, wait=False)
            if wanted(item):
                return item

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True})
        if "exceptionDetails" in result:
            raise DevToolsError(f"script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open_page(self, url: str, width: int = 1280, height: int = 900) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"}, browser_level=True)
        attached = self.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True},
                             browser_level=True)
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")
        # Let the page's scripts and a frame of drawing finish.
        self.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")

    def screenshot(self, path: Path) -> None:
        height = int(self.evaluate("document.documentElement.scrollHeight"))
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": 1280, "height": height, "deviceScaleFactor": 1, "mobile": False})
        self.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        shot = self.send("Page.captureScreenshot", {"format": "png"})
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        try:
            self.send("Browser.close", browser_level=True, wait=False)
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        finally:
            os.close(self.to_browser)
            os.close(self.from_browser)

    def events_named(self, method: str) -> list[dict[str, Any]]:
        """Events of the page opened last."""
        self._drain()
        return [event for event in self.events
                if event["method"] == method and event.get("sessionId") == self.session]

    def _drain(self) -> None:
        while True:
            try:
                item = self.messages.get_nowait()
            except queue.Empty:
                return
            if "method" in item:
                self.events.append(item)


# --------------------------------------------------------------------------------------------
# Fixtures: one browser and one loaded report for the module
# --------------------------------------------------------------------------------------------


@dataclass
class LoadedReport:
    browser: Browser
    plan: Plan
    config: Config
    html_path: Path
    screenshot: Path


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadedReport]:
    folder = tmp_path_factory.mktemp("report-browser")
    config = load_config(DATA / "org.yaml")
    plan = load_plan(DATA / "plan.json")
    html_path = folder / "report.html"
    html_path.write_text(render_report(plan, config), encoding="utf-8")
    browser = Browser.launch(folder / "profile")
    try:
        browser.open_page(html_path.as_uri())
        screenshot = folder / "report.png"
        yield LoadedReport(browser, plan, config, html_path, screenshot)
    finally:
        browser.close()


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------

# Every chart by name: canvas size, painted (non-transparent) pixels, data points and their sum.
DRAWN_CHARTS = """
    Object.entries(Caseload.charts).map(([name, chart]) => {
      const canvas = chart.canvas;
      const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) painted += 1; }
      const points = chart.data.datasets.reduce(
        (sum, set) => sum + set.data.filter(v => v !== null).length, 0);
      const total = chart.data.datasets.reduce(
        (sum, set) => sum + set.data.reduce((s, v) => s + (typeof v === 'number' ? v : 0), 0), 0);
      return {name, width: canvas.width, height: canvas.height, painted, points, total};
    })
"""


def page_problems(browser: Browser) -> list[Any]:
    """Errors logged (CSP violations included), console errors and warnings, uncaught exceptions,
    dialogs and the page's own error banner."""
    errors = [event["params"]["entry"] for event in browser.events_named("Log.entryAdded")
              if event["params"]["entry"]["level"] == "error"]
    console = [event["params"] for event in browser.events_named("Runtime.consoleAPICalled")
               if event["params"]["type"] in ("error", "warning", "assert")]
    exceptions = [event["params"] for event in browser.events_named("Runtime.exceptionThrown")]
    dialogs = browser.events_named("Page.javascriptDialogOpening")
    banner = browser.evaluate("document.getElementById('page-error').hidden ? [] : "
                              "[document.getElementById('page-error').textContent]")
    return [*errors, *console, *exceptions, *dialogs, *banner]


def test_page_loads_without_console_errors_or_exceptions(report: LoadedReport) -> None:
    assert page_problems(report.browser) == []


def test_no_request_leaves_the_file(report: LoadedReport) -> None:
    urls = [event["params"]["request"]["url"] for event in report.browser.events_named("Network.requestWillBeSent")]
    assert urls == [report.html_path.as_uri()]


def test_every_chart_is_drawn(report: LoadedReport) -> None:
    # Each chart exists, holds the plan's data, and its canvas has drawn (non-transparent) pixels.
    charts = report.browser.evaluate(DRAWN_CHARTS)
    by_name = {chart["name"]: chart for chart in charts}
    assert sorted(by_name) == ["days", "load", "spread"]
    for chart in charts:
        assert chart["width"] > 300 and chart["height"] > 150, chart
        assert chart["painted"] > 2000, chart
    managers = len(report.plan.managers)
    assert by_name["load"]["points"] == managers
    # spread: before and after per manager, plus the two ends of the 100% line
    assert by_name["spread"]["points"] == 2 * managers + 2
    assert by_name["load"]["total"] == pytest.approx(sum(manager.load for manager in report.plan.managers))
    assert by_name["days"]["total"] == len(report.plan.contacts)


def shown_calendar(browser: Browser, plan: Plan, manager_id: str) -> list[tuple[str, str]]:
    """Select the manager and read the calendar back: (ISO day, "HH:MM case") per block."""
    blocks = browser.evaluate(f"""
        caseloadReport.showManager({json.dumps(manager_id)});
        [...document.querySelectorAll('#calendar .cal-block')].map(b => [
          b.closest('.cal-day').dataset.day, b.textContent])
    """)
    labels = browser.evaluate("[...document.querySelectorAll('#calendar .cal-head')].slice(1).map(h => h.textContent)")
    days = {f"{day:%a} {day.day} {day:%b}": day.isoformat()
            for day in (plan.week_start + timedelta(days=offset) for offset in range(7))}
    return sorted((days[labels[int(column)]], text) for column, text in blocks)


def planned_calendar(plan: Plan, manager_id: str) -> list[tuple[str, str]]:
    return sorted((contact.day.isoformat(), f"{contact.start} {contact.case_id}")
                  for contact in plan.contacts if contact.manager_id == manager_id)


def test_calendar_shows_the_selected_managers_contacts(report: LoadedReport) -> None:
    browser = report.browser
    for manager_id in ("m-fox", "m-cy"):
        assert shown_calendar(browser, report.plan, manager_id) == planned_calendar(report.plan, manager_id)
        assert browser.evaluate("caseloadReport.selectedManager()") == manager_id
    # m-cy works 09:00-13:00 on Wednesday: the afternoon is drawn as outside working hours.
    assert browser.evaluate("document.querySelectorAll('#calendar .cal-day')[2]"
                            ".querySelectorAll('.cal-open').length") == 1


def test_user_strings_stay_text(report: LoadedReport) -> None:
    browser = report.browser
    browser.evaluate("caseloadReport.showManager('m-dee')")
    state = browser.evaluate("""({
        scripts: document.scripts.length,
        images: document.images.length,
        bold: document.querySelectorAll('main b').length,
        option: document.querySelector('#cal-manager').selectedOptions[0].textContent,
        blocks: [...document.querySelectorAll('#calendar .cal-block')].map(b => b.textContent),
        text: document.body.innerText,
    })""")
    # one JSON block and three inline scripts (Chart.js, page.js, report.js); nothing injected
    assert (state["scripts"], state["images"], state["bold"]) == (4, 0, 0)
    assert state["option"].startswith("<script>alert(1)</script> (m-dee)")
    assert any(text.endswith("<b>K-109</b>") for text in state["blocks"])
    assert 'Eve "Quote" & Co (m-eve)' in state["text"]
    assert browser.events_named("Page.javascriptDialogOpening") == []


def test_tables_sort_on_header_click(report: LoadedReport) -> None:
    browser = report.browser
    first_column = """[...document.querySelectorAll('#moves-table tbody tr')].map(r => r.cells[0].textContent)"""
    browser.evaluate("[...document.querySelectorAll('#moves-table th')].find(t => t.textContent === 'Points').click()")
    by_points = sorted(report.plan.moves, key=lambda move: -move.points)  # numbers sort high first
    assert browser.evaluate(first_column) == [move.case_id for move in by_points]
    browser.evaluate("[...document.querySelectorAll('#moves-table th')].find(t => t.textContent === 'Points').click()")
    ascending = sorted(report.plan.moves, key=lambda move: move.points)  # a stable sort: ties keep plan order
    assert browser.evaluate(first_column) == [move.case_id for move in ascending]


def test_screenshot_artefact(report: LoadedReport) -> None:
    report.browser.evaluate("caseloadReport.showManager('m-ana')")
    report.browser.screenshot(report.screenshot)
    data = report.screenshot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 50_000
    print(f"report screenshot: {report.screenshot}")
    keep = os.environ.get("CASELOAD_REPORT_SCREENSHOT")
    if keep:
        Path(keep).write_bytes(data)


def test_other_shapes_of_plan_load_cleanly(tmp_path: Path) -> None:
    # The plan alone (no config: no names, hours or leave), and an assignment-only plan with
    # nothing moved or left over: every chart and table still draws without an error.
    plan = load_plan(DATA / "plan.json")
    assignment_only = plan.model_copy(update={
        "contacts": [], "unscheduled": [], "moves": [], "unassigned": [],
        "solver": [stats for stats in plan.solver if stats.stage != "schedule"],
        "assignments": [item.model_copy(update={"manager_id": item.previous_manager_id, "moved": False})
                        for item in plan.assignments],
    })
    browser = Browser.launch(tmp_path / "profile")
    try:
        for name, page in (("plan-alone", render_report(plan)), ("assignment-only", render_report(assignment_only))):
            path = tmp_path / f"{name}.html"
            path.write_text(page, encoding="utf-8")
            browser.open_page(path.as_uri())
            assert page_problems(browser) == [], name
            charts = browser.evaluate("Object.keys(Caseload.charts).sort()")
            assert charts == (["days", "load", "spread"] if name == "plan-alone" else ["load", "spread"])
        assert browser.evaluate("document.querySelector('#moves-table').textContent") == "No case changes manager."
        assert browser.evaluate("document.querySelector('#spread-note').textContent").startswith("No case changes")
    finally:
        browser.close()


def test_comparison_page_draws_every_chart(tmp_path: Path) -> None:
    rows = [ScenarioRow.model_validate(item)
            for item in json.loads((DATA / "comparison.json").read_text(encoding="utf-8"))]
    path = tmp_path / "comparison.html"
    path.write_text(render_comparison(rows), encoding="utf-8")
    browser = Browser.launch(tmp_path / "profile")
    try:
        browser.open_page(path.as_uri())
        assert page_problems(browser) == []
        urls = [event["params"]["request"]["url"] for event in browser.events_named("Network.requestWillBeSent")]
        assert urls == [path.as_uri()]
        charts = browser.evaluate(DRAWN_CHARTS)
        assert sorted(chart["name"] for chart in charts) == ["capacity", "unplaced", "utilisation"]
        assert all(chart["painted"] > 2000 for chart in charts), charts
        state = browser.evaluate("""({
            links: [...document.querySelectorAll('#scenario-table a')].map(a => a.getAttribute('href')),
            names: [...document.querySelectorAll('#scenario-table tbody tr')].map(r => r.cells[0].textContent),
            described: document.querySelector('.descriptions dd').textContent,
            images: document.images.length,
        })""")
        assert state["links"] == ["base/report.html", "two-seniors-leave/report.html",
                                  "hire-3-juniors/report.html", "intake-10/report.html"]
        assert state["names"] == [row.name for row in rows]
        assert state["described"] == "<script>alert(1)</script> & leave"
        assert state["images"] == 0
        browser.screenshot(tmp_path / "comparison.png")
    finally:
        browser.close()


def test_report_of_a_solved_plan(tmp_path: Path) -> None:
    # The real pipeline on the report fixture's organisation: every manager's calendar in the
    # page holds exactly that manager's scheduled contacts.
    from scheduler.core.options import SolveOptions
    from scheduler.pipeline import plan_week

    config = load_config(DATA / "org.yaml")
    plan = plan_week(config, SolveOptions(time_limit_s=10, workers=1, seed=0)).plan
    assert plan is not None and plan.contacts
    path = tmp_path / "report.html"
    path.write_text(render_report(plan, config), encoding="utf-8")
    browser = Browser.launch(tmp_path / "profile")
    try:
        browser.open_page(path.as_uri())
        assert page_problems(browser) == []
        for manager in plan.managers:
            assert shown_calendar(browser, plan, manager.manager_id) == planned_calendar(plan, manager.manager_id)
        charts = {chart["name"]: chart for chart in browser.evaluate(DRAWN_CHARTS)}
        assert charts["days"]["total"] == len(plan.contacts)
        assert charts["load"]["total"] == pytest.approx(sum(manager.load for manager in plan.managers))
    finally:
        browser.close()
