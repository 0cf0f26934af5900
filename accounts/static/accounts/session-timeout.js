// The time-out warning (WCAG 2.2.1): before the session ends, a dialog says when, with a
// button to stay signed in. The server's figures are on the dialog's data attributes
// (templates/_session_timeout.html); tabs of the same session share the latest deadlines
// through localStorage, so that activity in one tab keeps the others from warning. Without
// this script the session simply ends, and the update form's text is kept as a draft.
(function () {
  "use strict";

  var dialog = document.querySelector("[data-session-timeout]");
  if (!dialog || typeof dialog.showModal !== "function") {
    return;
  }
  var KEY = "actionplan.session";
  var tag = dialog.dataset.sessionTag;
  // The server counts whole seconds: ask it only once it is sure to agree that time is up.
  var SLACK = 2000;
  var warnBefore = Number(dialog.dataset.warnBefore) * 1000;
  var deadlines = fromSeconds(dialog.dataset.idleLeft, dialog.dataset.absoluteLeft);
  var stay = dialog.querySelector("[data-stay]");
  var dismiss = dialog.querySelector("[data-dismiss]");
  var announce = dialog.querySelector("[data-countdown-announce]");
  var title = document.title;
  var returnFocus = null;
  var dismissed = false;
  var ended = false;
  var lastSpoken = "";

  function fromSeconds(idle, absolute) {
    var now = Date.now();
    return { idle: now + Number(idle) * 1000, absolute: now + Number(absolute) * 1000 };
  }

  function share() {
    try {
      var shared = { tag: tag, idle: deadlines.idle };
      localStorage.setItem(KEY, JSON.stringify(shared));
    } catch (error) {
      // Storage refused (a private window): each tab then counts for itself.
    }
  }

  function adoptShared() {
    try {
      var shared = JSON.parse(localStorage.getItem(KEY) || "null");
      // Activity in another tab moves the idle deadline; the absolute one is the session's
      // own, the same in every tab: each page has it from the server.
      if (shared && shared.tag === tag) {
        deadlines.idle = Math.max(deadlines.idle, Number(shared.idle) || 0);
      }
    } catch (error) {
      // As above.
    }
  }

  function describe(seconds) {
    if (seconds >= 60) {
      var minutes = Math.ceil(seconds / 60);
      return minutes + (minutes === 1 ? " minute" : " minutes");
    }
    return seconds + (seconds === 1 ? " second" : " seconds");
  }

  // Screen readers hear the time left once a minute, then every 15 seconds, not every second.
  function spoken(seconds) {
    return describe(seconds >= 60 ? seconds : Math.ceil(seconds / 15) * 15);
  }

  function open(absoluteFirst) {
    if (dialog.open || (absoluteFirst && dismissed)) {
      return;
    }
    returnFocus = document.activeElement;
    dialog.querySelector("[data-idle-text]").hidden = absoluteFirst;
    dialog.querySelector("[data-absolute-text]").hidden = !absoluteFirst;
    stay.hidden = absoluteFirst;
    dismiss.hidden = !absoluteFirst;
    lastSpoken = "";
    dialog.showModal();
    (absoluteFirst ? dismiss : stay).focus();
    document.title = "Sign-out warning – " + title;
  }

  function close() {
    if (!dialog.open) {
      return;
    }
    dialog.close();
    document.title = title;
    announce.textContent = "";
    if (returnFocus && document.contains(returnFocus) && returnFocus.focus) {
      returnFocus.focus();
    }
  }

  function showTimeLeft(seconds) {
    dialog.querySelectorAll("[data-countdown]").forEach(function (element) {
      element.textContent = describe(seconds);
    });
    var words = spoken(seconds);
    if (words !== lastSpoken) {
      // The first figure is read with the dialog's description as it opens.
      if (lastSpoken) {
        announce.textContent = "You will be signed out in " + words + ".";
      }
      lastSpoken = words;
    }
  }

  function tick() {
    if (ended) {
      return;
    }
    adoptShared();
    var absoluteFirst = deadlines.absolute <= deadlines.idle;
    var left = Math.min(deadlines.idle, deadlines.absolute) - Date.now();
    if (left <= -SLACK) {
      end();
    } else if (left > warnBefore) {
      close();
    } else {
      open(absoluteFirst);
      if (dialog.open) {
        showTimeLeft(Math.max(0, Math.ceil(left / 1000)));
      }
    }
  }

  // Time is up: ask for this page again. The server has signed the person out and sends them
  // to sign in, saying why, and back here afterwards.
  function end() {
    ended = true;
    document.dispatchEvent(new CustomEvent("session:ending"));
    window.location.assign(window.location.href.split("#")[0]);
  }

  // The server's figures after any request that counted as activity.
  function activity(left) {
    deadlines = fromSeconds(left.idle, left.absolute);
    share();
    tick();
  }

  function keepAlive() {
    var token = dialog.querySelector("input[name=csrfmiddlewaretoken]").value;
    fetch(dialog.dataset.keepAliveUrl, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "X-CSRFToken": token },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("The session has ended.");
        }
        return response.json();
      })
      .then(activity)
      .catch(end);
  }

  stay.addEventListener("click", keepAlive);
  dismiss.addEventListener("click", function () {
    dismissed = true;
    close();
  });
  // Escape: staying signed in is the choice that loses nothing.
  dialog.addEventListener("cancel", function (event) {
    event.preventDefault();
    if (stay.hidden) {
      dismissed = true;
      close();
    } else {
      keepAlive();
    }
  });
  document.addEventListener("session:activity", function (event) {
    activity(event.detail);
  });
  document.addEventListener("visibilitychange", tick);
  adoptShared();
  share();
  window.setInterval(tick, 1000);
})();
