(function () {
  "use strict";
  var each = function (list, f) { Array.prototype.forEach.call(list, f); };
  var key = function (cell) {
    var v = cell.getAttribute("data-sort");
    if (v === null) { v = cell.textContent.trim(); }
    var n = Number(v);
    return v !== "" && !isNaN(n) ? n : v.toLowerCase();
  };
  each(document.querySelectorAll("table.sortable"), function (table) {
    if (!table.tHead || !table.tBodies.length) { return; }
    var heads = table.tHead.rows[0].cells;
    each(heads, function (th, col) {
      var button = document.createElement("button");
      button.type = "button";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      button.addEventListener("click", function () {
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        each(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[col]), y = key(b.cells[col]);
          if (typeof x !== typeof y) { x = String(x); y = String(y); }
          return (x < y ? -1 : x > y ? 1 : 0) * dir;
        });
        each(rows, function (row) { body.appendChild(row); });
      });
    });
  });
  each(document.querySelectorAll("table.filterable"), function (table) {
    var wrap = table.parentNode;
    var input = document.createElement("input");
    input.type = "search";
    input.className = "filter";
    input.placeholder = "Filter " + (table.getAttribute("data-filter") || "rows") + "\u2026";
    input.setAttribute("aria-label", input.placeholder);
    wrap.parentNode.insertBefore(input, wrap);
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      each(table.tBodies[0].rows, function (row) {
        row.hidden = q !== "" && row.textContent.toLowerCase().indexOf(q) < 0;
      });
    });
  });
  document.body.setAttribute("data-ready", "1");
})();
