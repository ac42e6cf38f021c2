/* Pairing: spend the one-time code, keep the station token on this phone, open the door page.
   A button (not an automatic request) so that a link preview can't spend the code. */
(function () {
  "use strict";
  var box = document.getElementById("pair");
  if (!box) return;
  document.getElementById("pair-go").addEventListener("click", function () {
    var msg = document.getElementById("pair-msg");
    fetch(box.getAttribute("data-api"), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ code: box.getAttribute("data-code") })
    }).then(function (r) { return r.json().then(function (d) { return { ok: r.ok, d: d }; }); })
      .then(function (x) {
        if (!x.ok) { msg.className = "error"; msg.textContent = x.d.error; return; }
        localStorage.setItem("eventapp-station-token:" + x.d.event, x.d.token);
        location.href = x.d.door_url;
      }, function () { msg.className = "error"; msg.textContent = box.getAttribute("data-neterr"); });
  });
})();
