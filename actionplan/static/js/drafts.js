// The update form keeps a draft on the server as the person types (a second after they stop),
// so that a time-out, a closed tab or a crash loses nothing: the form offers the draft back
// (actionplan.views.action_draft_save and action_update). Without this script the form works
// as before, and a Save pressed after a time-out still keeps its text as the draft.
(function () {
  "use strict";

  var form = document.querySelector("form[data-draft-url]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var status = document.getElementById("draft-status");
  var DELAY = 1000;
  // While an earlier draft is offered, typing must not replace it before the person chooses.
  var offered = form.hasAttribute("data-draft-offered");
  var timer = null;
  var sending = false;
  var again = false;
  var stopped = false;
  var lastSent = snapshot();

  // Every field the person types in (the measures' values and notes too), not the token.
  function snapshot() {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken") {
        fields.push([name, value]);
      }
    });
    return JSON.stringify(fields);
  }

  function say(text) {
    if (status.textContent !== text) {
      status.textContent = text;
    }
  }

  function stop(text) {
    stopped = true;
    window.clearTimeout(timer);
    say(text);
  }

  function schedule() {
    if (stopped) {
      return;
    }
    if (offered) {
      say(
        "Your earlier draft is kept until you restore or discard it (above): what you type " +
          "now is not kept as a draft."
      );
      return;
    }
    window.clearTimeout(timer);
    timer = window.setTimeout(save, DELAY);
  }

  function save(keepalive) {
    timer = null;
    var now = snapshot();
    if (stopped || now === lastSent) {
      return;
    }
    if (sending) {
      again = true;
      return;
    }
    sending = true;
    fetch(form.dataset.draftUrl, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      redirect: "manual",
      keepalive: keepalive === true,
    })
      .then(function (response) {
        if (response.type === "opaqueredirect") {
          stop("You have been signed out, so this page can no longer keep a draft.");
          return null;
        }
        if (response.status === 403) {
          stop(
            "This page can no longer keep a draft: you have signed out or in again in " +
              "another tab or window. Copy your text before you leave the page."
          );
          return null;
        }
        return response.json().then(function (json) {
          if (!response.ok) {
            say(json.message);
            return;
          }
          lastSent = now;
          say(json.message);
          document.dispatchEvent(new CustomEvent("session:activity", { detail: json.session }));
        });
      })
      .catch(function () {
        say("Your draft could not be saved just now. It is tried again as you type.");
      })
      .finally(function () {
        sending = false;
        if (again) {
          again = false;
          save();
        }
      });
  }

  function flush() {
    if (timer !== null) {
      window.clearTimeout(timer);
      save(true);
    }
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", function () {
    // Saving the update deletes the draft; a draft sent after it would bring it back.
    stopped = true;
    window.clearTimeout(timer);
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      flush();
    }
  });
  window.addEventListener("pagehide", flush);
  document.addEventListener("session:ending", flush);
})();
