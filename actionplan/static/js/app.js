// Progressive enhancement only: every page works without this script.
(function () {
  "use strict";

  // GOV.UK pattern: after a failed submission, move focus to the error summary so that
  // screen-reader and keyboard users hear what went wrong first. A link in the summary moves
  // focus to its field, scrolling the field's label (or its fieldset's legend) into view, so
  // the question is seen with the answer; without this a browser scrolls but leaves focus.
  function enhanceErrorSummary(summary) {
    summary.focus();
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
  }

  // A table too wide for the screen scrolls in its box; while it does, the box is a named,
  // focusable region so that keyboard users can scroll it too (and only then: a box that
  // does not scroll would be a pointless Tab stop).
  function markScrollingTables() {
    document.querySelectorAll(".table-scroll").forEach(function (box) {
      var caption = box.querySelector("caption");
      if (box.scrollWidth > box.clientWidth) {
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", caption ? caption.textContent.trim() : "Table");
      } else {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }

  // The page that keeps a person's text when their form could not be sent: a button selects
  // the text and copies it (where the browser lets a page write to the clipboard).
  function enableCopyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var text = document.getElementById(button.getAttribute("data-copy"));
      var status = document.getElementById(button.getAttribute("data-copy") + "-copied");
      button.hidden = false;
      button.addEventListener("click", function () {
        text.focus();
        text.select();
        var copied = false;
        try {
          copied = document.execCommand("copy");
        } catch (error) {
          copied = false;
        }
        status.textContent = copied
          ? "Copied. Paste it into the form when you go back."
          : "Selected. Press Control and C (Command and C on a Mac) to copy it.";
      });
    });
  }

  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    enhanceErrorSummary(summary);
  }
  markScrollingTables();
  window.addEventListener("resize", markScrollingTables);
  enableCopyButtons();
})();
