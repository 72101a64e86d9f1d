// Quick scoring that never loses a tap.
//
// Each tap is first kept on the phone (localStorage, one queue per user) with an id made
// here, then sent; the server accepts each id once, so a tap sent again (its answer was
// lost, or the phone was offline) is never counted twice. Taps that could not be sent are
// sent again when the network returns (the "online" event) and by a retry timer, and the
// status line at the bottom says how many wait. Without JavaScript the forms post normally
// and the page reloads with a message.
(function () {
  "use strict";
  // Translated through Django's JavaScript catalog (jsi18n, loaded before this file).
  var gettext = window.gettext || function (text) { return text; };
  var page = document.getElementById("score-page");
  var status = document.getElementById("score-status");
  if (!page || !status) { return; }
  var message = status.querySelector(".js-message");
  var login = status.querySelector(".js-login");
  var pending = document.getElementById("score-pending");
  var pendingCount = pending && pending.querySelector(".js-pending-count");
  var subject = document.getElementById("score-subject");
  var daySelect = document.getElementById("score-day");
  var list = document.getElementById("recent-list");
  var template = document.getElementById("recent-template");
  var KEY = page.dataset.queue || "score-queue";
  var LOGIN = page.dataset.login || "/accounts/login/";
  var RETRY_MS = 5000;
  var memory = [];  // the queue when the browser keeps no localStorage (private mode)
  var sending = false;
  var timer = null;

  function offlineText() {
    return gettext("Network down: this tap is not scored yet, retrying");
  }

  function loginText() {
    return gettext("Your session has expired, please log in again");
  }

  function show(text, state) {
    message.textContent = text;
    status.classList.remove("is-ok", "is-error", "is-waiting");
    status.classList.add(state === "ok" ? "is-ok" : state === "waiting" ? "is-waiting" : "is-error");
    if (login) {
      login.hidden = state !== "login";
      if (!login.hidden) { login.href = login.dataset.href; }
    }
  }

  function load() {
    try {
      var raw = window.localStorage.getItem(KEY);
      return raw ? JSON.parse(raw) : [];
    } catch (error) {
      return memory.slice();
    }
  }

  function save(queue) {
    memory = queue.slice();
    try { window.localStorage.setItem(KEY, JSON.stringify(queue)); } catch (error) { /* kept in memory */ }
    showPending(queue.length);
  }

  function showPending(count) {
    if (!pending) { return; }
    if (count === undefined) { count = load().length; }
    pendingCount.textContent = String(count);
    pending.hidden = count === 0;
  }

  // A version 4 UUID: crypto.randomUUID needs a secure context (HTTPS); a school intranet
  // over plain HTTP has getRandomValues only.
  function newId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      try { return window.crypto.randomUUID(); } catch (error) { /* fall through */ }
    }
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      for (var i = 0; i < 16; i += 1) { bytes[i] = Math.floor(Math.random() * 256); }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // "Today" is the server's date when the page was shown, moved on by the days the phone's
  // own clock has turned since (a page left open overnight): a phone whose clock is wrong
  // still scores the school's today.
  function dayNumber(date) {
    return Math.round(Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()) / 86400000);
  }
  var shownOn = dayNumber(new Date());
  function today() {
    var parts = (page.dataset.today || "").split("-").map(Number);
    if (parts.length !== 3) { return ""; }
    var day = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2]) + (dayNumber(new Date()) - shownOn) * 86400000);
    return day.toISOString().slice(0, 10);
  }

  // The token of the cookie (renewed when the teacher logs in again), else the page's.
  function csrf() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function addPoints(groupId, points) {
    var target = document.querySelector('[data-group-points="' + groupId + '"]');
    if (target) { target.textContent = String(parseInt(target.textContent, 10) + points); }
  }

  // One tap sent: "done" or "refused" (the server's answer: the tap leaves the queue),
  // "login" (the session ended: kept), "retry" (no network or a server error: kept).
  function send(tap) {
    var body = new FormData();
    tap.fields.forEach(function (field) { body.append(field[0], field[1]); });
    body.append("client_id", tap.id);
    return fetch(tap.url, {
      method: "POST",
      body: body,
      headers: { "Accept": "application/json", "X-CSRFToken": csrf(), "X-Requested-With": "fetch" },
      credentials: "same-origin"
    }).then(function (response) {
      if (response.redirected && response.url.indexOf(LOGIN) !== -1) { return { state: "login" }; }
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        if (response.status === 401 || response.status === 403) { return { state: "login" }; }
        if (response.status >= 500 || response.status === 0) { return { state: "retry" }; }
        return {
          state: "refused",
          data: { ok: false, message: gettext("Nothing was recorded: the server refused this tap. Reload the page.") }
        };
      }
      return response.json().then(function (data) {
        return { state: data.ok ? "done" : "refused", data: data };
      });
    }, function () {
      return { state: "retry" };
    }).catch(function () {
      return { state: "retry" };
    });
  }

  function scheduleRetry() {
    if (timer === null) {
      timer = window.setTimeout(function () { timer = null; flush(); }, RETRY_MS);
    }
  }

  function drop(id) {
    save(load().filter(function (tap) { return tap.id !== id; }));
  }

  function scored(data) {
    (data.changes || []).forEach(function (change) { addPoints(change[0], change[1]); });
    if (!data.undo_url || !list || !template) { return; }
    var empty = list.querySelector(".js-empty");
    if (empty) { empty.remove(); }
    var item = template.content.firstElementChild.cloneNode(true);
    item.querySelector(".js-text").textContent = data.message;
    var undo = item.querySelector("form");
    undo.action = data.undo_url;
    undo.dataset.group = data.group;
    list.insertBefore(item, list.firstChild);
  }

  // Sends the waiting taps one after the other, oldest first.
  function flush() {
    if (sending) { return; }
    var queue = load();
    showPending(queue.length);
    if (!queue.length) { return; }
    sending = true;
    var tap = queue[0];
    send(tap).then(function (result) {
      sending = false;
      if (result.state === "done" || result.state === "refused") {
        drop(tap.id);
        show(result.data.message, result.state === "done" ? "ok" : "error");
        if (result.state === "done") { scored(result.data); }
        flush();
      } else if (result.state === "login") {
        show(loginText(), "login");
        scheduleRetry();
      } else {
        show(offlineText(), "error");
        scheduleRetry();
      }
    });
  }

  function keep(form, button) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken") { fields.push([name, String(value)]); }
    });
    if (button && button.name) { fields.push([button.name, button.value]); }
    // A tap of "today" keeps its own day: sent after midnight it still scores that lesson.
    fields = fields.map(function (field) {
      return field[0] === "day" && !field[1] ? ["day", today()] : field;
    });
    var queue = load();
    queue.push({ id: newId(), url: form.action, fields: fields });
    save(queue);
  }

  if (subject) {
    subject.addEventListener("change", function () {
      document.querySelectorAll(".js-subject").forEach(function (input) { input.value = subject.value; });
    });
  }
  if (daySelect) {
    daySelect.addEventListener("change", function () {
      document.querySelectorAll(".js-day").forEach(function (input) { input.value = daySelect.value; });
    });
    document.querySelectorAll(".js-day").forEach(function (input) { input.value = daySelect.value; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList.contains("js-tap")) {
      event.preventDefault();
      keep(form, event.submitter);
      var select = form.querySelector(".js-student");
      if (select) { select.value = ""; }
      show(gettext("Sending…"), "waiting");
      flush();
    } else if (form.classList.contains("js-undo")) {
      event.preventDefault();
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { "Accept": "application/json", "X-CSRFToken": csrf(), "X-Requested-With": "fetch" },
        credentials: "same-origin"
      }).then(function (response) {
        if (response.redirected && response.url.indexOf(LOGIN) !== -1) { return { login: true }; }
        return response.json().catch(function () {
          return { login: response.status === 403, ok: false, message: offlineText() };
        });
      }).then(function (data) {
        if (data.login) { show(loginText(), "login"); return; }
        show(data.message, data.ok ? "ok" : "error");
        if (data.ok) {
          addPoints(data.group, data.points);
          form.closest("li").remove();
        }
      }).catch(function () {
        show(gettext("Network down: the tap was not undone. Try again when the network is back."), "error");
      });
    }
  });

  window.addEventListener("online", flush);
  showPending();
  flush();  // taps kept from an earlier visit
})();
