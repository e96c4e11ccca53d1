/* Renders every [data-chart] element with Apache ECharts (served from static/vendor, no CDN).
   The chart's data is the JSON in the <script> named by data-source; every number is also in the table below it.
   Tooltips are drawn inside the chart (renderMode "richText"): ECharts' default HTML tooltip writes inline
   style attributes (its box and the coloured markers), which the portal's Content-Security-Policy forbids. */
(function () {
  "use strict";
  var palette = ["#0f6e6e", "#f29e4c", "#7aa6c2", "#b5838d", "#6c8e4e", "#a36d00"];

  function tooltip(trigger, formatter) {
    var option = { trigger: trigger, renderMode: "richText", backgroundColor: "#ffffff", borderColor: "#ced4da",
      textStyle: { color: "#212529" }, confine: true };
    if (formatter) { option.formatter = formatter; }
    return option;
  }

  function bars(spec, horizontal, width) {
    // Column charts with few categories (the years' targets) wrap their labels under each column: rotated,
    // long labels ran off the chart's left edge. Many categories still rotate.
    var room = Math.floor(((width || 600) - 90) / Math.max(1, spec.categories.length));
    var label = horizontal ? { interval: 0, rotate: 0 }
      : room >= 70 ? { interval: 0, rotate: 0, width: room - 8, overflow: "break" }
      : { interval: 0, rotate: 30 };
    var category = { type: "category", data: spec.categories, inverse: horizontal, axisLabel: label };
    var value = { type: "value" };
    var series = spec.series.map(function (s) { return { name: s.name, type: "bar", data: s.data, barMaxWidth: 18 }; });
    if (spec.goal !== null && spec.goal !== undefined) {
      var mark = horizontal ? { xAxis: spec.goal } : { yAxis: spec.goal };
      series[0].markLine = { symbol: "none", lineStyle: { color: "#b42318", type: "dashed" },
        // Horizontal bars run top to bottom (inverse axis): "start" puts the goal's label above the plot,
        // clear of the value axis' numbers below it.
        label: { formatter: spec.goalLabel + " " + spec.goal, position: horizontal ? "start" : "insideEndTop" },
        data: [mark] };
    }
    return {
      // One legend line that scrolls (a wrapped second line sat on top of the plot on a phone).
      color: palette, tooltip: tooltip("axis"), legend: { top: 0, type: "scroll" },
      grid: { left: 10, right: 40, top: 40, bottom: 10, containLabel: true },
      xAxis: horizontal ? value : category, yAxis: horizontal ? category : value, series: series,
    };
  }

  function pie(spec) {
    return {
      color: palette, tooltip: tooltip("item", "{b}: {c} ({d}%)"), legend: { bottom: 0, type: "scroll" },
      series: [{ type: "pie", radius: ["35%", "65%"], data: spec.data, label: { formatter: "{b}\n{c}" } }],
    };
  }

  function render(el) {
    var source = document.getElementById(el.dataset.source);
    if (!source || typeof echarts === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    var kind = el.dataset.chart;
    var option = kind === "pie" ? pie(spec) : bars(spec, kind === "hbar", el.clientWidth);
    if (kind === "line") { option.series.forEach(function (s) { s.type = "line"; s.smooth = false; }); }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    el.dataset.rendered = "true";
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chart]").forEach(render);
  });
})();
