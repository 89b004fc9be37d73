// Fold the main menu behind a button on small screens. Without JavaScript the menu stays open.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector(".nav-toggle");
    var nav = document.getElementById("site-nav");
    if (!toggle || !nav) { document.documentElement.classList.remove("js"); return; }
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  });
})();

// A whole ID number typed into a search box of a GET form (a list's filter) would travel in the
// web address, and so into the server's access log and the browser's history. It never leaves
// this page that way: on the household list it goes to the ID number search, which posts it (and
// the server matches it through the blind index); elsewhere the box is emptied and the user told
// where to search by it. The server refuses a whole ID in a GET search too (registry.forms).
(function () {
  "use strict";
  var DATE = "(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\\d|3[01])";
  var FULL_ID = new RegExp("^\\d{6}(?:(?:18|19|20)\\d\\d" + DATE + "\\d{3}[\\dX]|\\d\\d" + DATE + "\\d{2}[\\dX])$");

  function looksLikeFullId(value) {
    return FULL_ID.test(value.normalize("NFKC").replace(/\s+/g, "").toUpperCase());
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if ((form.getAttribute("method") || "get").toLowerCase() !== "get") { return; }
    var boxes = form.querySelectorAll("input[type=search], input[type=text], input:not([type])");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      if (!looksLikeFullId(box.value)) { continue; }
      event.preventDefault();
      var typed = box.value;
      box.value = "";
      var idSearch = document.querySelector("form[data-id-search]");
      var idBox = idSearch && idSearch.querySelector("[name=id_number]");
      if (idBox) {
        idBox.value = typed;
        idSearch.submit();
        return;
      }
      box.setCustomValidity(document.body.getAttribute("data-full-id-message") || "");
      box.reportValidity();
      box.addEventListener("input", function clear() {
        box.setCustomValidity("");
        box.removeEventListener("input", clear);
      });
      return;
    }
  }, true);
})();
