// Consultation pages: add a "student discussed" row to the meeting form.
// (Print buttons are handled once, for every page, by js/schoolops.js.)
(function () {
  "use strict";
  var add = document.getElementById("add-discussed");
  if (add) {
    add.addEventListener("click", function () {
      var prefix = add.dataset.prefix;
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      var template = document.getElementById("discussed-empty");
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      document.getElementById("discussed-forms").insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
    });
  }
})();
