// The village picker of the public report page: choosing a township narrows the village list.
// Without JavaScript the township select stays hidden and the village list, grouped by township,
// works on its own.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var township = document.getElementById("id_township");
    var village = document.getElementById("id_village");
    var wrap = document.getElementById("township-field");
    if (!township || !village || !wrap) { return; }
    var groups = Array.prototype.map.call(village.querySelectorAll("optgroup"), function (g) {
      return g.cloneNode(true);
    });
    var first = village.querySelector("option[value='']");
    var placeholder = first ? first.cloneNode(true) : null;

    // Rebuild the options rather than hide them: hidden <option>s still show on some phones.
    function rebuild() {
      var code = township.value;
      var current = village.value;
      while (village.firstChild) { village.removeChild(village.firstChild); }
      if (placeholder) { village.appendChild(placeholder.cloneNode(true)); }
      groups.forEach(function (group) {
        var copy = group.cloneNode(true);
        if (code) {
          Array.prototype.slice.call(copy.querySelectorAll("option")).forEach(function (option) {
            if (option.value.indexOf(code) !== 0) { copy.removeChild(option); }
          });
        }
        if (copy.querySelector("option")) { village.appendChild(copy); }
      });
      village.value = current;
      if (village.value !== current) { village.value = ""; }
    }

    wrap.hidden = false;
    township.addEventListener("change", rebuild);
    village.addEventListener("change", function () {
      if (!township.value && village.value) {
        township.value = village.value.slice(0, 9);
        rebuild();
      }
    });
    if (township.value) { rebuild(); }
  });
})();
