// People pages: "select all" checkboxes for the participants' selection.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (!all) { return; }
  all.addEventListener("change", function () {
    var boxes = document.querySelectorAll("input.select-row");
    for (var i = 0; i < boxes.length; i++) { boxes[i].checked = all.checked; }
  });
})();
