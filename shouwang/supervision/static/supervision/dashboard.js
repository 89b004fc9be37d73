/* Dashboard charts: Apache ECharts (served from this site) drawn from the JSON the page embeds.
   Each element [data-chart=NAME] gets the chart described under NAME in #dashboard-data:
   {kind: bar|hbar|stack|line, categories: [...], series: [{name, data}], links?: [...]}.
   The tables under the charts hold the same numbers, so nothing is lost without JavaScript;
   a chart with "links" drills down: clicking a bar or its label opens that area's page. */
(function () {
  "use strict";

  var PALETTE = ["#a4161a", "#0b5cad", "#e0a100", "#2e7d32", "#6a4c93", "#59636e", "#d1495b", "#00798c"];

  function axisLabel(count, horizontal, width) {
    if (horizontal) { return { interval: 0 }; }
    if (count > 6) { return { interval: 0, rotate: 35 }; }
    // Few categories: long names wrap under their bar instead of running into the next one.
    return { interval: 0, width: Math.max(48, Math.floor(width / Math.max(count, 1)) - 12), overflow: "break" };
  }

  // The tooltip built as elements, not as HTML text: ECharts' own tooltip writes style="..."
  // attributes, which the site's Content-Security-Policy refuses (styles come from dashboard.css).
  function tooltip(params) {
    var items = Array.isArray(params) ? params : [params];
    var box = document.createElement("div");
    box.className = "chart-tip";
    var title = document.createElement("div");
    title.className = "chart-tip-title";
    title.textContent = items.length ? (items[0].axisValueLabel || items[0].name || "") : "";
    box.appendChild(title);
    items.forEach(function (item) {
      var row = document.createElement("div");
      row.className = "chart-tip-row";
      var mark = document.createElement("span");
      mark.className = "chart-tip-mark";
      mark.style.backgroundColor = typeof item.color === "string" ? item.color : "";
      var name = document.createElement("span");
      name.className = "chart-tip-name";
      name.textContent = item.seriesName || "";
      var value = document.createElement("span");
      value.className = "chart-tip-value";
      value.textContent = item.value === null || item.value === undefined ? "–" : String(item.value);
      row.appendChild(mark);
      row.appendChild(name);
      row.appendChild(value);
      box.appendChild(row);
    });
    return box;
  }

  function option(spec, width) {
    var horizontal = spec.kind === "hbar";
    var line = spec.kind === "line";
    var several = spec.series.length > 1;
    var category = {
      type: "category", data: spec.categories, axisLabel: axisLabel(spec.categories.length, horizontal, width),
      triggerEvent: Boolean(spec.links), inverse: horizontal
    };
    var value = { type: "value", minInterval: 1 };
    return {
      color: PALETTE,
      animation: false,
      textStyle: { fontFamily: getComputedStyle(document.documentElement).fontFamily },
      tooltip: {
        trigger: "axis", axisPointer: { type: line ? "line" : "shadow" }, confine: true, formatter: tooltip
      },
      legend: several ? { top: 0, type: "scroll" } : { show: false },
      grid: { left: 8, right: 16, top: several ? 36 : 12, bottom: 8, containLabel: true },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: spec.series.map(function (s) {
        return {
          name: s.name, type: line ? "line" : "bar", data: s.data, barMaxWidth: 40,
          stack: spec.kind === "stack" ? "total" : undefined, symbolSize: 6
        };
      })
    };
  }

  function drillDown(chart, spec) {
    chart.on("click", function (params) {
      var index = params.dataIndex;
      if (params.componentType === "xAxis" || params.componentType === "yAxis") {
        index = spec.categories.indexOf(params.value);
      }
      var url = spec.links[index];
      if (url) { window.location.assign(url); }
    });
  }

  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || !window.echarts) { return; }
    var specs = JSON.parse(source.textContent);
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var spec = specs[element.getAttribute("data-chart")];
      if (!spec) { return; }
      var chart = window.echarts.init(element, null, { renderer: "svg" });
      chart.setOption(option(spec, element.clientWidth - 60));
      if (spec.links) {
        element.classList.add("clickable");
        drillDown(chart, spec);
      }
      charts.push(chart);
    });
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 100);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
