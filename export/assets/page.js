/* caseload page helpers, shared by every HTML page (report, comparison).
 *
 * Safety rule: data from the plan is only ever put into the page with textContent, element
 * properties or Chart.js (canvas text), never with innerHTML, so a name that looks like
 * markup (a script tag, an img with onerror) is shown as text.
 */
(function () {
  "use strict";

  /* Only relative links to files beside the page: no scheme, no host. */
  var SAFE_LINK = /^[A-Za-z0-9%._~-][A-Za-z0-9%._~\/-]*$/;
  var PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#e45756", "#72b7b2", "#9d755d", "#eeca3b"];

  function data(id) {
    return JSON.parse(document.getElementById(id || "caseload-data").textContent);
  }

  /* el("td", {className: "num", title: "x"}, ["text", childNode]) */
  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      if (key === "dataset") {
        Object.keys(props.dataset).forEach(function (name) { node.dataset[name] = props.dataset[name]; });
      } else if (key === "style") {
        Object.keys(props.style).forEach(function (name) { node.style[name] = props.style[name]; });
      } else {
        node[key] = props[key];
      }
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
    return node;
  }

  var fmt = {
    pct: function (ratio) { return ratio === null || ratio === undefined ? "-" : Math.round(100 * ratio) + "%"; },
    num: function (value) {
      if (value === null || value === undefined) { return "-"; }
      return Math.abs(value - Math.round(value)) < 0.05 ? String(Math.round(value)) : value.toFixed(1);
    },
    clock: function (minutes) {
      var h = Math.floor(minutes / 60), m = minutes % 60;
      return (h < 10 ? "0" : "") + h + ":" + (m < 10 ? "0" : "") + m;
    },
    text: function (value) { return value === null || value === undefined ? "" : String(value); }
  };

  function colour(index) { return PALETTE[index % PALETTE.length]; }

  function showError(error) {
    var box = document.getElementById("page-error");
    if (box) {
      box.hidden = false;
      box.textContent = "Part of this page could not be drawn: " + (error && error.message ? error.message : error);
    }
    console.error(error);
  }

  /* Charts: one place for defaults; every chart is kept by name so tests (and people) can find it. */
  var charts = {};

  function chart(name, canvas, config) {
    if (charts[name]) { charts[name].destroy(); }
    charts[name] = new Chart(canvas, config);
    return charts[name];
  }

  function chartDefaults() {
    if (typeof Chart === "undefined") { return; }
    Chart.defaults.animation = false;
    Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
    Chart.defaults.color = "#52606d";
    Chart.defaults.borderColor = "#e4e7eb";
    Chart.defaults.maintainAspectRatio = false;
    Chart.defaults.responsive = true;
  }

  /* A dark tick across bar i at valueAt(i) on the y scale: a capacity or a demand marker.
   * barAt(chart, i) gives the bar element (or null to skip). */
  function tickPlugin(valueAt, barAt) {
    return {
      id: "ticks",
      afterDatasetsDraw: function (chart) {
        var ctx = chart.ctx, y = chart.scales.y, count = chart.data.labels.length;
        ctx.save();
        ctx.strokeStyle = "#1f2933";
        ctx.lineWidth = 2;
        for (var i = 0; i < count; i += 1) {
          var bar = barAt(chart, i), value = valueAt(i);
          if (!bar || value === null || value === undefined) { continue; }
          var half = Math.max(2, bar.width / 2 + 1), at = y.getPixelForValue(value);
          ctx.beginPath();
          ctx.moveTo(bar.x - half, at);
          ctx.lineTo(bar.x + half, at);
          ctx.stroke();
        }
        ctx.restore();
      }
    };
  }

  /* A sortable, filterable table drawn from rows of values.
   * columns: [{label, type: "text" | "num", format(value, row) -> string, title(value, row),
   *            link(value, row) -> relative href or null}]
   * Sorting uses the raw values; text shows format(value, row). Long tables show `pageSize` rows
   * first (50 unless told), with a button for the rest (a state's moves can run to thousands). */
  function table(container, spec) {
    var columns = spec.columns;
    var rows = spec.rows.slice();
    var state = { sortIndex: spec.sortIndex === undefined ? -1 : spec.sortIndex, ascending: spec.ascending !== false,
                  query: "", limit: spec.pageSize || 50 };
    clear(container);
    if (!rows.length) {
      container.appendChild(el("p", { className: "empty" }, [spec.empty || "None."]));
      return null;
    }
    var display = function (row, index) {
      var column = columns[index];
      return column.format ? column.format(row[index], row) : fmt.text(row[index]);
    };
    var filter = el("input", { type: "search", placeholder: "Filter " + rows.length + " rows", ariaLabel: "Filter rows" });
    var count = el("span", { className: "muted" });
    container.appendChild(el("div", { className: "table-tools" }, [filter, count]));
    var headRow = el("tr");
    var heads = columns.map(function (column, index) {
      var th = el("th", { scope: "col", className: "sortable" + (column.type === "num" ? " num" : ""),
                          tabIndex: 0, title: "Sort by " + column.label }, [column.label]);
      var sortBy = function () {
        state.ascending = state.sortIndex === index ? !state.ascending : column.type !== "num";
        state.sortIndex = index;
        draw();
      };
      th.addEventListener("click", sortBy);
      th.addEventListener("keydown", function (event) { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sortBy(); } });
      headRow.appendChild(th);
      return th;
    });
    var tbody = el("tbody");
    var more = el("button", { type: "button", className: "table-more" });
    container.appendChild(el("div", { className: "table-wrap" }, [el("table", { className: "sortable-table" }, [el("thead", {}, [headRow]), tbody])]));
    container.appendChild(more);
    more.addEventListener("click", function () { state.limit = Infinity; draw(); });
    filter.addEventListener("input", function () { state.query = filter.value.toLowerCase(); draw(); });

    function compare(a, b) {
      var i = state.sortIndex, x = a[i], y = b[i], sign = state.ascending ? 1 : -1;
      if (x === y) { return 0; }
      if (x === null || x === undefined) { return 1; }
      if (y === null || y === undefined) { return -1; }
      if (typeof x === "number" && typeof y === "number") { return sign * (x - y); }
      return sign * String(x).localeCompare(String(y), undefined, { numeric: true });
    }

    function draw() {
      var shown = rows;
      if (state.query) {
        shown = rows.filter(function (row) {
          return columns.some(function (_, i) { return display(row, i).toLowerCase().indexOf(state.query) >= 0; });
        });
      }
      if (state.sortIndex >= 0) { shown = shown.slice().sort(compare); }
      heads.forEach(function (th, i) {
        if (i === state.sortIndex) { th.setAttribute("aria-sort", state.ascending ? "ascending" : "descending"); }
        else { th.removeAttribute("aria-sort"); }
      });
      clear(tbody);
      var fragment = document.createDocumentFragment();
      shown.slice(0, state.limit).forEach(function (row) {
        var tr = el("tr");
        columns.forEach(function (column, i) {
          var href = column.link ? column.link(row[i], row) : null;
          var content = href && SAFE_LINK.test(href) ? el("a", { href: href }, [display(row, i)]) : display(row, i);
          var td = el("td", { className: column.type === "num" ? "num" : "" }, [content]);
          if (column.title) { td.title = column.title(row[i], row); }
          tr.appendChild(td);
        });
        fragment.appendChild(tr);
      });
      tbody.appendChild(fragment);
      count.textContent = shown.length === rows.length ? rows.length + " rows" : shown.length + " of " + rows.length + " rows";
      more.hidden = shown.length <= state.limit;
      more.textContent = "Show all " + shown.length + " rows";
    }
    draw();
    return { draw: draw, state: state };
  }

  function ready(start) {
    var run = function () {
      try { chartDefaults(); start(); } catch (error) { showError(error); }
    };
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", run); } else { run(); }
  }

  window.Caseload = { data: data, el: el, clear: clear, fmt: fmt, colour: colour, chart: chart, charts: charts,
                      table: table, ready: ready, showError: showError, tickPlugin: tickPlugin };
})();
