// Small behaviours that the Content-Security-Policy keeps out of inline attributes.
(function () {
  "use strict";
  // Forms with data-confirm ask before they submit (removing a student, resetting a password).
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      e.preventDefault();
    }
  }, true);
  // htmx requests carry the CSRF token from the page's first form, as a header.
  document.addEventListener("htmx:configRequest", function (e) {
    var input = document.querySelector('input[name="_csrf"]');
    if (input) {
      e.detail.headers["X-CSRF-Token"] = input.value;
    }
  });
})();
