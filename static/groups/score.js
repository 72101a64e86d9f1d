// Quick scoring: each tap is posted at once; the page updates without reloading.
// Without JavaScript the forms post normally and the page reloads with a message.
(function () {
  "use strict";
  // Translated through Django's JavaScript catalog (jsi18n, loaded before this file).
  var gettext = window.gettext || function (text) { return text; };
  var status = document.getElementById("score-status");
  var subject = document.getElementById("score-subject");
  var list = document.getElementById("recent-list");
  var template = document.getElementById("recent-template");

  function show(message, ok) {
    if (!status) { return; }
    status.textContent = message;
    status.classList.remove("d-none", "alert-success", "alert-danger");
    status.classList.add(ok ? "alert-success" : "alert-danger");
  }

  function addPoints(groupId, points) {
    var target = document.querySelector('[data-group-points="' + groupId + '"]');
    if (target) { target.textContent = String(parseInt(target.textContent, 10) + points); }
  }

  function post(form, body) {
    return fetch(form.action, {
      method: "POST",
      body: body,
      headers: { "Accept": "application/json", "X-Requested-With": "fetch" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().catch(function () {
        // Not the view's answer: a refusal (403, e.g. the session ended) or a server error.
        return { ok: false, message: failure(response.status) };
      });
    });
  }

  function failure(status) {
    if (status === 403) {
      return gettext("Not allowed: your session may have ended. Reload the page and log in again.");
    }
    return gettext("Nothing was recorded: the server did not answer properly. Reload the page and try again.");
  }

  function offline() {
    return gettext("Nothing was recorded: no connection to the server. Check the network and tap again.");
  }

  if (subject) {
    subject.addEventListener("change", function () {
      document.querySelectorAll(".js-subject").forEach(function (input) { input.value = subject.value; });
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList.contains("js-tap")) {
      event.preventDefault();
      var button = event.submitter;
      var body = new FormData(form, button);
      if (button) { button.disabled = true; }
      post(form, body).then(function (data) {
        if (button) { button.disabled = false; }
        show(data.message, data.ok);
        if (!data.ok) { return; }
        addPoints(data.group, data.points);
        var select = form.querySelector(".js-student");
        if (select) { select.value = ""; }
        if (list && template) {
          var empty = list.querySelector(".js-empty");
          if (empty) { empty.remove(); }
          var item = template.content.firstElementChild.cloneNode(true);
          item.querySelector(".js-text").textContent = data.message;
          var undo = item.querySelector("form");
          undo.action = data.undo_url;
          undo.dataset.group = data.group;
          list.insertBefore(item, list.firstChild);
        }
      }).catch(function () {
        if (button) { button.disabled = false; }
        show(offline(), false);
      });
    } else if (form.classList.contains("js-undo")) {
      event.preventDefault();
      post(form, new FormData(form)).then(function (data) {
        show(data.message, data.ok);
        if (data.ok) {
          addPoints(data.group, data.points);
          form.closest("li").remove();
        }
      }).catch(function () {
        show(offline(), false);
      });
    }
  });
})();
