// Progressive enhancement only: every page works without this script.
(function () {
  "use strict";
  // GOV.UK pattern: after a failed submission, move focus to the error summary so that
  // screen-reader and keyboard users hear what went wrong first.
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) {
    return;
  }
  summary.focus();
  // A link in the summary moves focus to its field, scrolling the field's label (or its
  // fieldset's legend) into view, so the question is seen with the answer. Without this a
  // browser scrolls to the field but leaves focus where it was.
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var input = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!input) {
      return;
    }
    event.preventDefault();
    var fieldset = input.closest("fieldset");
    var legend = fieldset && fieldset.querySelector("legend");
    var label = legend || document.querySelector("label[for='" + input.id + "']");
    (label || input).scrollIntoView();
    input.focus({ preventScroll: true });
  });
})();
