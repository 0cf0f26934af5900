// Progressive enhancement only: every page works without this script.
(function () {
  "use strict";
  // GOV.UK pattern: after a failed submission, move focus to the error summary so that
  // screen-reader and keyboard users hear what went wrong first.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
})();
