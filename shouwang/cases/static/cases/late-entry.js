// Shows the reason for a late entry (补录) as soon as a date earlier than today is typed.
// The server decides: it shows the field for a past date and refuses a late entry without a reason.
(function () {
  "use strict";
  document.querySelectorAll("[data-late-for]").forEach(function (box) {
    var input = document.getElementById(box.getAttribute("data-late-for"));
    if (!input) {
      return;
    }
    var shownByServer = !box.hidden;
    function sync() {
      var late = input.value !== "" && input.value < box.getAttribute("data-today");
      box.hidden = !(late || shownByServer);
    }
    input.addEventListener("input", sync);
    input.addEventListener("change", sync);
    sync();
  });
})();
