// Accessibility helpers loaded on every page (progressive enhancement: pages work without them).
(function () {
  "use strict";
  // 1. Focus the error summary of a form sent back with errors (RGAA 11.10, WCAG 3.3.1): keyboard and
  //    screen reader users start from the list of errors, whose links lead to each field.
  var summary = document.querySelector(".error-summary");
  if (summary) {
    if (!summary.hasAttribute("tabindex")) { summary.setAttribute("tabindex", "-1"); }
    summary.focus();
  }
  // 2. A table wider than the screen scrolls inside its « .table-scroll » box: make that box reachable
  //    and scrollable with the keyboard, and name it after the table's caption (WCAG 2.1.1).
  function label(box) {
    var caption = box.querySelector("caption");
    return caption ? caption.textContent.trim() : "Tableau";
  }
  function update() {
    var boxes = document.querySelectorAll(".table-scroll");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", label(box) + " (défilement horizontal)");
      } else if (box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    }
  }
  update();
  window.addEventListener("resize", update);
  document.addEventListener("toggle", update, true);  // tables inside <details> opened later
  document.addEventListener("htmx:afterSwap", update);
})();
