/* Badges: follow a large print made in the background, then offer its download. */
(function () {
  "use strict";
  var box = document.querySelector(".badges-job");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector(".badges-progress");
  var state = box.querySelector(".badges-job-state");
  var link = box.querySelector(".badges-download");
  var msgs = box.querySelector("[data-msg-progress]");
  var delay = 1000;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return String(values[key]); });
  }

  function show(status) {
    bar.max = status.total || 1;
    bar.value = status.done || 0;
    if (status.state === "done") {
      state.textContent = msgs.getAttribute("data-msg-done");
      if (status.download) { link.href = status.download; }
      link.classList.remove("hidden");
      return true;
    }
    if (status.state === "failed") {
      state.textContent = fill(msgs.getAttribute("data-msg-failed"), status);
      return true;
    }
    state.textContent = fill(msgs.getAttribute("data-msg-progress"), status);
    return false;
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (status) {
        if (!show(status)) { setTimeout(poll, delay); }
      })
      .catch(function () { delay = Math.min(delay * 2, 10000); setTimeout(poll, delay); });
  }
  poll();
})();
