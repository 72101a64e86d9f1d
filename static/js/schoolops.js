// SchoolOps: progressive enhancement only; every page works without JavaScript.
(function () {
  "use strict";
  // Buttons that ask before they submit: <button data-confirm="...">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  // Tables that become cards on a phone (.table-cards, static/css/schoolops.css): each body
  // cell is labelled with its column's header unless the template labelled it.
  Array.prototype.forEach.call(document.querySelectorAll("table.table-cards"), function (table) {
    var head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!head) return;
    var labels = [];
    Array.prototype.forEach.call(head.cells, function (cell) {
      for (var i = 0; i < cell.colSpan; i++) labels.push(cell.textContent.trim());
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          var label = labels[column];
          if (label && cell.colSpan === 1 && cell.scope !== "row" && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", label);
          }
          column += cell.colSpan;
        });
      });
    });
  });
  // A table or chart that scrolls sideways can be reached and scrolled with the keyboard.
  function scrollableByKeyboard() {
    var regions = document.querySelectorAll(".table-responsive, .overflow-auto, .overflow-x-auto");
    Array.prototype.forEach.call(regions, function (region) {
      var scrolls = region.scrollWidth > region.clientWidth || region.scrollHeight > region.clientHeight;
      if (scrolls && !region.hasAttribute("tabindex")) {
        region.setAttribute("tabindex", "0");
      }
    });
  }
  scrollableByKeyboard();
  window.addEventListener("load", scrollableByKeyboard);
  window.addEventListener("resize", scrollableByKeyboard);
  // Print buttons: <button data-print>.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });
})();
