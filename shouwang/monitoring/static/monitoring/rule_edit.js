// Rule page: check the expression as it is typed and preview who would fire.
// POSTs the expression and parameters to the rule-check endpoint (JSON) 400 ms after the last
// key; only the answer to the latest request is shown. Without JavaScript, saving checks it.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("rule-form");
    var box = document.getElementById("rule-check");
    if (!form || !box || !window.fetch) { return; }
    var expression = form.querySelector("[name=expression]");
    var parameters = form.querySelector("[name=parameters]");
    var csrf = form.querySelector("[name=csrfmiddlewaretoken]");
    var timer = null;
    var serial = 0;
    function json(id) {
      var node = document.getElementById(id);
      return node ? JSON.parse(node.textContent) : {};
    }
    var labels = json("fact-labels");  // the facts' names in the page's language, for the table's head
    var types = json("fact-types");

    function el(tag, text, cls) {
      var node = document.createElement(tag);
      if (text !== undefined && text !== null) { node.textContent = text; }
      if (cls) { node.className = cls; }
      return node;
    }

    function show(state, nodes) {
      box.className = "rule-check" + (state ? " " + state : "");
      box.replaceChildren.apply(box, nodes);
    }

    function caret(text, line, column) {
      // The line at fault with a ^ under the column, so the mistake is seen where it is.
      var lines = text.split("\n");
      var at = lines[(line || 1) - 1] || "";
      return el("pre", at + "\n" + " ".repeat(Math.max(0, (column || 1) - 1)) + "^");
    }

    function render(data) {
      if (!data.ok) {
        var nodes = [el("p", data.error)];
        if (data.field === "expression" && data.column) { nodes.push(caret(expression.value, data.line, data.column)); }
        show("error", nodes);
        return;
      }
      if (data.year === null) { show("ok", [el("p", box.dataset.msgNoyear)]); return; }
      if (!data.count) { show("ok", [el("p", box.dataset.msgNone)]); return; }
      var head = el("p");
      head.append(box.dataset.msgCount.replace("%(year)s", data.year) + " ", el("strong", String(data.count)));
      var table = el("table");
      var thead = el("thead");
      var tr = el("tr");
      [box.dataset.labelHousehold, box.dataset.labelVillage].concat(data.facts).forEach(function (h) {
        var th = el("th", labels[h] || h);
        th.scope = "col";
        tr.append(th);
      });
      thead.append(tr);
      var tbody = el("tbody");
      data.households.forEach(function (h) {
        var row = el("tr");
        var cell = el("td");
        var link = el("a", h.number);
        link.href = h.url;
        cell.append(link);
        row.append(cell, el("td", h.village));
        data.facts.forEach(function (name) { row.append(el("td", h.facts[name], "num")); });
        tbody.append(row);
      });
      table.append(thead, tbody);
      var wrap = el("div", null, "table-wrap");
      wrap.append(table);
      show("ok", [head, el("p", box.dataset.msgFirst, "muted"), wrap]);
    }

    function check() {
      var mine = ++serial;
      var body = new FormData();
      body.append("expression", expression.value);
      body.append("parameters", parameters ? parameters.value : "");
      show("", [el("p", box.dataset.msgChecking, "muted")]);
      fetch(form.dataset.checkUrl, {
        method: "POST", body: body, credentials: "same-origin",
        headers: {"X-CSRFToken": csrf.value, "Accept": "application/json"},
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (data) {
        if (mine === serial) { render(data); }
      }).catch(function () {
        if (mine === serial) { show("error", [el("p", box.dataset.msgFailed)]); }
      });
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(check, 400);
    }

    // The simple condition (fact, comparison, value) is written into the expression as it is
    // chosen, so the check below shows who it would pick out; saving composes it again on the server.
    function field(name) { return form.querySelector("[name=" + name + "]"); }
    function simpleMode() {
      var chosen = form.querySelector("[name=mode]:checked");
      return chosen && chosen.value === "simple";
    }
    function compose() {
      var fact = field("simple_fact").value;
      var comparison = field("simple_comparison").value;
      var value = field("simple_value").value.trim();
      var other = field("simple_other").value;
      if (!fact || !comparison) { return null; }
      if (types[fact] === "flag") { return comparison === "false" ? "not " + fact : fact; }
      if (types[fact] === "text") {
        var items = value.split(",").map(function (v) { return '"' + v.trim().replace(/^["']|["']$/g, "") + '"'; });
        if (comparison === "in" || comparison === "not in") {
          return fact + " " + comparison + " (" + items.join(", ") + (items.length === 1 ? "," : "") + ")";
        }
        return fact + " " + comparison + " " + items[0];
      }
      var number = value.replace(/[,，]/g, "");
      var right = other ? (number && number !== "1" ? number + " * " + other : other) : number;
      return right ? fact + " " + comparison + " " + right : null;
    }
    function modeChanged() {
      var simple = simpleMode();
      var box = document.getElementById("simple-condition");
      if (box) { box.hidden = !simple; }
      if (simple) { simpleChanged(); }
    }
    function expressionTyped() {
      // Writing the expression by hand leaves the simple form: the expression is what is saved.
      var chosen = form.querySelector("[name=mode][value=expression]");
      if (simpleMode() && chosen && expression.value !== compose()) { chosen.checked = true; modeChanged(); }
    }
    function simpleChanged() {
      if (!simpleMode()) { return; }
      var composed = compose();
      if (composed !== null && composed !== expression.value) { expression.value = composed; later(); }
    }
    form.querySelectorAll("[name=mode]").forEach(function (r) { r.addEventListener("change", modeChanged); });
    ["simple_fact", "simple_comparison", "simple_value", "simple_other"].forEach(function (name) {
      var input = field(name);
      if (input) { input.addEventListener("input", simpleChanged); input.addEventListener("change", simpleChanged); }
    });
    if (field("simple_fact")) { modeChanged(); }

    expression.addEventListener("input", expressionTyped);
    expression.addEventListener("input", later);
    if (parameters) { parameters.addEventListener("input", later); }
    if (expression.value.trim()) { check(); }
  });
})();
