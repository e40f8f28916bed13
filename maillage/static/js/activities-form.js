// Progressive enhancement of the activity form: show only what applies. The form works without it.
(function () {
  "use strict";
  var form = document.querySelector("[data-activity-form]");
  if (!form) { return; }
  var blocks = Array.prototype.slice.call(form.querySelectorAll("[data-show-when]"));

  function checkedValues(name) {
    var values = [];
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    Array.prototype.forEach.call(inputs, function (input) {
      if ((input.type === "radio" || input.type === "checkbox") ? input.checked : input.value) {
        values.push(input.value);
      }
    });
    return values;
  }

  function update() {
    blocks.forEach(function (block) {
      var rule = block.getAttribute("data-show-when").split("=");
      var wanted = rule[1].split(",");
      var current = checkedValues(rule[0]);
      var visible = current.some(function (v) { return wanted.indexOf(v) !== -1; });
      // Keep blocks with errors or filled values visible so nothing is hidden from the user.
      if (!visible && block.querySelector(".field-error")) { visible = true; }
      block.classList.toggle("is-hidden", !visible);
    });
  }

  form.addEventListener("change", update);
  update();
  var summary = document.getElementById("erreurs");
  if (summary) { summary.focus(); }
})();
