/* Warns before the session ends for inactivity, and keeps it going on request.
 * The server decides (GET /session/status is passive; POST /session/extend counts as
 * activity); this script only asks at the right moment, so several tabs agree. */
(function () {
  "use strict";
  var tag = document.getElementById("casus-session");
  if (!tag) { return; }
  var banner = null;
  var timer = null;

  function ask(url, method) {
    var headers = { "Accept": "application/json" };
    if (method === "POST") { headers["X-CSRFToken"] = tag.getAttribute("data-csrf"); }
    return fetch(url, { method: method, headers: headers, credentials: "same-origin" })
      .then(function (r) { return r.json(); });
  }

  function hide() { if (banner) { banner.parentNode.removeChild(banner); banner = null; } }

  function show(secondsLeft) {
    if (!banner) {
      banner = document.createElement("div");
      banner.id = "casus-session-warning";
      banner.className = "alert alert-warning casus-session-warning";
      banner.setAttribute("role", "alertdialog");
      banner.setAttribute("aria-live", "assertive");
      var text = document.createElement("span");
      text.className = "casus-session-text";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-primary btn-sm";
      button.id = "casus-session-extend";
      button.textContent = tag.getAttribute("data-stay");
      button.addEventListener("click", function () {
        ask(tag.getAttribute("data-extend"), "POST").then(function (s) { hide(); plan(s); });
      });
      banner.appendChild(text);
      banner.appendChild(document.createTextNode(" "));
      banner.appendChild(button);
      document.body.insertBefore(banner, document.body.firstChild);
      button.focus();
    }
    var minutes = Math.max(1, Math.ceil(secondsLeft / 60));
    banner.querySelector(".casus-session-text").textContent = minutes === 1
      ? tag.getAttribute("data-warning-one")
      : tag.getAttribute("data-warning").replace("%(minutes)s", String(minutes));
  }

  function plan(status) {
    clearTimeout(timer);
    if (!status.logged_in || status.seconds_left <= 0) {
      window.location.reload();
      return;
    }
    if (status.seconds_left <= status.warn_seconds) {
      show(status.seconds_left);
      timer = setTimeout(check, 15000);
    } else {
      hide();
      timer = setTimeout(check, (status.seconds_left - status.warn_seconds) * 1000);
    }
  }

  function check() { ask(tag.getAttribute("data-status"), "GET").then(plan); }

  plan({ logged_in: true, seconds_left: Number(tag.getAttribute("data-seconds-left")),
         warn_seconds: Number(tag.getAttribute("data-warn-seconds")) });
})();
