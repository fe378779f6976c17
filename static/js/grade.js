// Keyboard grading: 1–9 pick a level of the current criterion and move on, J/K move between
// criteria, S saves and goes to the next, N/P open the next/previous submission. Keys typed
// into a text box are left alone; Esc leaves the box so the keys work again.
(function () {
  "use strict";
  var form = document.getElementById("grade-form");
  if (!form) { return; }
  var crits = Array.prototype.slice.call(form.querySelectorAll("fieldset[data-criterion]"));
  var current = 0;

  function mark(i) {
    if (!crits.length) { return; }
    current = Math.max(0, Math.min(crits.length - 1, i));
    crits.forEach(function (f, k) { f.classList.toggle("current", k === current); });
    crits[current].scrollIntoView({ block: "nearest" });
  }
  // Start on the first criterion without a level, else the first.
  var first = crits.findIndex(function (f) { return !f.querySelector("input[type=radio]:checked"); });
  mark(first < 0 ? 0 : first);
  crits.forEach(function (f, k) {
    f.addEventListener("focusin", function () { mark(k); });
    f.addEventListener("click", function () { mark(k); });
  });

  function typing(el) {
    return el && (el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
      (el.tagName === "INPUT" && el.type !== "radio" && el.type !== "checkbox"));
  }
  function follow(key) {
    var a = document.querySelector('a[data-key="' + key + '"]');
    if (a) { window.location.href = a.href; }
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey && e.key === "Enter") { e.preventDefault(); form.requestSubmit(); return; }
    if (typing(e.target)) {
      if (e.key === "Escape") { e.target.blur(); }
      return;
    }
    if (e.altKey || e.ctrlKey || e.metaKey) { return; }
    var k = e.key.toLowerCase();
    if (k >= "1" && k <= "9") {
      var radios = crits.length ? crits[current].querySelectorAll("input[type=radio]") : [];
      var r = radios[Number(k) - 1];
      if (r) {
        e.preventDefault();
        r.checked = true;
        mark(current + 1);
      }
    } else if (k === "j" || k === "arrowdown") {
      e.preventDefault(); mark(current + 1);
    } else if (k === "k" || k === "arrowup") {
      e.preventDefault(); mark(current - 1);
    } else if (k === "s") {
      e.preventDefault(); form.requestSubmit();
    } else if (k === "n" || k === "p") {
      e.preventDefault(); follow(k);
    }
  });
})();
