/* report.html: draws the charts, calendars and tables from the embedded plan data.
 *
 * Data (see export/html.py report_data):
 *   managers[i]   {id, name, level, region, cases, maxCases, load, capacity, util, before, contacts}
 *   calendars[i]  [[dayColumn, startMinute, endMinute, caseId, clientId, mode, overdue, travelBefore]]
 *   availability  null, or per manager per shown day [[start, end], ...] (empty: not working)
 *   moves         [[case, client, from, to, points, rule, reason]]
 *   unassigned    [[case, client, points, rule, reason]]
 *   unscheduled   [[case, client, manager, mode, minutes, rule, reason]]
 */
(function () {
  "use strict";
  var C = window.Caseload;
  var el = C.el, fmt = C.fmt;
  var MODE_COLOURS = {
    in_person: ["#4c78a8", "#dbe8f4"], phone: ["#54a24b", "#e1f0dd"], video: ["#b279a2", "#f2e4ee"]
  };
  var OTHER_MODE = ["#9d755d", "#efe6df"];

  C.ready(function () {
    var D = C.data();
    var byId = {};
    D.managers.forEach(function (m, i) { byId[m.id] = i; });
    var levelIndex = {};
    D.levels.forEach(function (name, i) { levelIndex[name] = i; });

    function managerLabel(m) { return m.name ? m.name + " (" + m.id + ")" : m.id; }
    function managerText(id) {
      if (id === null || id === undefined) { return "-"; }
      return byId[id] === undefined ? id : managerLabel(D.managers[byId[id]]);
    }
    function modeName(mode) { return typeof mode === "number" ? D.modes[mode] : mode; }
    function modeColours(mode) { return MODE_COLOURS[modeName(mode)] || OTHER_MODE; }

    var calendar = D.scheduled ? weekCalendar() : null;
    loadChart();
    managerTable();
    spreadChart();
    if (D.scheduled) { daysChart(); }
    movesTable();
    unplacedTables();
    window.caseloadReport = {
      showManager: function (id) { if (calendar && byId[id] !== undefined) { calendar.show(byId[id]); } },
      selectedManager: function () { return calendar ? D.managers[calendar.selected()].id : null; }
    };

    /* ---- load per manager ---------------------------------------------------------------- */

    function loadChart() {
      var groupSelect = document.getElementById("load-group");
      var measureSelect = document.getElementById("load-measure");
      var groups = [{ label: "All managers", test: function () { return true; } }];
      D.levels.forEach(function (level) {
        groups.push({ label: "Level: " + level, test: function (m) { return m.level === level; } });
      });
      var regions = D.managers.map(function (m) { return m.region; }).filter(function (r, i, all) {
        return r && all.indexOf(r) === i;
      }).sort();
      regions.forEach(function (region) {
        groups.push({ label: "Region: " + region, test: function (m) { return m.region === region; } });
      });
      groups.forEach(function (group, i) { groupSelect.appendChild(el("option", { value: String(i) }, [group.label])); });
      groupSelect.addEventListener("change", draw);
      measureSelect.addEventListener("change", draw);
      draw();

      function draw() {
        var group = groups[Number(groupSelect.value) || 0];
        var asUtil = measureSelect.value === "util";
        var members = [];
        D.managers.forEach(function (m, i) { if (group.test(m)) { members.push(i); } });
        members.sort(function (a, b) {
          var x = D.managers[a], y = D.managers[b];
          return (levelIndex[x.level] - levelIndex[y.level]) || (y.util - x.util) || (a - b);
        });
        var value = function (m) { return asUtil ? Math.round(1000 * m.util) / 10 : m.load; };
        var capacity = function (m) { return asUtil ? 100 : m.capacity; };
        var datasets = D.levels.map(function (level, li) {
          return {
            label: level, stack: "load", backgroundColor: C.colour(li), borderWidth: 0,
            data: members.map(function (i) { return D.managers[i].level === level ? value(D.managers[i]) : null; })
          };
        });
        var topCapacity = members.reduce(function (top, i) { return Math.max(top, capacity(D.managers[i])); }, 0);
        var box = document.getElementById("load-box");
        var available = box.parentNode.clientWidth || 800;
        box.style.width = Math.min(16000, Math.max(available, members.length * 9)) + "px";
        C.chart("load", document.getElementById("load-chart"), {
          type: "bar",
          data: { labels: members.map(function (i) { return managerLabel(D.managers[i]); }), datasets: datasets },
          options: {
            scales: {
              /* past 60 bars the names would only be a grey smear: the tooltip names each bar */
              x: { stacked: true, ticks: { display: members.length <= 60, autoSkip: true, maxRotation: 60 } },
              y: { stacked: true, beginAtZero: true, suggestedMax: topCapacity * 1.05,
                   title: { display: true, text: asUtil ? "utilisation %" : "load (points)" } }
            },
            plugins: {
              legend: { position: "top" },
              tooltip: { callbacks: { title: function (items) {
                return items.length ? managerLabel(D.managers[members[items[0].dataIndex]]) : "";
              }, label: function (item) {
                var m = D.managers[members[item.dataIndex]];
                return m.level + ": " + fmt.num(m.load) + " of " + fmt.num(m.capacity) + " points (" + fmt.pct(m.util) +
                  "), " + m.cases + " of " + m.maxCases + " cases";
              } } }
            },
            onClick: function (event, elements) {
              if (elements.length && calendar) {
                calendar.show(members[elements[0].index]);
                document.getElementById("week").scrollIntoView({ behavior: "auto" });
              }
            }
          },
          plugins: [capacityTicks(members, capacity)]
        });
      }
    }

    /* A dark tick across each bar at the manager's capacity (100% in the utilisation view). */
    function capacityTicks(members, capacity) {
      return C.tickPlugin(function (i) { return capacity(D.managers[members[i]]); }, function (chart, i) {
        var meta = chart.getDatasetMeta(levelIndex[D.managers[members[i]].level]);
        return meta && !meta.hidden ? meta.data[i] : null;
      });
    }

    function managerTable() {
      C.table(document.getElementById("manager-table"), {
        columns: [
          { label: "Manager", format: function (id) { return managerText(id); } },
          { label: "Level" }, { label: "Region" },
          { label: "Cases", type: "num", format: function (v, row) { return v + " / " + row[9]; } },
          { label: "Load", type: "num", format: fmt.num }, { label: "Capacity", type: "num", format: fmt.num },
          { label: "Utilisation", type: "num", format: fmt.pct }, { label: "Before", type: "num", format: fmt.pct },
          { label: "Contacts", type: "num" }
        ],
        rows: D.managers.map(function (m) {
          return [m.id, m.level, m.region, m.cases, m.load, m.capacity, m.util, m.before, m.contacts, m.maxCases];
        }),
        sortIndex: 6, ascending: false, pageSize: 25
      });
    }

    /* ---- utilisation spread per level -------------------------------------------------------- */

    function spreadChart() {
      var jitter = function (i) { return ((i * 0.6180339887) % 1 - 0.5) * 0.22; };
      var offset = D.hasBefore ? 0.2 : 0;
      var radius = D.managers.length > 300 ? 2.5 : 4.5;
      var points = function (pick, shift) {
        return D.managers.map(function (m, i) {
          var v = pick(m);
          return v === null || v === undefined ? null : { x: levelIndex[m.level] + shift + jitter(i), y: Math.round(1000 * v) / 10, i: i };
        }).filter(function (p) { return p !== null; });
      };
      var after = points(function (m) { return m.util; }, offset);
      var datasets = [];
      if (D.hasBefore) {
        datasets.push({ label: "before", data: points(function (m) { return m.before; }, -offset),
                        backgroundColor: "rgba(97,110,124,0.25)", borderColor: "#616e7c", pointRadius: radius });
      }
      datasets.push({ label: D.hasBefore ? "after" : "this plan", data: after, pointRadius: radius,
                      backgroundColor: after.map(function (p) { return C.colour(levelIndex[D.managers[p.i].level]); }) });
      datasets.push({ type: "line", label: "capacity (100%)", data: [{ x: -0.5, y: 100 }, { x: D.levels.length - 0.5, y: 100 }],
                      borderColor: "#1f2933", borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0 });
      C.chart("spread", document.getElementById("spread-chart"), {
        type: "scatter",
        data: { datasets: datasets },
        options: {
          scales: {
            x: { type: "linear", min: -0.5, max: D.levels.length - 0.5, grid: { display: false },
                 afterBuildTicks: function (axis) { axis.ticks = D.levels.map(function (_, i) { return { value: i }; }); },
                 ticks: { callback: function (v) { return D.levels[v]; } } },
            y: { beginAtZero: true, title: { display: true, text: "utilisation %" } }
          },
          plugins: { tooltip: { callbacks: { label: function (item) {
            var p = item.raw;
            return p.i === undefined ? "capacity" : item.dataset.label + ": " + managerLabel(D.managers[p.i]) + " " + p.y + "%";
          } } } }
        }
      });
      var note = document.getElementById("spread-note");
      note.textContent = D.hasBefore ? "Grey: before (the current assignment); coloured: after (this plan)."
        : "No case changes manager in this plan, so before and after are the same.";
    }

    /* ---- each manager's week ------------------------------------------------------------------- */

    function weekCalendar() {
      var select = document.getElementById("cal-manager");
      var grid = document.getElementById("calendar");
      var summary = document.getElementById("cal-summary");
      var start = D.hours[0], end = D.hours[1];
      var perMinute = Math.max(0.9, 600 / (end - start));
      var height = Math.round((end - start) * perMinute);
      var current = 0;
      D.managers.forEach(function (m, i) {
        select.appendChild(el("option", { value: String(i) }, [managerLabel(m) + " · " + m.contacts + " contacts"]));
      });
      select.addEventListener("change", function () { show(Number(select.value)); });
      document.getElementById("cal-prev").addEventListener("click", function () { show((current - 1 + D.managers.length) % D.managers.length); });
      document.getElementById("cal-next").addEventListener("click", function () { show((current + 1) % D.managers.length); });
      grid.parentNode.insertBefore(legend(), grid);
      var first = 0;
      while (first < D.managers.length && !D.calendars[first].length) { first += 1; }
      if (D.managers.length) { show(first < D.managers.length ? first : 0); }
      return { show: show, selected: function () { return current; } };

      function y(minute) { return Math.round((minute - start) * perMinute); }

      function show(index) {
        current = index;
        select.value = String(index);
        var m = D.managers[index];
        summary.textContent = m.level + (m.region ? ", " + m.region : "") + " · " + m.cases + " of " + m.maxCases +
          " cases · " + fmt.num(m.load) + " of " + fmt.num(m.capacity) + " points (" + fmt.pct(m.util) + ") · " +
          m.contacts + " contacts";
        C.clear(grid);
        grid.style.gridTemplateColumns = "52px repeat(" + D.days.length + ", minmax(90px, 1fr))";
        grid.appendChild(el("div", { className: "cal-head corner" }, [""]));
        D.days.forEach(function (label) { grid.appendChild(el("div", { className: "cal-head" }, [label])); });
        grid.appendChild(timeColumn());
        var windows = D.availability ? D.availability[index] : null;
        D.days.forEach(function (_, day) {
          grid.appendChild(dayColumn(day, windows ? windows[day] : null, D.calendars[index]));
        });
      }

      function timeColumn() {
        var column = el("div", { className: "cal-times", style: { height: height + "px" } });
        for (var minute = start + 60; minute < end; minute += 60) {
          column.appendChild(el("div", { className: "cal-time", style: { top: y(minute) + "px" } }, [fmt.clock(minute)]));
        }
        return column;
      }

      function dayColumn(day, windows, contacts) {
        var column = el("div", { className: "cal-day", style: { height: height + "px" }, dataset: { day: String(day) } });
        var open = windows || [[start, end]];
        open.forEach(function (w) {
          column.appendChild(el("div", { className: "cal-open", style: { top: y(w[0]) + "px", height: (y(w[1]) - y(w[0])) + "px" } }));
        });
        if (windows && !windows.length) { column.appendChild(el("div", { className: "cal-note" }, ["not working"])); }
        if (D.lunch && open.length) {
          column.appendChild(el("div", { className: "cal-lunch", title: "lunch",
                                         style: { top: y(D.lunch[0]) + "px", height: (y(D.lunch[1]) - y(D.lunch[0])) + "px" } }));
        }
        for (var minute = start + 60; minute < end; minute += 60) {
          column.appendChild(el("div", { className: "cal-hour", style: { top: y(minute) + "px" } }));
        }
        contacts.forEach(function (c) {
          if (c[0] !== day) { return; }
          if (c[7] > 0) {
            column.appendChild(el("div", { className: "cal-travel", title: c[7] + " min travel",
                                           style: { top: y(c[1] - c[7]) + "px", height: (y(c[1]) - y(c[1] - c[7])) + "px" } }));
          }
          var colours = modeColours(c[5]);
          var block = el("div", {
            className: "cal-block" + (c[6] ? " overdue" : ""),
            title: c[3] + " · client " + c[4] + " · " + modeName(c[5]).replace("_", " ") + " · " + fmt.clock(c[1]) + "-" +
              fmt.clock(c[2]) + (c[7] ? " · " + c[7] + " min travel before" : "") + (c[6] ? " · overdue" : ""),
            style: { top: y(c[1]) + "px", height: Math.max(12, y(c[2]) - y(c[1]) - 1) + "px",
                     background: colours[1], borderLeftColor: colours[0] },
            dataset: { kase: c[3] }
          }, [el("span", { className: "t" }, [fmt.clock(c[1]) + " "]), c[3]]);
          column.appendChild(block);
        });
        return column;
      }

      function legend() {
        var items = D.modes.map(function (mode) {
          var colours = modeColours(mode);
          return el("span", {}, [el("span", { className: "swatch", style: { background: colours[1], borderLeftColor: colours[0] } }),
                                 mode.replace("_", " ")]);
        });
        items.push(el("span", {}, [el("span", { className: "swatch cal-travel-swatch", style: {
          background: "repeating-linear-gradient(45deg, #cbd2d9 0 3px, transparent 3px 6px)", borderLeftColor: "#cbd2d9" } }), "travel"]));
        items.push(el("span", {}, [el("span", { className: "swatch", style: { background: "#fff", borderLeftColor: "#b44d12",
          boxShadow: "inset 0 0 0 1px #b44d12" } }), "overdue"]));
        return el("div", { className: "legend" }, items);
      }
    }

    function daysChart() {
      var modes = D.modes.slice();
      var counts = {};
      D.calendars.forEach(function (contacts) {
        contacts.forEach(function (c) {
          var mode = modeName(c[5]);
          if (modes.indexOf(mode) < 0) { modes.push(mode); }
          counts[mode] = counts[mode] || D.days.map(function () { return 0; });
          counts[mode][c[0]] += 1;
        });
      });
      C.chart("days", document.getElementById("days-chart"), {
        type: "bar",
        data: {
          labels: D.days,
          datasets: modes.filter(function (mode) { return counts[mode]; }).map(function (mode) {
            return { label: mode.replace("_", " "), data: counts[mode], backgroundColor: modeColours(mode)[0], stack: "contacts" };
          })
        },
        options: {
          scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: "contacts (all managers)" } } },
          plugins: { legend: { position: "top" } }
        }
      });
    }

    /* ---- moves and what could not be placed -------------------------------------------------- */

    function effect(id) {
      var i = byId[id];
      return i === undefined ? null : D.managers[i];
    }

    function movesTable() {
      var rows = D.moves.map(function (move) {
        var from = effect(move[2]), to = effect(move[3]);
        return move.concat([from ? from.util : null, to ? to.util : null]);
      });
      var change = function (index) {
        return function (value, row) {
          var m = effect(row[index]);
          return m ? fmt.pct(m.before) + " → " + fmt.pct(m.util) : "-";
        };
      };
      C.table(document.getElementById("moves-table"), {
        columns: [
          { label: "Case" }, { label: "Client" }, { label: "From", format: managerText }, { label: "To", format: managerText },
          { label: "Points", type: "num", format: fmt.num }, { label: "Rule" }, { label: "Reason" },
          { label: "From: utilisation", type: "num", format: change(2) },
          { label: "To: utilisation", type: "num", format: change(3) }
        ],
        rows: rows, empty: "No case changes manager."
      });
    }

    function ruleChips(container, rows, ruleIndex, pointsIndex, noun) {
      var totals = {};
      rows.forEach(function (row) {
        var t = totals[row[ruleIndex]] = totals[row[ruleIndex]] || { count: 0, points: 0 };
        t.count += 1;
        t.points += pointsIndex === null ? 0 : row[pointsIndex];
      });
      Object.keys(totals).sort().forEach(function (rule) {
        var t = totals[rule];
        container.appendChild(el("span", { className: "rule-chip" }, [rule + ": " + t.count + " " + noun +
          (pointsIndex === null ? "" : " (" + fmt.num(t.points) + " points)")]));
      });
    }

    function unplacedTables() {
      ruleChips(document.getElementById("unassigned-summary"), D.unassigned, 3, 2, "cases");
      C.table(document.getElementById("unassigned-table"), {
        columns: [{ label: "Case" }, { label: "Client" }, { label: "Points", type: "num", format: fmt.num },
                  { label: "Rule" }, { label: "Reason" }],
        rows: D.unassigned, empty: "Every case has a manager."
      });
      var table = document.getElementById("unscheduled-table");
      if (!table) { return; }
      ruleChips(document.getElementById("unscheduled-summary"), D.unscheduled, 5, null, "contacts");
      C.table(table, {
        columns: [{ label: "Case" }, { label: "Client" }, { label: "Manager", format: managerText },
                  { label: "Mode", format: function (v) { return fmt.text(v).replace("_", " "); } },
                  { label: "Minutes", type: "num" }, { label: "Rule" }, { label: "Reason" }],
        rows: D.unscheduled, empty: "Every due contact is on a calendar."
      });
    }
  });
})();
