/* comparison.html: the what-if scenarios side by side (see export/html.py comparison_data).
 *
 * Data: {levels: [name], scenarios: [ScenarioRow fields as in models/scenario.py + report link]};
 * scenarios[0] is the organisation as configured (the base).
 */
(function () {
  "use strict";
  var C = window.Caseload;
  var fmt = C.fmt;

  C.ready(function () {
    var D = C.data();
    var rows = D.scenarios;
    var base = rows[0];
    var names = rows.map(function (row) { return row.name; });
    /* A scenario without a plan has no figures to draw: its bars stay empty. */
    var planned = function (row, value) { return row.status === "no_plan" ? null : value; };

    scenarioTable();
    utilisationChart();
    capacityChart();
    unplacedChart();

    /* The value and its change against the base: "570 (+90)"; utilisation changes in points. */
    function delta(field) {
      var isShare = field.indexOf("utilisation") >= 0;
      return function (value, row) {
        if (row[1] === "no_plan" && field !== "managers") { return "-"; }
        var text = isShare ? fmt.pct(value) : fmt.num(value);
        if (value === null || base[field] === null) { return text; }
        var change = isShare ? Math.round(100 * value) - Math.round(100 * base[field]) : value - base[field];
        if (Math.abs(change) < 1e-9) { return text; }
        return text + " (" + (change > 0 ? "+" : "") + fmt.num(change) + ")";
      };
    }
    function whenPlanned(format) {
      return function (value, row) { return row[1] === "no_plan" ? "-" : format(value, row); };
    }

    function scenarioTable() {
      C.table(document.getElementById("scenario-table"), {
        columns: [
          { label: "Scenario", title: function (v, row) { return row[13]; } },
          { label: "Status" },
          { label: "Managers", type: "num", format: function (v, row) {
            return delta("managers")(v, row) + (row[14] ? ", " + row[14] + " on leave" : "");
          } },
          { label: "Capacity", type: "num", format: delta("capacity_points") },
          { label: "Demand", type: "num", format: fmt.num },
          { label: "Peak util.", type: "num", format: delta("max_utilisation") },
          { label: "Overloaded", type: "num", format: delta("overloaded_managers") },
          { label: "Unassigned", type: "num", format: delta("unassigned_cases") },
          { label: "Moves", type: "num", format: whenPlanned(fmt.num) },
          { label: "Contacts", type: "num", title: function () { return "scheduled / due"; }, format: whenPlanned(function (v, row) { return fmt.num(v) + " / " + fmt.num(row[12]); }) },
          { label: "Travel h", type: "num", format: whenPlanned(fmt.num) },
          { label: "Report", format: function (v) { return v ? "open" : "-"; }, link: function (v) { return v; } }
        ],
        rows: rows.map(function (row) {
          /* the last three cells are read by the formats above, not shown as columns */
          return [row.name, row.status, row.managers, row.capacity_points, row.demand_points, row.max_utilisation,
                  row.overloaded_managers, row.unassigned_cases, row.moves, row.contacts_scheduled, row.travel_hours,
                  row.report, row.contacts_due, row.description, row.managers_on_leave];
        }),
        pageSize: 100
      });
      var described = rows.filter(function (row) { return row.description; });
      if (described.length) {
        var list = C.el("dl", { className: "descriptions" });
        described.forEach(function (row) {
          list.appendChild(C.el("dt", {}, [row.name]));
          list.appendChild(C.el("dd", {}, [row.description]));
        });
        document.getElementById("scenario-table").appendChild(list);
      }
    }

    function utilisationChart() {
      var datasets = D.levels.map(function (level, li) {
        return { label: level, backgroundColor: C.colour(li),
                 data: rows.map(function (row) {
                   var v = row.max_utilisation_by_level[level];
                   return v === undefined ? null : planned(row, Math.round(1000 * v) / 10);
                 }) };
      });
      datasets.push({ type: "line", label: "100% of capacity", data: rows.map(function () { return 100; }),
                      borderColor: "#1f2933", borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0 });
      C.chart("utilisation", document.getElementById("util-chart"), {
        type: "bar",
        data: { labels: names, datasets: datasets },
        options: { scales: { y: { beginAtZero: true, title: { display: true, text: "peak utilisation %" } } },
                   plugins: { legend: { position: "top" } } }
      });
    }

    function capacityChart() {
      var datasets = D.levels.map(function (level, li) {
        return { label: level, stack: "capacity", backgroundColor: C.colour(li),
                 data: rows.map(function (row) { return planned(row, row.capacity_by_level[level] || 0); }) };
      });
      var top = rows.reduce(function (m, row) { return Math.max(m, row.demand_points, row.capacity_points); }, 0);
      C.chart("capacity", document.getElementById("capacity-chart"), {
        type: "bar",
        data: { labels: names, datasets: datasets },
        options: {
          scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, suggestedMax: top * 1.05,
                                             title: { display: true, text: "points per week" } } },
          plugins: { legend: { position: "top" }, tooltip: { callbacks: { footer: function (items) {
            return items.length ? "demand: " + fmt.num(rows[items[0].dataIndex].demand_points) + " points" : "";
          } } } }
        },
        plugins: [C.tickPlugin(function (i) { return planned(rows[i], rows[i].demand_points); }, function (chart, i) {
          for (var d = 0; d < chart.data.datasets.length; d += 1) {
            var meta = chart.getDatasetMeta(d);
            if (!meta.hidden && meta.data[i]) { return meta.data[i]; }
          }
          return null;
        })]
      });
    }

    function unplacedChart() {
      var series = [
        ["unassigned cases", "#e45756", function (row) { return row.unassigned_cases; }],
        ["overloaded managers", "#f58518", function (row) { return row.overloaded_managers; }],
        ["contacts not scheduled", "#b279a2", function (row) { return Math.max(0, row.contacts_due - row.contacts_scheduled); }]
      ];
      C.chart("unplaced", document.getElementById("unplaced-chart"), {
        type: "bar",
        data: { labels: names, datasets: series.map(function (s) {
          return { label: s[0], backgroundColor: s[1], data: rows.map(function (row) { return planned(row, s[2](row)); }) };
        }) },
        options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { position: "top" } } }
      });
    }
  });
})();
