// Progressive enhancement only: every journey works without this file.
(function () {
  "use strict";
  // Move focus to the error summary so screen-reader users hear what went wrong.
  var summary = document.getElementById("resume-erreurs");
  if (summary) { summary.focus(); }

  // After a redirect to « #id » (back to the person just checked in, the note just moderated…),
  // keyboard and screen-reader users carry on from there rather than from the top of the page.
  var target = !summary && window.location.hash.length > 1
    ? document.getElementById(decodeURIComponent(window.location.hash.slice(1))) : null;
  if (target) {
    if (!target.matches("a[href], button, input, select, textarea, [tabindex]")) { target.setAttribute("tabindex", "-1"); }
    target.focus({ preventScroll: true });
  }

  // Keys of this person's note drafts that still hold text (notes.js keeps one per field until the
  // server has acknowledged it).
  function unsentDrafts(prefix) {
    var keys = [];
    try {
      for (var i = 0; i < window.localStorage.length; i += 1) {
        var key = window.localStorage.key(i);
        if (!key || key.indexOf(prefix) !== 0) { continue; }
        var draft = null;
        try { draft = JSON.parse(window.localStorage.getItem(key) || "null"); } catch (error) { draft = null; }
        if (draft && typeof draft.text === "string" && draft.text.trim()) { keys.push(key); }
      }
    } catch (error) { /* storage refused: nothing was kept */ }
    return keys;
  }

  function forgetDrafts(prefix) {
    try {
      var keys = [];
      for (var i = 0; i < window.localStorage.length; i += 1) {
        var key = window.localStorage.key(i);
        if (key && key.indexOf(prefix) === 0) { keys.push(key); }
      }
      keys.forEach(function (key) { window.localStorage.removeItem(key); });
    } catch (error) { /* storage refused */ }
  }

  // Signing out erases this person's drafts (HD-08: nothing personal is left on a shared computer),
  // so a text not yet saved would be lost: ask first.
  function confirmSignOut(form, event) {
    var prefix = form.getAttribute("data-drafts-prefix");
    if (unsentDrafts(prefix).length && !window.confirm(form.getAttribute("data-drafts-warning"))) {
      event.preventDefault();
      return;
    }
    forgetDrafts(prefix);  // the server's Clear-Site-Data does the same where the browser honours it
  }

  // Run `task` (which may return a promise) every `ms` while the page is visible: paused while the
  // tab is hidden, run at once when it shows again, never two runs at a time. The live pages
  // (notes.js, dashboard.js) poll with it; `now()` runs it without waiting (after a write).
  function repeat(task, ms) {
    var timer = 0;
    var running = false;
    function schedule() {
      window.clearTimeout(timer);
      if (!document.hidden) { timer = window.setTimeout(now, ms); }
    }
    function now() {
      window.clearTimeout(timer);
      if (running || document.hidden) { return Promise.resolve(); }
      running = true;
      return Promise.resolve()
        .then(task)
        .catch(function () { /* offline for a moment: the next run tries again */ })
        .then(function () { running = false; schedule(); });
    }
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) { window.clearTimeout(timer); } else { now(); }
    });
    schedule();
    return { now: now };
  }
  // POST `fields` like the page's own form would (CSRF token included), for drag and drop. Success
  // is a redirect (PRG): it is not followed, so that the server's confirmation still waits for the
  // reloaded page. Resolves to {ok, response}; rejects when the network fails.
  function postForm(url, fields, token) {
    var data = new FormData();
    data.append("csrf_token", token);
    Object.keys(fields).forEach(function (name) { data.append(name, fields[name]); });
    return window.fetch(url, {
      method: "POST",
      body: data,
      headers: { "X-CSRFToken": token },
      credentials: "same-origin",
      redirect: "manual"
    }).then(function (response) {
      return { ok: response.type === "opaqueredirect" || response.ok, response: response };
    });
  }
  window.Ateliers = { repeat: repeat, postForm: postForm };

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.getAttribute) { return; }
    if (form.hasAttribute("data-drafts-prefix")) { confirmSignOut(form, event); return; }
    // Ask before destructive actions marked with data-confirm, on the form or on the button pressed
    // (the server still validates).
    var button = event.submitter;
    var message = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
})();
