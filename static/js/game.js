// Live game screens: the server pushes each screen's whole view over server-sent events;
// timers count down from the server's deadline, corrected for this device's clock.
(function () {
  "use strict";
  var live = document.getElementById("game-live");
  if (!live) { return; }
  var conn = document.querySelector("[data-conn]");
  var skew = 0;
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    live.querySelectorAll(".timer").forEach(function (t) {
      var left;
      if (t.getAttribute("data-paused") === "true" || t.getAttribute("data-deadline") === "0") {
        left = parseInt(t.getAttribute("data-left"), 10) || 0;
      } else {
        left = Math.max(0, Math.round((parseInt(t.getAttribute("data-deadline"), 10) - (Date.now() + skew)) / 1000));
      }
      var el = t.querySelector(".left");
      if (el) { el.textContent = Math.floor(left / 60) + ":" + two(left % 60); }
      t.classList.toggle("up", left === 0 && t.getAttribute("data-paused") !== "true");
    });
  }
  function adopt() {
    var t = live.querySelector(".timer[data-now]");
    if (t) { skew = parseInt(t.getAttribute("data-now"), 10) - Date.now(); }
    if (window.htmx) { window.htmx.process(live); }
    tick();
  }
  adopt();
  setInterval(tick, 1000);
  var es = new EventSource(live.getAttribute("data-stream"));
  function phaseOf(html) {
    var m = /class="[^"]*phase-([a-z]+)/.exec(html);
    return m ? m[1] : "";
  }
  function typing() {
    var a = document.activeElement;
    return a && live.contains(a) && (a.tagName === "INPUT" || a.tagName === "TEXTAREA") && a.value;
  }
  var pending = null;
  function show(html) {
    pending = null;
    live.innerHTML = html;
    adopt();
  }
  es.addEventListener("view", function (e) {
    // Keep what a student is typing while the same phase goes on (a group mate's change
    // re-sends the view); a new phase replaces the screen at once.
    if (typing() && phaseOf(e.data) === phaseOf(live.innerHTML)) {
      pending = e.data;
      return;
    }
    show(e.data);
  });
  live.addEventListener("focusout", function () {
    setTimeout(function () { if (pending && !typing()) { show(pending); } }, 0);
  });
  live.addEventListener("htmx:afterSwap", function () { pending = null; adopt(); });
  es.onopen = function () { if (conn) { conn.hidden = true; } };
  es.onerror = function () { if (conn) { conn.hidden = false; } };
})();
