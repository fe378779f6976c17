// Simulation dashboards: one small line chart per KPI from the data the page carries.
(function () {
  "use strict";
  // Live team screens: the server pushes every change of the team's state (a member's save,
  // an instructor's hold or event). A member with no unsaved input gets the new state in
  // place; one who is typing keeps their input and is told who changed what (their save
  // would be refused as stale anyway). EventSource reconnects by itself after a drop, and
  // the first message of every connection is the current version: one check for what was
  // missed meanwhile.
  var dirty = false, leaving = false, busy = false, again = false, later = null;
  var article = document.querySelector("article.sim");
  var first = document.querySelector("[data-sim-live]");
  if (first && window.EventSource) {
    article.addEventListener("input", function () { dirty = true; });
    article.addEventListener("change", function () { dirty = true; });
    document.addEventListener("submit", function (e) { if (!e.defaultPrevented) { leaving = true; } });
    var es = new EventSource(first.getAttribute("data-sim-live"));
    es.addEventListener("change", function (e) {
      var news;
      try { news = JSON.parse(e.data); } catch (err) { return; }
      var box = document.querySelector("[data-sim-live]");
      if (!box || leaving) { return; }
      if (!news.control && String(news.version) === box.getAttribute("data-sim-version")) { return; }
      if (dirty) { tell(box, news); return; }
      // A phone in a pocket fetches nothing until it is looked at again.
      if (document.hidden) { later = news; return; }
      refresh(news);
    });
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden && later) {
        var news = later;
        later = null;
        if (dirty) { tell(document.querySelector("[data-sim-live]"), news); } else { refresh(news); }
      }
    });
  }
  function who(news) {
    if (news.control) { return "老师"; }
    return news.by_id && String(news.by_id) === (document.querySelector("[data-sim-live]") || first).getAttribute("data-sim-me") ? "你（在另一个窗口）" : (news.by || "组员");
  }
  function tell(box, news) {
    box.querySelector("span").textContent = who(news) + (news.at ? " 在 " + news.at : "") + " 更新了本组的任务" +
      (news.what ? "：" + news.what : "。") + " 你还有没保存的内容，已为你保留；保存前请先看看最新内容。";
    box.hidden = false;
  }
  // refresh fetches the page again and swaps the task in place, keeping the scroll position
  // and which sections are open.
  function refresh(news) {
    if (busy) { again = true; return; }
    busy = true;
    var url = first.getAttribute("data-sim-page");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, "text/html").querySelector("article.sim");
        if (!next) { throw new Error("no article"); }
        if (dirty || leaving) { tell(document.querySelector("[data-sim-live]"), news); return; }
        var open = [].map.call(article.querySelectorAll("details"), function (d) { return d.open; });
        var y = window.scrollY;
        article.innerHTML = next.innerHTML;
        var details = article.querySelectorAll("details");
        if (details.length === open.length) {
          [].forEach.call(details, function (d, i) { d.open = open[i]; });
        }
        window.scrollTo(0, y);
        if (window.echarts) {
          if (lazy) { pending.forEach(function (o, el) { lazy.unobserve(el); }); pending.clear(); }
          article.querySelectorAll("[data-charts]").forEach(draw);
        }
        var note = document.createElement("p");
        note.className = "flash flash-ok";
        note.setAttribute("role", "status");
        note.setAttribute("data-sim-news", "");
        note.textContent = who(news) + (news.at ? " 在 " + news.at : "") + " 更新了本组的任务" + (news.what ? "：" + news.what : "。");
        var box = article.querySelector("[data-sim-live]");
        box.parentNode.insertBefore(note, box);
      })
      .catch(function () { tell(document.querySelector("[data-sim-live]"), news); })
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(news); }
      });
  }
  if (!window.echarts) { return; }
  var pending = new Map();
  var lazy = window.IntersectionObserver && new IntersectionObserver(function (entries) {
    entries.forEach(function (e) {
      if (e.isIntersecting && pending.has(e.target)) {
        render(e.target, pending.get(e.target));
        pending.delete(e.target);
        lazy.unobserve(e.target);
      }
    });
  }, { rootMargin: "300px 0px" });
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
    var option = {
      title: { text: c.title + (c.unit ? "（" + c.unit + "）" : ""), textStyle: { fontSize: 14 } },
      grid: { left: 48, right: 12, top: 36, bottom: 28 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.labels.map(function (l) { return l.length > 5 && l[4] === "-" ? l.slice(5) : l; }) },
      yAxis: { type: "value", scale: true },
      series: series
    };
    // A page holds thirty charts; a phone draws only those near the screen, and the page
    // (reloaded after every save, refreshed after every teammate's) stays quick.
    if (lazy) { pending.set(el, option); lazy.observe(el); } else { render(el, option); }
  });
  }
  function render(el, option) {
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }
})();
