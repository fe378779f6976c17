// The trainer's charts: grouped bars from the JSON each chart box carries.
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var colors = ["#0f766e", "#d97706", "#2563eb", "#9333ea", "#dc2626", "#65a30d", "#0891b2", "#db2777", "#4b5563", "#ca8a04"];
  document.querySelectorAll("[data-bar-chart]").forEach(function (el) {
    var d = JSON.parse(el.getAttribute("data-bar-chart"));
    if (!d.series || !d.series.length) { el.hidden = true; return; }
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      color: colors,
      title: { text: d.title, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      legend: { bottom: 0, type: "scroll" },
      grid: { left: 44, right: 12, top: 40, bottom: d.labels.length > 6 ? 90 : 60 },
      xAxis: { type: "category", data: d.labels, axisLabel: { interval: 0, rotate: d.labels.length > 6 ? 30 : 0 } },
      yAxis: d.max ? { type: "value", min: 0, max: d.max } : { type: "value", minInterval: 1 },
      series: d.series.map(function (s) { return { name: s.name, type: "bar", data: s.values }; })
    });
    el.setAttribute("data-drawn", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
