// Small behaviours that the Content-Security-Policy keeps out of inline attributes.
(function () {
  "use strict";
  // Forms with data-confirm ask before they submit (removing a student, resetting a password).
  document.addEventListener("submit", function (e) {
    var msg = (e.submitter && e.submitter.getAttribute("data-confirm")) ||
      (e.target.getAttribute && e.target.getAttribute("data-confirm"));
    if (msg && !window.confirm(msg)) {
      e.preventDefault();
    }
  }, true);
  // Print buttons on paper views.
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-print]")) { window.print(); }
  });
  // htmx requests carry the CSRF token from the page's first form, as a header.
  document.addEventListener("htmx:configRequest", function (e) {
    var input = document.querySelector('input[name="_csrf"]');
    if (input) {
      e.detail.headers["X-CSRF-Token"] = input.value;
    }
  });
})();
