// Progressive enhancement only: every journey works without this file.
(function () {
  "use strict";
  // Move focus to the error summary so screen-reader users hear what went wrong.
  var summary = document.getElementById("resume-erreurs");
  if (summary) { summary.focus(); }
  // Ask before destructive actions marked with data-confirm (the server still validates).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
})();
