// Simulation dashboards: one small line chart per KPI from the data the page carries.
(function () {
  "use strict";
  if (!window.echarts) { return; }
  document.querySelectorAll("[data-charts]").forEach(draw);
  function draw(box) {
  var data = JSON.parse(box.getAttribute("data-charts"));
  data.charts.forEach(function (c) {
    var el = document.createElement("div");
    el.className = "chart";
    el.setAttribute("role", "img");
    el.setAttribute("aria-label", c.title + "：过去 12 个月从 " + c.values[0] + " 到 " + c.values[c.values.length - 1] + " " + c.unit);
    box.appendChild(el);
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      title: { text: c.title + (c.unit ? "（" + c.unit + "）" : ""), textStyle: { fontSize: 14 } },
      grid: { left: 48, right: 12, top: 36, bottom: 28 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.labels.map(function (l) { return l.slice(5); }) },
      yAxis: { type: "value", scale: true },
      series: [{ type: "line", data: c.values, smooth: true, symbolSize: 4, lineStyle: { color: "#0f766e" }, itemStyle: { color: "#0f766e" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
  }
})();
