// Simulation dashboards: one small line chart per KPI from the data the page carries.
(function () {
  "use strict";
  // A teammate's change: every 5 s ask for the team's version and offer a refresh, so all
  // members look at the same state (a save from an old page is refused anyway).
  var watch = document.querySelector("[data-sim-poll]");
  if (watch) {
    var mine = watch.getAttribute("data-sim-version");
    setInterval(function () {
      fetch(watch.getAttribute("data-sim-poll"), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (v) {
          if (String(v.version) !== mine) {
            watch.querySelector("span").textContent = (v.by || "组员") + " 在 " + v.at + " 更新了本组的任务。";
            watch.hidden = false;
          }
        }).catch(function () {});
    }, 5000);
  }
  if (!window.echarts) { return; }
  document.querySelectorAll("[data-charts]").forEach(draw);
  // The leaderboard: one bar per finished team.
  document.querySelectorAll("[data-bars]").forEach(function (el) {
    var d = JSON.parse(el.getAttribute("data-bars"));
    if (!d.names || !d.names.length) { el.hidden = true; return; }
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      grid: { left: 60, right: 20, top: 20, bottom: 40 },
      xAxis: { type: "category", data: d.names, axisLabel: { fontSize: 24 } },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { fontSize: 20 } },
      series: [{ type: "bar", data: d.totals, itemStyle: { color: "#0f766e" }, label: { show: true, position: "top", fontSize: 28 } }]
    });
  });
  function draw(box) {
  var data = JSON.parse(box.getAttribute("data-charts"));
  data.charts.forEach(function (c) {
    var el = document.createElement("div");
    el.className = "chart";
    el.setAttribute("role", "img");
    var first, last, series;
    if (c.band) {
      // A fan: the P10–P90 range shaded (P10 as an invisible base, the gap stacked on it)
      // with the median as a line.
      first = c.band.P50[0];
      last = c.band.P50[c.band.P50.length - 1];
      series = [
        { name: "P10", type: "line", data: c.band.P10, stack: "band", stackStrategy: "all", lineStyle: { opacity: 0 }, symbol: "none" },
        { name: "P10–P90", type: "line", stack: "band", stackStrategy: "all", symbol: "none", lineStyle: { opacity: 0 },
          areaStyle: { color: "rgba(15,118,110,0.2)" },
          data: c.band.P90.map(function (v, i) { return v - c.band.P10[i]; }) },
        { name: "P50", type: "line", data: c.band.P50, symbolSize: 4, lineStyle: { color: "#0f766e" }, itemStyle: { color: "#0f766e" } }
      ];
    } else {
      first = c.values[0];
      last = c.values[c.values.length - 1];
      series = [{ type: "line", data: c.values, smooth: true, symbolSize: 4, lineStyle: { color: "#0f766e" }, itemStyle: { color: "#0f766e" } }];
      if (c.target !== undefined && c.target !== null) {
        series[0].markLine = { symbol: "none", label: { formatter: "目标" }, lineStyle: { color: "#d97706", type: "dashed" }, data: [{ yAxis: c.target }] };
      }
    }
    el.setAttribute("aria-label", c.title + "：从 " + first + " 到 " + last + " " + c.unit);
    box.appendChild(el);
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      title: { text: c.title + (c.unit ? "（" + c.unit + "）" : ""), textStyle: { fontSize: 14 } },
      grid: { left: 48, right: 12, top: 36, bottom: 28 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.labels.map(function (l) { return l.length > 5 && l[4] === "-" ? l.slice(5) : l; }) },
      yAxis: { type: "value", scale: true },
      series: series
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
  }
})();
