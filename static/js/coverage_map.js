/* The 15-minute service circle map (coverage pages), drawn offline with Apache ECharts from static/vendor.

   Every [data-coverage-map] element is drawn from the JSON in the <script type="application/json"> named by
   its data-source (no inline script: the portal's Content-Security-Policy forbids it):
     communities  [{name, town, lon, lat, population, infants, covered, access}]   (located ones only)
     facilities   [{name, lon, lat, inclusive, slots, inclusiveSlots, hypothetical, converted}]
     radiusM      the radius drawn around inclusive facilities (metres, after the detour factor)
     boundary     a GeoJSON FeatureCollection (WGS-84) or null
     labels       the words shown (translated by the page)
   With a boundary the points lie on an ECharts geo component over the registered outline; without one they
   lie on plain longitude/latitude axes kept at equal scale (one metre east as long as one metre north).
   Communities are sized by infants and coloured covered/uncovered, or by the 2SFCA score after a click on a
   [data-coverage-mode] button. Every figure is also in the tables below the map.
   Tooltips are drawn inside the chart (renderMode "richText"), as in charts.js: the HTML tooltip writes
   inline styles, which the policy forbids. */
(function () {
  "use strict";
  var COLOURS = {
    covered: "#1a7f5a", uncovered: "#d9480f", unknown: "#868e96", inclusive: "#0f4c81",
    other: "#6c757d", hypothetical: "#7b2cbf", radius: "#0f4c81", area: "#eef3f0", border: "#8aa39a",
  };
  var ACCESS_COLOURS = ["#fde0c5", "#f59e4c", "#1a7f5a", "#0b4f3a"];
  var METRES_PER_DEGREE = 111320;

  function tooltip() {
    return { trigger: "item", renderMode: "richText", backgroundColor: "#ffffff", borderColor: "#ced4da",
      textStyle: { color: "#212529" }, confine: true,
      formatter: function (p) { return (p.data && p.data.tip) || p.name || ""; } };
  }

  function shown(value, label) { return value === null || value === undefined ? label : String(value); }

  function circle(lon, lat, metres) {
    var points = [], steps = 48, dLat = metres / METRES_PER_DEGREE;
    var dLon = metres / (METRES_PER_DEGREE * Math.cos(lat * Math.PI / 180));
    for (var i = 0; i <= steps; i++) {
      var a = 2 * Math.PI * i / steps;
      points.push([lon + dLon * Math.cos(a), lat + dLat * Math.sin(a)]);
    }
    return points;
  }

  function extent(spec) {
    var lons = [], lats = [];
    spec.communities.forEach(function (c) { lons.push(c.lon); lats.push(c.lat); });
    spec.facilities.forEach(function (f) { lons.push(f.lon); lats.push(f.lat); });
    if (!lons.length) { return null; }
    var pad = spec.radiusM / METRES_PER_DEGREE;
    return { minLon: Math.min.apply(null, lons) - pad, maxLon: Math.max.apply(null, lons) + pad,
      minLat: Math.min.apply(null, lats) - pad, maxLat: Math.max.apply(null, lats) + pad };
  }

  function communitySize(infants, most) {
    if (infants === null || infants === undefined || !most) { return 7; }
    return 7 + 23 * Math.sqrt(infants / most);
  }

  function communityItem(c, most, labels) {
    var tip = [c.name + "（" + c.town + "）",
      labels.population + "：" + shown(c.population, labels.unknown),
      labels.infants + "：" + shown(c.infants, labels.unknown),
      labels.coverage + "：" + (c.covered ? labels.covered : labels.uncovered),
      labels.access + "：" + shown(c.access, "—")].join("\n");
    return { name: c.name, value: [c.lon, c.lat, c.access === null ? "-" : c.access],
      symbolSize: communitySize(c.infants, most), tip: tip };
  }

  function facilityItem(f, labels) {
    var kind = f.hypothetical ? labels.hypothetical : (f.inclusive ? labels.inclusive : labels.other);
    var tip = [f.name, kind, labels.slots + "：" + f.slots, labels.inclusiveSlots + "：" + f.inclusiveSlots];
    if (f.converted) { tip.push(labels.converted); }
    return { name: f.name, value: [f.lon, f.lat], tip: tip.join("\n") };
  }

  function build(spec, mode, geo) {
    var labels = spec.labels, most = 0;
    spec.communities.forEach(function (c) { if (c.infants > most) { most = c.infants; } });
    var place = geo ? { coordinateSystem: "geo", geoIndex: 0 } : { coordinateSystem: "cartesian2d" };
    function on(series) { Object.keys(place).forEach(function (k) { series[k] = place[k]; }); return series; }
    var series = [], legend = [];

    var rings = spec.facilities.filter(function (f) { return f.inclusive; }).map(function (f) {
      return { coords: circle(f.lon, f.lat, spec.radiusM), name: f.name };
    });
    if (rings.length) {
      legend.push(labels.radius);
      series.push(on({ name: labels.radius, type: "lines", polyline: true, silent: true, data: rings, z: 1,
        lineStyle: { color: COLOURS.radius, width: 1, type: "dashed", opacity: 0.7 } }));
    }
    if (mode === "access") {
      var scored = spec.communities.filter(function (c) { return c.access !== null; });
      var unscored = spec.communities.filter(function (c) { return c.access === null; });
      legend.push(labels.access, labels.noAccess);
      series.push(on({ name: labels.access, type: "scatter", z: 3,
        itemStyle: { color: ACCESS_COLOURS[2], borderColor: "#ffffff", borderWidth: 1, opacity: 0.9 },
        data: scored.map(function (c) { return communityItem(c, most, labels); }) }));
      series.push(on({ name: labels.noAccess, type: "scatter", z: 3, itemStyle: { color: COLOURS.unknown },
        data: unscored.map(function (c) { return communityItem(c, most, labels); }) }));
    } else {
      legend.push(labels.covered, labels.uncovered);
      [[labels.covered, true, COLOURS.covered], [labels.uncovered, false, COLOURS.uncovered]].forEach(function (s) {
        series.push(on({ name: s[0], type: "scatter", z: 3,
          itemStyle: { color: s[2], borderColor: "#ffffff", borderWidth: 1, opacity: 0.85 },
          data: spec.communities.filter(function (c) { return !!c.covered === s[1]; })
            .map(function (c) { return communityItem(c, most, labels); }) }));
      });
    }
    [["inclusive", labels.inclusive, "diamond", COLOURS.inclusive],
      ["other", labels.other, "triangle", COLOURS.other],
      ["hypothetical", labels.hypothetical, "pin", COLOURS.hypothetical]].forEach(function (kind) {
      var rows = spec.facilities.filter(function (f) {
        if (kind[0] === "hypothetical") { return f.hypothetical; }
        return !f.hypothetical && (kind[0] === "inclusive") === !!f.inclusive;
      });
      if (!rows.length) { return; }
      legend.push(kind[1]);
      series.push(on({ name: kind[1], type: "scatter", symbol: kind[2], symbolSize: kind[0] === "hypothetical" ? 22 : 13,
        z: 4, itemStyle: { color: kind[3], borderColor: "#ffffff", borderWidth: 1 },
        data: rows.map(function (f) { return facilityItem(f, labels); }) }));
    });

    var option = { animation: false, tooltip: tooltip(), series: series,
      legend: { top: 0, type: "scroll", data: legend } };
    if (mode === "access") {
      var values = spec.communities.map(function (c) { return c.access; }).filter(function (v) { return v !== null; });
      var top = values.length ? Math.max.apply(null, values) : 1;
      var seriesIndex = series.findIndex(function (s) { return s.name === labels.access; });
      option.visualMap = { type: "continuous", min: 0, max: top || 1, dimension: 2, seriesIndex: seriesIndex,
        calculable: false, orient: "horizontal", left: "center", bottom: 0, itemHeight: 120,
        text: [labels.accessHigh, labels.accessLow], inRange: { color: ACCESS_COLOURS } };
    }
    return option;
  }

  function axesFor(el, box, bottom) {
    // equal scale: widen the shorter span so a degree of latitude and cos(lat) degrees of longitude take
    // the same pixels
    var grid = { left: 56, right: 16, top: 36, bottom: bottom };
    var width = Math.max(el.clientWidth - grid.left - grid.right, 50);
    var height = Math.max(el.clientHeight - grid.top - grid.bottom, 50);
    var midLat = (box.minLat + box.maxLat) / 2, k = Math.cos(midLat * Math.PI / 180);
    var lonSpan = box.maxLon - box.minLon, latSpan = box.maxLat - box.minLat;
    var perPixel = Math.max(lonSpan * k / width, latSpan / height);
    var lonHalf = perPixel * width / k / 2, latHalf = perPixel * height / 2;
    var midLon = (box.minLon + box.maxLon) / 2;
    function axis(name, min, max) {
      return { type: "value", name: name, min: min, max: max, nameGap: 8, splitNumber: 4,
        axisLabel: { formatter: function (v) { return v.toFixed(2); }, hideOverlap: true,
          showMinLabel: false, showMaxLabel: false },
        splitLine: { lineStyle: { color: "#edf0f2" } } };
    }
    return { grid: grid, xAxis: axis("", midLon - lonHalf, midLon + lonHalf),
      yAxis: axis("", midLat - latHalf, midLat + latHalf) };
  }

  function outline(collection) {
    // the boundary's own extent (lon/lat), to lay the geo component out at its true aspect
    var box = { minLon: Infinity, maxLon: -Infinity, minLat: Infinity, maxLat: -Infinity };
    collection.features.forEach(function (f) {
      var polygons = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
      polygons.forEach(function (rings) { rings.forEach(function (ring) { ring.forEach(function (p) {
        box.minLon = Math.min(box.minLon, p[0]); box.maxLon = Math.max(box.maxLon, p[0]);
        box.minLat = Math.min(box.minLat, p[1]); box.maxLat = Math.max(box.maxLat, p[1]);
      }); }); });
    });
    return box;
  }

  function geoLayout(el, box, top, bottom) {
    // the largest rectangle of the outline's aspect (cos(lat) degrees of longitude = 1 degree of latitude)
    // that fits the chart, centred: both ECharts' left/right and top/bottom set would stretch the map
    var k = Math.cos((box.minLat + box.maxLat) / 2 * Math.PI / 180);
    var aspect = (box.maxLon - box.minLon) * k / Math.max(box.maxLat - box.minLat, 1e-9);
    var width = Math.max(el.clientWidth - 16, 50), height = Math.max(el.clientHeight - top - bottom, 50);
    if (width / height > aspect) { width = height * aspect; } else { height = width / aspect; }
    return { left: (el.clientWidth - width) / 2, top: top + (el.clientHeight - top - bottom - height) / 2,
      width: width, height: height, aspectScale: k };
  }

  function render(el) {
    var source = document.getElementById(el.dataset.source);
    if (!source || typeof echarts === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    var geo = !!(spec.boundary && spec.boundary.features && spec.boundary.features.length);
    var mapName = "coverage-" + (el.dataset.district || "map");
    if (geo) { echarts.registerMap(mapName, spec.boundary); }
    var chart = echarts.init(el, null, { renderer: "svg" });
    var mode = "coverage";

    function draw() {
      var option = build(spec, mode, geo);
      var bottom = mode === "access" ? 64 : 28;
      if (geo) {
        var layout = geoLayout(el, outline(spec.boundary), 36, bottom);
        option.geo = { map: mapName, roam: true, top: layout.top, left: layout.left, width: layout.width,
          height: layout.height, aspectScale: layout.aspectScale,
          itemStyle: { areaColor: COLOURS.area, borderColor: COLOURS.border, borderWidth: 1 },
          emphasis: { disabled: true }, select: { disabled: true },
          label: { show: true, color: "#5c6f68", fontSize: 11 }, tooltip: { show: false } };
      } else {
        var range = extent(spec);
        if (!range) { el.dataset.rendered = "empty"; return; }
        var axes = axesFor(el, range, bottom);
        option.grid = axes.grid; option.xAxis = axes.xAxis; option.yAxis = axes.yAxis;
      }
      chart.setOption(option, true);
      el.dataset.rendered = geo ? "geo" : "axes";
      el.dataset.mode = mode;
    }

    draw();
    var scope = el.closest("[data-coverage-scope]") || document;
    scope.querySelectorAll("[data-coverage-mode]").forEach(function (button) {
      button.addEventListener("click", function () {
        mode = button.dataset.coverageMode;
        scope.querySelectorAll("[data-coverage-mode]").forEach(function (b) {
          var on = b === button;
          b.classList.toggle("active", on);
          b.setAttribute("aria-pressed", on ? "true" : "false");
        });
        draw();
      });
    });
    window.addEventListener("resize", function () { chart.resize(); draw(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-coverage-map]").forEach(render);
  });
})();
