/* The live check-in board: fetches its figures every 5 seconds, draws arrivals on a canvas. */
(function () {
  "use strict";
  var root = document.getElementById("board");
  if (!root) return;
  var T = JSON.parse(root.getAttribute("data-t"));
  var $ = function (id) { return document.getElementById(id); };

  function rows(tbody, data) {
    tbody.textContent = "";
    if (!data.length) { var tr = document.createElement("tr"); var td = document.createElement("td"); td.className = "empty"; td.textContent = T.none; tr.appendChild(td); tbody.appendChild(tr); return; }
    data.forEach(function (cells) {
      var tr = document.createElement("tr");
      cells.forEach(function (c) { var td = document.createElement("td"); td.textContent = c; tr.appendChild(td); });
      tbody.appendChild(tr);
    });
  }

  function chart(points) {
    var cv = $("b-chart"), ctx = cv.getContext("2d");
    var w = cv.width = cv.clientWidth || 600, h = cv.height = 220;
    ctx.clearRect(0, 0, w, h);
    if (!points.length) { ctx.fillStyle = "#5c6670"; ctx.font = "14px sans-serif"; ctx.fillText(T.none, 10, 20); return; }
    var max = Math.max.apply(null, points.map(function (p) { return p.count; }));
    var left = 30, bottom = h - 24, bw = Math.max(4, (w - left - 10) / points.length - 4);
    ctx.strokeStyle = "#d9dcd6"; ctx.beginPath(); ctx.moveTo(left, 10); ctx.lineTo(left, bottom); ctx.lineTo(w - 5, bottom); ctx.stroke();
    ctx.fillStyle = "#5c6670"; ctx.font = "11px sans-serif"; ctx.fillText(String(max), 2, 16); ctx.fillText("0", 10, bottom);
    var step = Math.ceil(points.length / 8);
    points.forEach(function (p, i) {
      var x = left + 4 + i * (bw + 4), bh = (bottom - 14) * p.count / max;
      ctx.fillStyle = "#1b5e3a"; ctx.fillRect(x, bottom - bh, bw, bh);
      if (i % step === 0) { ctx.fillStyle = "#5c6670"; ctx.fillText(p.time, x, h - 8); }
    });
  }

  function refresh() {
    var sel = $("board-day");
    var url = root.getAttribute("data-url") + (sel ? "?day=" + sel.value : "");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (d) {
        $("b-in").textContent = d.checked_in; $("b-expected").textContent = d.expected; $("b-day").textContent = d.day;
        chart(d.arrivals);
        rows($("b-stations"), d.by_station.map(function (s) { return [s.station, s.count]; }));
        rows($("b-sex"), d.by_sex.map(function (s) { return [s.label, s.count]; }));
        rows($("b-cats"), d.by_category.map(function (c) { return [c.label, c.F, c.M, c.total]; }));
        rows($("b-latest"), d.latest.map(function (s) { return [s.time, s.name, s.organisation, s.station]; }));
        $("b-updated").textContent = new Date().toTimeString().slice(0, 8);
        root.setAttribute("data-loaded", "1");
      }).catch(function () {});
  }
  var sel = $("board-day");
  if (sel) sel.addEventListener("change", refresh);
  refresh();
  setInterval(refresh, 5000);
})();
