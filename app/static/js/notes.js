// Note space, progressive enhancement: without this file every action is a plain form answered by
// a redirect. With it:
// - notes, edits, deletions, « +1 » and the group summary are sent as JSON; « Enregistré » is shown
//   only once the server has answered that it committed (REL-10);
// - what is typed is kept in a local draft (localStorage, per person, group and field) until then, so
//   it survives a reload, a lost connection and an expired session (REL-11); a failed note is sent
//   again with the same submission id, so a retry never creates a second note (REL-07);
// - the group's changes arrive from the feed every few seconds (cursor + ETag, paused while hidden);
// - an edit based on an old version shows both texts and lets the person choose (REL-01);
// - one's own note can be dragged to another column (its category), as its edit form would do;
// - this person's drafts are removed when they sign out, after a warning if one holds text (app.js, HD-08).
// User text is only ever inserted with textContent, never as HTML (XS-06). Every French string comes
// from the data-msg-* attributes of #notes-live, translated by the server.
(function () {
  "use strict";

  const root = document.getElementById("notes-live");
  if (!root || !window.fetch || !window.JSON || !window.Promise || !window.Ateliers) { return; }

  const POLL_MS = 2500;
  const RETRY_MS = [1000, 2000, 4000, 8000, 15000, 30000];
  const MAX_MESSAGES = 5;
  const data = root.dataset;
  const statusBox = document.getElementById("notes-status");
  const alertBox = document.getElementById("notes-alert");
  const facilitator = data.facilitator === "1";
  const member = data.member === "1";
  const groupPrefix = "ateliers.draft." + data.user + "." + data.group + ".";  // app.js reads this shape
  const states = new WeakMap();  // per form or conflict box: request in flight, retry timer
  const waiting = new Set();  // holders with a retry scheduled (sent at once when back online)
  let cursor = data.cursor || "";
  let writingOpen = data.writingOpen === "1";
  let token = csrfInput() ? csrfInput().value : "";
  let signedOutShown = false;
  let announceTimer = 0;
  let hiddenMode = data.hiddenMode === "1";

  // --- Small helpers -------------------------------------------------------------------------------

  function msg(name) { return root.getAttribute("data-msg-" + name) || ""; }

  function plural(name, count) {
    // The server rendered the singular and plural sentences with 1 and 2: put the real number in.
    return msg(count === 1 ? name + "-one" : name + "-many").replace(/\d+/, String(count));
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function csrfInput() { return document.querySelector("input[name=csrf_token]"); }

  function withId(url, id) { return url.replace(/\/0(\/[^/]*)?$/, "/" + id + "$1"); }

  function newId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID().replace(/-/g, ""); }
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, (b) => (b < 16 ? "0" : "") + b.toString(16)).join("");
  }

  function normalise(text) { return String(text || "").replace(/\r\n?/g, "\n").trim(); }

  function truncate(text, size) {
    if (text.length <= size + 5) { return text; }
    return text.slice(0, size).replace(/\s+\S*$/, "") + "...";
  }

  function stateOf(holder) {
    let state = states.get(holder);
    if (!state) { state = { busy: false, attempt: 0, timer: 0, retry: null }; states.set(holder, state); }
    return state;
  }

  function announce(text) {
    // Emptied first, so that the same words said twice are announced twice.
    window.clearTimeout(announceTimer);
    statusBox.textContent = "";
    announceTimer = window.setTimeout(() => { statusBox.textContent = text; }, 100);
  }

  function showAlert(text, link) {
    alertBox.textContent = "";
    const paragraph = el("p", null, text);
    if (link) {
      const anchor = el("a", null, link.text);
      anchor.href = link.href;
      paragraph.appendChild(document.createTextNode(" "));
      paragraph.appendChild(anchor);
    }
    alertBox.appendChild(paragraph);
  }

  function clearAlert() {
    alertBox.textContent = "";
    signedOutShown = false;
  }

  function signedOut() {
    signedOutShown = true;
    window.clearTimeout(announceTimer);
    statusBox.textContent = "";  // an earlier « Enregistré » must not contradict the alert
    showAlert(msg("signed-out"), { text: msg("sign-in"), href: data.login });
  }

  function formatTime(iso) {
    // The server sends UTC; shown in the workshop's time zone like the page does.
    const date = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : iso + "Z");
    if (isNaN(date.getTime())) { return ""; }
    const parts = {};
    new Intl.DateTimeFormat("en-GB", {
      hour: "2-digit", minute: "2-digit", hour12: false, timeZone: data.timezone || undefined
    }).formatToParts(date).forEach((part) => { parts[part.type] = part.value; });
    return msg("time").replace("__H__", String(parseInt(parts.hour, 10))).replace("__M__", parts.minute);
  }

  // --- Drafts (localStorage, one per person, group and field) --------------------------------------

  function readDraft(kind) {
    try {
      const raw = window.localStorage.getItem(groupPrefix + kind);
      return raw ? JSON.parse(raw) : null;
    } catch (error) { return null; }
  }

  function writeDraft(kind, draft) {
    try { window.localStorage.setItem(groupPrefix + kind, JSON.stringify(draft)); } catch (error) { /* full or refused: the field still holds the text */ }
  }

  function dropDraft(kind) {
    try { window.localStorage.removeItem(groupPrefix + kind); } catch (error) { /* nothing stored */ }
  }

  function draftKinds() {
    const kinds = [];
    try {
      for (let i = 0; i < window.localStorage.length; i += 1) {
        const key = window.localStorage.key(i);
        if (key && key.indexOf(groupPrefix) === 0) { kinds.push(key.slice(groupPrefix.length)); }
      }
    } catch (error) { /* storage refused */ }
    return kinds;
  }

  function checkedTags(form) {
    return Array.prototype.map.call(form.querySelectorAll("input[name=tags]:checked"), (input) => input.value);
  }

  function setTags(form, tags) {
    Array.prototype.forEach.call(form.querySelectorAll("input[name=tags]"), (input) => {
      input.checked = tags.indexOf(input.value) !== -1;
    });
  }

  function keepNewDraft(form) {
    const kind = form.getAttribute("data-category");
    const text = form.querySelector("textarea[name=text]").value;
    const tags = checkedTags(form);
    const old = readDraft(kind);
    if (!text.trim() && !tags.length) {
      dropDraft(kind);
      return null;
    }
    const draft = { text: text, tags: tags, category: kind, submission_id: (old && old.submission_id) || newId() };
    writeDraft(kind, draft);
    return draft;
  }

  function keepEditDraft(form) {
    const card = form.closest(".note-card");
    if (!card) { return; }
    writeDraft("edit-" + card.getAttribute("data-note-id"), {
      text: form.querySelector("textarea[name=text]").value,
      category: form.querySelector("select[name=category]").value,
      tags: checkedTags(form),
      version: parseInt(form.querySelector("input[name=version]").value, 10)
    });
  }

  function keepSummaryDraft(form) {
    writeDraft("summary", {
      text: form.querySelector("textarea[name=text]").value,
      version: parseInt(form.querySelector("input[name=version]").value, 10)
    });
  }

  function keepConflictDraft(area) {
    const card = area.closest(".note-card");
    const kind = card ? "edit-" + card.getAttribute("data-note-id") : "summary";
    const draft = readDraft(kind) || {};
    draft.text = area.value;
    writeDraft(kind, draft);
  }

  // --- Requests ------------------------------------------------------------------------------------

  async function renewToken() {
    // A refused CSRF token means the session ended or the token aged: ask the page for a fresh one;
    // being sent to the sign-in page means the person is signed out.
    let response;
    try {
      response = await fetch(window.location.pathname, { credentials: "same-origin", cache: "no-store" });
    } catch (error) { return "offline"; }
    const loginPath = new URL(data.login, window.location.href).pathname;
    if (response.status === 401 || new URL(response.url).pathname === loginPath) { return "signed-out"; }
    if (!response.ok) { return "offline"; }
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.querySelector("input[name=csrf_token]");
    if (!fresh) { return "signed-out"; }
    token = fresh.value;
    Array.prototype.forEach.call(document.querySelectorAll("input[name=csrf_token]"), (input) => { input.value = token; });
    return "ok";
  }

  async function send(url, payload, renewed) {
    // Resolves to {status, body}; status 0 when the network failed (nothing is known of the outcome).
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        cache: "no-store",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token },
        body: JSON.stringify(payload || {})
      });
    } catch (error) { return { status: 0, body: null }; }
    let body = null;
    try { body = await response.json(); } catch (error) { body = null; }
    if (response.ok && !body) { return { status: 0, body: null }; }  // cut short: retried as a failure
    if (response.status === 400 && body && body.error === "csrf" && !renewed) {
      const outcome = await renewToken();
      if (outcome === "ok") { return send(url, payload, true); }
      return { status: outcome === "signed-out" ? 401 : 0, body: null };
    }
    return { status: response.status, body: body };
  }

  function formState(form, text, failed) {
    const line = form.querySelector(".note-form-state");
    if (!line) { return; }
    line.textContent = text;
    line.classList.toggle("is-failed", Boolean(failed));
  }

  function fieldError(field, text) {
    // The error is written next to the field and linked to it; the alert region announces it.
    if (!field || !field.id) { return; }
    const id = field.id + "-erreur-js";
    let line = document.getElementById(id);
    const described = (field.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && x !== id);
    if (!text) {
      if (line) { line.remove(); }
      field.removeAttribute("aria-invalid");
      if (described.length) { field.setAttribute("aria-describedby", described.join(" ")); } else { field.removeAttribute("aria-describedby"); }
      return;
    }
    if (!line) {
      line = el("p", "error");
      line.id = id;
      field.parentNode.insertBefore(line, field);
    }
    line.textContent = text;
    field.setAttribute("aria-invalid", "true");
    described.push(id);
    field.setAttribute("aria-describedby", described.join(" "));
  }

  function retryLater(holder, retry) {
    const state = stateOf(holder);
    window.clearTimeout(state.timer);
    const delay = RETRY_MS[Math.min(state.attempt, RETRY_MS.length - 1)];
    state.attempt += 1;
    state.retry = retry;
    state.timer = window.setTimeout(() => { waiting.delete(holder); retry(); }, delay);
    waiting.add(holder);
  }

  function stopRetrying(holder, reset) {
    // `reset`: the person acted (or it worked), so the next failure waits the shortest delay again.
    const state = stateOf(holder);
    window.clearTimeout(state.timer);
    if (reset) { state.attempt = 0; }
    state.retry = null;
    waiting.delete(holder);
  }

  function failed(holder, answer, retry, field) {
    // Whatever went wrong, the text stays where it is and in its draft (REL-11).
    formState(holder, msg("kept"), true);
    if (answer.status === 0 || answer.status >= 500 || answer.status === 429) {
      showAlert(retry ? msg("offline") : msg("network"));
      if (retry) { retryLater(holder, retry); }
      return;
    }
    if (answer.status === 401) {
      signedOut();
      return;
    }
    const body = answer.body || {};
    const errors = body.errors || {};
    const text = errors.text || errors.category || errors.tags || errors.submission_id || errors.version ||
      body.message || msg("failed");
    if (errors.text && field) { fieldError(field, errors.text); }
    showAlert(text);
  }

  // --- Cards ---------------------------------------------------------------------------------------

  function tagLabels() {
    try { return JSON.parse(data.tagLabels || "[]"); } catch (error) { return []; }
  }

  function columns() {
    return Array.prototype.map.call(document.querySelectorAll(".note-column[data-category]"), (section) => ({
      key: section.getAttribute("data-category"), label: section.getAttribute("data-label") || ""
    }));
  }

  function hidden(name, value) {
    const input = el("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    return input;
  }

  function postForm(action, className) {
    const form = el("form", className);
    form.method = "post";
    form.action = action;
    form.appendChild(hidden("csrf_token", token));
    return form;
  }

  function button(text, className, name, value) {
    const node = el("button", className, text);
    node.type = "submit";
    if (name) { node.name = name; node.value = value; }
    return node;
  }

  function tagPicker(prefix, selected) {
    const details = el("details", "tag-picker");
    details.appendChild(el("summary", null, msg("tags") + (selected.length ? " – " + selected.length : "")));
    const fieldset = el("fieldset");
    fieldset.appendChild(el("legend", "visually-hidden", msg("tags")));
    tagLabels().forEach((pair) => {
      const choice = el("div", "choice");
      const input = el("input");
      input.type = "checkbox";
      input.name = "tags";
      input.value = pair[0];
      input.id = prefix + "-" + pair[0];
      input.checked = selected.indexOf(pair[0]) !== -1;
      const label = el("label", null, pair[1]);
      label.htmlFor = input.id;
      choice.appendChild(input);
      choice.appendChild(document.createTextNode(" "));
      choice.appendChild(label);
      fieldset.appendChild(choice);
    });
    details.appendChild(fieldset);
    return details;
  }

  function metaLine(note) {
    const line = el("p", "note-meta");
    const parts = [];
    if (note.mine) { parts.push(el("span", "badge badge-ok", msg("your-note"))); }
    else if (note.author) { parts.push(el("span", "note-author", note.author)); }
    if (note.highlighted) { parts.push(el("span", "badge badge-warn", msg("highlighted"))); }
    if (note.hidden) { parts.push(el("span", "badge badge-err", msg("hidden"))); }
    const labels = {};
    tagLabels().forEach((pair) => { labels[pair[0]] = pair[1]; });
    (note.tags || []).forEach((tag) => parts.push(el("span", "badge badge-muted", labels[tag] || tag)));
    parts.push(el("span", "note-plus", note.plus ? plural("plus", note.plus) : ""));
    if (note.version > 1) {
      const link = el("a", "note-history-link", msg("history"));
      link.href = withId(data.urlHistory, note.id);
      link.appendChild(el("span", "visually-hidden", " : " + note.text.slice(0, 60)));
      parts.push(link);
    }
    parts.forEach((part, index) => {
      if (index) { line.appendChild(document.createTextNode(" ")); }
      line.appendChild(part);
    });
    return line;
  }

  function voteForm(note) {
    const form = postForm(withId(data.urlVote, note.id), "inline-form note-vote-form");
    const press = button(msg("vote"), "button button-small");
    press.setAttribute("aria-pressed", note.voted ? "true" : "false");
    press.appendChild(el("span", "visually-hidden", " : " + truncate(note.text, 60)));
    form.appendChild(press);
    return form;
  }

  function editDetails(note) {
    const details = el("details", "note-edit");
    const summary = el("summary", null, msg("edit"));
    summary.appendChild(el("span", "visually-hidden", " : " + truncate(note.text, 60)));
    details.appendChild(summary);
    const form = postForm(withId(data.urlEdit, note.id), "note-edit-form");
    form.appendChild(hidden("version", String(note.version)));
    const textField = el("div", "field");
    const label = el("label", null, msg("text-label"));
    label.htmlFor = "texte-" + note.id;
    const area = el("textarea");
    area.id = "texte-" + note.id;
    area.name = "text";
    area.rows = 4;
    area.maxLength = 2000;
    area.required = true;
    area.defaultValue = note.text;
    textField.appendChild(label);
    textField.appendChild(area);
    form.appendChild(textField);
    const categoryField = el("div", "field");
    const categoryLabel = el("label", null, msg("category-label"));
    categoryLabel.htmlFor = "categorie-" + note.id;
    const select = el("select");
    select.id = "categorie-" + note.id;
    select.name = "category";
    columns().forEach((column) => {
      const option = el("option", null, column.label);
      option.value = column.key;
      option.selected = column.key === note.category;
      option.defaultSelected = option.selected;
      select.appendChild(option);
    });
    categoryField.appendChild(categoryLabel);
    categoryField.appendChild(select);
    form.appendChild(categoryField);
    form.appendChild(tagPicker("tags-" + note.id, note.tags || []));
    form.appendChild(button(msg("save-edit"), "button button-small"));
    details.appendChild(form);
    const remove = postForm(withId(data.urlDelete, note.id), "inline-form note-delete-form");
    remove.setAttribute("data-confirm", msg("delete-confirm"));  // app.js asks before it is sent
    remove.appendChild(hidden("version", String(note.version)));
    remove.appendChild(button(msg("delete"), "button button-small button-danger"));
    details.appendChild(remove);
    return details;
  }

  function moderateForm(note) {
    const form = postForm(withId(data.urlModerate, note.id), "inline-form note-moderate-form");
    form.appendChild(note.highlighted
      ? button(msg("unhighlight"), "button button-small", "action", "unhighlight")
      : button(msg("highlight"), "button button-small", "action", "highlight"));
    form.appendChild(document.createTextNode(" "));
    form.appendChild(note.hidden
      ? button(msg("show"), "button button-small", "action", "show")
      : button(msg("hide"), "button button-small", "action", "hide"));
    return form;
  }

  function buildCard(note) {
    const card = el("li", "note-card");
    card.classList.toggle("note-highlighted", Boolean(note.highlighted));
    card.classList.toggle("note-hidden", Boolean(note.hidden));
    card.id = "note-" + note.id;
    card.setAttribute("data-note-id", String(note.id));
    card.setAttribute("data-version", String(note.version));
    card.setAttribute("data-category", note.category);
    card.appendChild(el("p", "note-text", note.text));
    card.appendChild(metaLine(note));
    const actions = el("div", "note-actions");
    if (!note.mine && writingOpen && member) { actions.appendChild(voteForm(note)); }
    if (note.can_edit) { actions.appendChild(editDetails(note)); }
    if (facilitator) { actions.appendChild(moderateForm(note)); }
    card.appendChild(actions);
    card.draggable = Boolean(note.can_edit);  // its edit form starts closed
    return card;
  }

  function focusables(card) {
    return Array.prototype.slice.call(card.querySelectorAll("summary, button, textarea, select, input:not([type=hidden]), a"));
  }

  function editIsDirty(card) {
    const form = card.querySelector("form.note-edit-form");
    if (!form) { return false; }
    const area = form.querySelector("textarea[name=text]");
    const select = form.querySelector("select[name=category]");
    const selectDirty = select && select.selectedOptions.length && !select.selectedOptions[0].defaultSelected;
    return area.value !== area.defaultValue || Boolean(selectDirty) || stateOf(form).busy;
  }

  function isBusy(card) {
    // Someone writing in this card keeps their form (and the version it was read at) untouched.
    return Boolean(card.querySelector(".note-conflict")) || editIsDirty(card);
  }

  function insertSorted(list, card) {
    const id = parseInt(card.getAttribute("data-note-id"), 10);
    const after = Array.prototype.find.call(list.children, (item) => parseInt(item.getAttribute("data-note-id"), 10) > id);
    list.insertBefore(card, after || null);
  }

  function cardOf(id) { return document.getElementById("note-" + id); }

  function refreshDisplay(card, note) {
    card.querySelector(".note-text").textContent = note.text;
    card.querySelector(".note-meta").replaceWith(metaLine(note));
    card.classList.toggle("note-highlighted", Boolean(note.highlighted));
    card.classList.toggle("note-hidden", Boolean(note.hidden));
  }

  function applyNote(note, saved) {
    // `saved`: the person's own edit was just acknowledged, so their form is rebuilt from it.
    const list = document.getElementById("liste-" + note.category);
    const card = cardOf(note.id);
    if (!list) {
      if (card) { removeCard(card); }
      return;
    }
    if (card && !saved && isBusy(card)) {
      refreshDisplay(card, note);
      if (card.parentNode !== list) { insertSorted(list, card); }
      return;
    }
    const fresh = buildCard(note);
    if (!card) {
      insertSorted(list, fresh);
      return;
    }
    const before = focusables(card).indexOf(document.activeElement);
    const details = card.querySelector("details.note-edit");
    const opened = details && details.open;
    if (card.parentNode === list) { card.replaceWith(fresh); } else { card.remove(); insertSorted(list, fresh); }
    const newDetails = fresh.querySelector("details.note-edit");
    if (opened && newDetails) { newDetails.open = true; }
    if (before !== -1) {
      const target = focusables(fresh)[before] || fresh.querySelector("summary, button");
      if (target) { target.focus(); }
    }
  }

  function newNoteField(category) {
    const form = document.querySelector("form.note-form[data-category='" + category + "']") ||
      document.querySelector("form.note-form");
    return form ? form.querySelector("textarea[name=text]") : null;
  }

  function rescue(card) {
    // The note someone was editing is gone: their text moves to the « new note » field of its column.
    const form = card.querySelector("form.note-edit-form");
    const box = card.querySelector(".note-conflict textarea");
    const text = box ? box.value : (form ? form.querySelector("textarea[name=text]").value : "");
    const column = card.closest(".note-column");
    const category = card.getAttribute("data-category") || (column ? column.getAttribute("data-category") : "");
    const field = newNoteField(category);
    dropDraft("edit-" + card.getAttribute("data-note-id"));
    if (!field || !text.trim()) { return; }
    field.value = field.value.trim() ? field.value + "\n\n" + text : text;
    keepNewDraft(field.form);
    showAlert(msg("rescued"));
  }

  function removeCard(cardOrId) {
    const card = typeof cardOrId === "object" ? cardOrId : cardOf(cardOrId);
    if (!card) { return; }
    if (isBusy(card)) { rescue(card); }
    const hadFocus = card.contains(document.activeElement);
    const column = card.closest(".note-column");
    card.remove();
    if (hadFocus && column) { focusHeading(column); }
  }

  function focusHeading(column) {
    const heading = column.querySelector("h2");
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }

  function updateCounts() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-count-for]"), (count) => {
      const list = document.getElementById("liste-" + count.getAttribute("data-count-for"));
      if (list) { count.textContent = "(" + list.querySelectorAll(".note-card").length + ")"; }
    });
  }

  // --- Adding a note -------------------------------------------------------------------------------

  async function submitNew(form, automatic) {
    const state = stateOf(form);
    if (state.busy) { return; }
    const kind = form.getAttribute("data-category");
    const area = form.querySelector("textarea[name=text]");
    if (automatic && !area.value.trim()) { return; }  // emptied since: nothing to send
    stopRetrying(form, !automatic);
    const draft = keepNewDraft(form) || { text: area.value, tags: checkedTags(form), submission_id: newId() };
    const sent = area.value;
    state.busy = true;
    formState(form, msg("sending"), false);
    const answer = await send(data.create, {
      category: kind, text: sent, tags: draft.tags, submission_id: draft.submission_id
    });
    state.busy = false;
    if (answer.status !== 200 && answer.status !== 201) {
      failed(form, answer, () => submitNew(form, true), area);
      return;
    }
    stopRetrying(form, true);
    const note = answer.body.note;
    applyNote(note);
    updateCounts();
    fieldError(area, "");
    clearAlert();
    if (area.value === sent && normalise(note.text) === normalise(sent)) {
      area.value = "";
      setTags(form, []);
      dropDraft(kind);
    } else {
      // Typed on while it was sent, or the id had already carried an earlier text: what is in the
      // field now is another note to come, with an id of its own.
      const next = keepNewDraft(form);
      if (next) { next.submission_id = newId(); writeDraft(kind, next); }
    }
    formState(form, msg("saved"), false);
    announce(msg("saved"));
    poll();
  }

  // --- Editing, deleting, « +1 », moderating -------------------------------------------------------

  function editPayload(form) {
    return {
      category: form.querySelector("select[name=category]").value,
      text: form.querySelector("textarea[name=text]").value,
      tags: checkedTags(form),
      version: parseInt(form.querySelector("input[name=version]").value, 10)
    };
  }

  async function sendEdit(card, holder, read, field, automatic) {
    // `read` gives what to send now: a retry sends the text as it is at that moment.
    const state = stateOf(holder);
    if (state.busy || !card.isConnected) { return; }
    stopRetrying(holder, !automatic);
    const id = card.getAttribute("data-note-id");
    const payload = read();
    writeDraft("edit-" + id, payload);
    state.busy = true;
    formState(holder, msg("sending"), false);
    const answer = await send(withId(data.apiNote, id), payload);
    state.busy = false;
    if (answer.status === 409 && answer.body && answer.body.current) {
      formState(holder, "", false);
      showNoteConflict(card, payload, answer.body.current, answer.body.message);
      return;
    }
    if (answer.status !== 200) {
      failed(holder, answer, () => sendEdit(card, holder, read, field, true), field);
      return;
    }
    stopRetrying(holder, true);
    dropDraft("edit-" + id);
    clearAlert();
    const conflict = card.querySelector(".note-conflict");
    if (conflict) { conflict.remove(); }
    applyNote(answer.body.note, true);
    updateCounts();
    const saved = cardOf(id);
    const details = saved && saved.querySelector("details.note-edit");
    if (details) { details.open = false; details.querySelector("summary").focus(); }
    announce(msg("saved"));
    poll();
  }

  function submitEdit(form) {
    ensureStateLine(form);
    sendEdit(form.closest(".note-card"), form, () => editPayload(form), form.querySelector("textarea[name=text]"));
  }

  function conflictBox(idSuffix, mine, theirs, onMine, onTheirs) {
    const box = el("div", "note-conflict");
    box.setAttribute("role", "group");
    const heading = el("h3", null, msg("conflict-title"));
    heading.id = "conflit-" + idSuffix;
    heading.setAttribute("tabindex", "-1");
    box.setAttribute("aria-labelledby", heading.id);
    box.appendChild(heading);
    box.appendChild(el("p", null, msg("conflict-help")));
    const versions = el("div", "conflict-versions");
    const saved = el("div");
    saved.appendChild(el("h4", null, msg("theirs")));
    saved.appendChild(el("p", "note-text conflict-theirs", theirs));
    const keepTheirs = el("button", "button button-small button-secondary", msg("keep-theirs"));
    keepTheirs.type = "button";
    saved.appendChild(keepTheirs);
    const own = el("div");
    own.appendChild(el("h4", null, msg("mine")));
    const label = el("label", null, msg("mine-label"));
    label.htmlFor = "conflit-texte-" + idSuffix;
    const area = el("textarea", "conflict-mine");
    area.id = label.htmlFor;
    area.rows = 5;
    area.value = mine;
    const keepMine = el("button", "button button-small", msg("keep-mine"));
    keepMine.type = "button";
    const line = el("p", "note-form-state");
    line.setAttribute("aria-hidden", "true");
    own.appendChild(label);
    own.appendChild(area);
    own.appendChild(keepMine);
    own.appendChild(line);
    versions.appendChild(saved);
    versions.appendChild(own);
    box.appendChild(versions);
    keepMine.addEventListener("click", () => onMine(box, area));
    keepTheirs.addEventListener("click", () => onTheirs(box));
    return box;
  }

  function showNoteConflict(card, payload, current, message) {
    const id = card.getAttribute("data-note-id");
    const old = card.querySelector(".note-conflict");
    if (old) { old.remove(); }
    const details = card.querySelector("details.note-edit");
    if (details) { details.open = false; }
    const box = conflictBox(id, payload.text, current.text, (holder, area) => {
      // Keep mine: sent again on top of the version just read; a newer change would conflict again.
      sendEdit(card, holder, () => ({
        category: payload.category, text: area.value, tags: payload.tags, version: current.version
      }), area);
    }, () => {
      dropDraft("edit-" + id);
      box.remove();
      clearAlert();
      const form = card.querySelector("form.note-edit-form");
      if (form) {
        // Back to the saved note: its text as the form's default, then every field to its default.
        form.querySelector("textarea[name=text]").defaultValue = current.text;
        if (current.category) {
          Array.prototype.forEach.call(form.querySelectorAll("select[name=category] option"), (option) => {
            option.defaultSelected = option.value === current.category;
          });
        }
        form.reset();
        Array.prototype.forEach.call(card.querySelectorAll("input[name=version]"), (input) => { input.value = String(current.version); });
      }
      card.querySelector(".note-text").textContent = current.text;
      const summary = card.querySelector("details.note-edit summary");
      if (summary) { summary.focus(); }
      poll();
    });
    card.appendChild(box);
    writeDraft("edit-" + id, payload);
    showAlert(message || msg("conflict-title"));
    box.querySelector("h3").focus();
  }

  async function submitDelete(form) {
    const card = form.closest(".note-card");
    const id = card.getAttribute("data-note-id");
    const column = card.closest(".note-column");
    const version = parseInt(form.querySelector("input[name=version]").value, 10);
    const state = stateOf(form);
    if (state.busy) { return; }
    state.busy = true;
    const answer = await send(withId(data.apiDelete, id), { version: version });
    state.busy = false;
    if (answer.status !== 200) {
      failed(form, answer, null, null);
      poll();
      return;
    }
    dropDraft("edit-" + id);
    clearAlert();
    card.remove();
    updateCounts();
    if (column) { focusHeading(column); }
    announce(msg("deleted"));
    poll();
  }

  async function submitVote(form) {
    const card = form.closest(".note-card");
    const state = stateOf(form);
    if (state.busy) { return; }
    state.busy = true;
    const answer = await send(withId(data.apiVote, card.getAttribute("data-note-id")), {});
    state.busy = false;
    if (answer.status !== 200) {
      failed(form, answer, null, null);
      return;
    }
    clearAlert();
    applyNote(answer.body.note);
  }

  async function submitModerate(form, submitter) {
    const card = form.closest(".note-card");
    const action = submitter ? submitter.value : "";
    const payload = {
      hide: { hidden: true }, show: { hidden: false },
      highlight: { highlighted: true }, unhighlight: { highlighted: false }
    }[action];
    if (!payload) { return; }
    const answer = await send(withId(data.apiModerate, card.getAttribute("data-note-id")), payload);
    if (answer.status !== 200) {
      failed(form, answer, null, null);
      return;
    }
    clearAlert();
    applyNote(answer.body.note);
    announce(msg("saved"));
  }

  // --- The group summary ---------------------------------------------------------------------------

  async function sendSummary(form, holder, version, field, automatic) {
    // The text is read from `field` at each attempt, so a retry sends what is there then.
    const state = stateOf(holder);
    if (state.busy) { return; }
    stopRetrying(holder, !automatic);
    const text = field.value;
    writeDraft("summary", { text: text, version: version });
    state.busy = true;
    formState(holder, msg("sending"), false);
    const answer = await send(data.summary, { text: text, version: version });
    state.busy = false;
    if (answer.status === 409 && answer.body && answer.body.current) {
      formState(holder, "", false);
      showSummaryConflict(form, text, answer.body.current, answer.body.message);
      return;
    }
    if (answer.status !== 200) {
      failed(holder, answer, () => sendSummary(form, holder, version, field, true), field);
      return;
    }
    stopRetrying(holder, true);
    const summary = answer.body.summary;
    const area = form.querySelector("textarea[name=text]");
    const box = form.parentNode.querySelector(".note-conflict");
    if (box) { box.remove(); }
    area.value = summary.text;
    area.defaultValue = summary.text;
    form.querySelector("input[name=version]").value = String(summary.version);
    dropDraft("summary");
    clearAlert();
    formState(form, msg("saved"), false);
    announce(msg("saved"));
  }

  function showSummaryConflict(form, mine, current, message) {
    const old = form.parentNode.querySelector(".note-conflict");
    if (old) { old.remove(); }
    const box = conflictBox("resume", mine, current.text, (holder, area) => {
      sendSummary(form, holder, current.version, area);
    }, () => {
      dropDraft("summary");
      const area = form.querySelector("textarea[name=text]");
      area.value = current.text;
      area.defaultValue = current.text;
      form.querySelector("input[name=version]").value = String(current.version);
      box.remove();
      clearAlert();
      area.focus();
    });
    form.parentNode.insertBefore(box, form.nextSibling);
    showAlert(message || msg("conflict-title"));
    box.querySelector("h3").focus();
  }

  function ensureStateLine(form) {
    if (!form.querySelector(".note-form-state")) {
      const line = el("p", "note-form-state");
      line.setAttribute("aria-hidden", "true");
      form.appendChild(line);
    }
  }

  function applySummary(summary) {
    const reading = document.getElementById("resume-lecture");
    if (reading) {
      reading.textContent = summary.text || msg("summary-empty");
      return;
    }
    const form = document.querySelector("form.summary-form");
    if (!form) { return; }
    const area = form.querySelector("textarea[name=text]");
    const editing = document.activeElement === area || area.value !== area.defaultValue ||
      form.parentNode.querySelector(".note-conflict");
    if (editing) { return; }  // their save meets a 409 and shows both texts: nothing is overwritten
    area.value = summary.text;
    area.defaultValue = summary.text;
    form.querySelector("input[name=version]").value = String(summary.version);
  }

  // --- Workshop-wide state: writing open, hidden until reveal, round, messages ---------------------

  function notice(id, build) {
    let node = document.getElementById(id);
    if (!build) {
      if (node) { node.remove(); }
      return;
    }
    if (!node) {
      node = el("p", "notice");
      node.id = id;
      const board = document.getElementById("board-messages");
      board.parentNode.insertBefore(node, board);
    }
    node.textContent = "";
    build(node);
  }

  function setWritable(open) {
    if (facilitator) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("form.note-form"), (form) => {
      form.querySelector("textarea[name=text]").readOnly = !open;
      form.querySelector("button[type=submit]").disabled = !open;
    });
    Array.prototype.forEach.call(document.querySelectorAll(".note-actions button, form.summary-form button[type=submit]"), (node) => {
      node.disabled = !open;
    });
  }

  function applyBoard(board, hiddenCount) {
    const wasOpen = writingOpen;
    writingOpen = board.writing_open;
    setWritable(writingOpen);
    notice("phase-notice", board.phase === "closed" ? (node) => { node.textContent = msg("phase-closed"); } : null);
    if (wasOpen !== writingOpen) { announce(writingOpen ? msg("phase-open") : msg("phase-closed")); }
    hiddenMode = board.hidden_until_reveal && !board.revealed && !facilitator;
    updateHidden(hiddenCount);
    const moved = board.current_round !== board.round && !facilitator;
    notice("round-notice", moved ? (node) => {
      node.appendChild(document.createTextNode(msg("round").replace(/\d+/, String(board.current_round)) + " "));
      const link = el("a", null, msg("round-link"));
      link.href = data.current;
      node.appendChild(link);
    } : null);
    if (moved && root.getAttribute("data-round-announced") !== String(board.current_round)) {
      root.setAttribute("data-round-announced", String(board.current_round));
      announce(msg("round").replace(/\d+/, String(board.current_round)));
    }
  }

  function updateHidden(count) {
    notice("reveal-notice", hiddenMode ? (node) => {
      node.textContent = msg("hidden-mode") + (count ? " " + plural("waiting", count) : "");
    } : null);
  }

  function addMessages(messages) {
    const list = document.getElementById("board-messages");
    if (!list || !messages.length) { return; }
    const known = Array.prototype.map.call(list.querySelectorAll("[data-message-id]"), (item) => parseInt(item.getAttribute("data-message-id"), 10));
    const newest = known.length ? Math.max.apply(null, known) : 0;
    let said = "";
    messages.forEach((message) => {
      if (message.id <= newest) { return; }
      const item = el("li", "board-message");
      item.setAttribute("data-message-id", String(message.id));
      item.appendChild(el("strong", null, msg("message")));
      item.appendChild(document.createTextNode(" " + message.text + " "));
      item.appendChild(el("span", "muted", "(" + formatTime(message.created_at) + ")"));
      list.insertBefore(item, list.firstChild);
      said = msg("message") + " " + message.text;
    });
    while (list.children.length > MAX_MESSAGES) { list.removeChild(list.lastChild); }
    if (said) { announce(said); }
  }

  // --- The live feed -------------------------------------------------------------------------------

  function applyFeed(body) {
    if (body.reset) {
      const keep = new Set(body.notes.map((note) => note.id));
      Array.prototype.forEach.call(document.querySelectorAll(".note-list > .note-card"), (card) => {
        if (!keep.has(parseInt(card.getAttribute("data-note-id"), 10))) { removeCard(card); }
      });
    }
    let arrived = 0;
    body.notes.forEach((note) => {
      if (!cardOf(note.id) && !note.mine) { arrived += 1; }
      applyNote(note);
    });
    body.removed.forEach((id) => removeCard(id));
    updateCounts();
    if (body.summary) { applySummary(body.summary); }
    if (body.board) { applyBoard(body.board, body.hidden_count); } else { updateHidden(body.hidden_count); }
    addMessages(body.messages || []);
    cursor = body.cursor;
    root.setAttribute("data-cursor", cursor);
    if (arrived) { announce(plural("new", arrived)); }
  }

  async function fetchFeed() {
    const separator = data.feed.indexOf("?") === -1 ? "?" : "&";
    const response = await fetch(data.feed + separator + "depuis=" + encodeURIComponent(cursor), {
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Accept": "application/json", "If-None-Match": "\"" + cursor + "\"" }
    });
    // Offline, the fetch fails: the next poll tries again; a write in flight has its own alert and retry.
    if (response.status === 200) {
      applyFeed(await response.json());
      if (signedOutShown) { clearAlert(); }
    } else if (response.status === 401) {
      if (!signedOutShown) { signedOut(); }
    }
  }

  function poll() { return feed.now(); }

  // --- Moving a note to another column by dragging it ---------------------------------------------
  // The keyboard route is the edit form's « Catégorie » list; a drop sets that list and sends the
  // edit like « Enregistrer la modification » would (same version check, same conflict view).

  let draggedCard = null;

  function editableCard(node) {
    const card = node && node.closest ? node.closest(".note-card") : null;
    return card && card.querySelector("form.note-edit-form") ? card : null;
  }

  function columnUnder(node) {
    return node && node.closest ? node.closest(".note-column[data-category]") : null;
  }

  function clearDropTargets() {
    Array.prototype.forEach.call(document.querySelectorAll(".note-column.is-drop-target"), (column) => {
      column.classList.remove("is-drop-target");
    });
  }

  function moveToColumn(card, column) {
    const form = card.querySelector("form.note-edit-form");
    const select = form.querySelector("select[name=category]");
    const category = column.getAttribute("data-category");
    if (!select || select.value === category || editIsDirty(card)) { return; }
    select.value = category;
    submitEdit(form);
  }

  function markDraggable(card) {
    // Not while its edit form is open: a draggable parent gets in the way of selecting typed text.
    const details = card.querySelector("details.note-edit");
    card.draggable = Boolean(editableCard(card)) && !(details && details.open);
  }

  document.addEventListener("toggle", (event) => {
    const card = editableCard(event.target);
    if (card) { markDraggable(card); }
  }, true);  // « toggle » does not bubble

  document.addEventListener("dragstart", (event) => {
    const card = editableCard(event.target);
    if (!card || event.target !== card) { return; }
    draggedCard = card;
    card.classList.add("is-dragged");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.querySelector(".note-text").textContent);
  });

  document.addEventListener("dragend", () => {
    if (draggedCard) { draggedCard.classList.remove("is-dragged"); }
    draggedCard = null;
    clearDropTargets();
  });

  document.addEventListener("dragover", (event) => {
    const column = draggedCard && columnUnder(event.target);
    if (!column) { return; }
    event.preventDefault();  // allows the drop here
    clearDropTargets();
    column.classList.add("is-drop-target");
  });

  document.addEventListener("drop", (event) => {
    const column = draggedCard && columnUnder(event.target);
    if (!column) { return; }
    event.preventDefault();
    const card = draggedCard;
    draggedCard = null;
    card.classList.remove("is-dragged");
    clearDropTargets();
    moveToColumn(card, column);
  });

  // --- Restoring drafts after a reload or a new sign-in --------------------------------------------

  function restoreDrafts() {
    let restored = 0;
    draftKinds().forEach((kind) => {
      const draft = readDraft(kind);
      if (!draft) { return; }
      if (kind === "summary") {
        const form = document.querySelector("form.summary-form");
        if (!form || typeof draft.text !== "string") { return; }
        const area = form.querySelector("textarea[name=text]");
        if (area.value === draft.text) { dropDraft(kind); return; }
        area.value = draft.text;
        // The version it was written on: if the summary changed since, saving shows both texts.
        form.querySelector("input[name=version]").value = String(draft.version || 0);
        ensureStateLine(form);
        formState(form, msg("restored"), false);
        restored += 1;
        return;
      }
      if (kind.indexOf("edit-") === 0) {
        const card = cardOf(kind.slice(5));
        const form = card && card.querySelector("form.note-edit-form");
        if (!form) {
          const field = newNoteField(draft.category);
          if (field && draft.text && !field.value.trim()) {
            field.value = draft.text;
            keepNewDraft(field.form);
            showAlert(msg("rescued"));
            restored += 1;
          }
          dropDraft(kind);
          return;
        }
        const area = form.querySelector("textarea[name=text]");
        if (area.value === draft.text) { dropDraft(kind); return; }
        area.value = draft.text;
        form.querySelector("select[name=category]").value = draft.category;
        setTags(form, draft.tags || []);
        Array.prototype.forEach.call(card.querySelectorAll("input[name=version]"), (input) => { input.value = String(draft.version); });
        card.querySelector("details.note-edit").open = true;
        restored += 1;
        return;
      }
      const form = document.querySelector("form.note-form[data-category='" + kind + "']");
      if (!form) { return; }
      const area = form.querySelector("textarea[name=text]");
      if (area.value.trim()) { keepNewDraft(form); return; }  // the server gave back a refused text
      area.value = draft.text || "";
      setTags(form, draft.tags || []);
      formState(form, msg("restored"), false);
      restored += 1;
    });
    if (restored) { announce(msg("restored")); }
  }

  // --- Wiring --------------------------------------------------------------------------------------

  document.addEventListener("submit", (event) => {
    const form = event.target;
    // Already handled: the person answered « Annuler » to a confirmation (app.js runs first).
    if (!form || !form.matches || event.defaultPrevented) { return; }
    let handler = null;
    if (form.matches("form.note-form")) { handler = () => submitNew(form, false); }
    else if (form.matches("form.note-edit-form")) { handler = () => submitEdit(form); }
    else if (form.matches("form.note-delete-form")) { handler = () => submitDelete(form); }
    else if (form.matches("form.note-vote-form")) { handler = () => submitVote(form); }
    else if (form.matches("form.note-moderate-form")) { handler = () => submitModerate(form, event.submitter); }
    else if (form.matches("form.summary-form")) {
      handler = () => {
        ensureStateLine(form);
        const area = form.querySelector("textarea[name=text]");
        sendSummary(form, form, parseInt(form.querySelector("input[name=version]").value, 10), area);
      };
    }
    if (handler) {
      event.preventDefault();
      handler();
    }
  });

  document.addEventListener("input", (event) => {
    const target = event.target;
    if (target.matches && target.matches(".note-conflict textarea")) {
      keepConflictDraft(target);
      return;
    }
    const form = target.form;
    if (!form) { return; }
    if (form.matches("form.note-form")) { keepNewDraft(form); }
    else if (form.matches("form.note-edit-form")) { keepEditDraft(form); }
    else if (form.matches("form.summary-form")) { keepSummaryDraft(form); }
  });

  document.addEventListener("change", (event) => {
    const form = event.target.form;
    if (form && form.matches("form.note-form")) { keepNewDraft(form); }
    else if (form && form.matches("form.note-edit-form")) { keepEditDraft(form); }
  });

  window.addEventListener("online", () => {
    // Back online: every text waiting for a retry is sent at once (same submission ids).
    Array.from(waiting).forEach((holder) => {
      const state = stateOf(holder);
      const retry = state.retry;
      stopRetrying(holder, true);
      if (retry) { retry(); }
    });
    poll();
  });

  Array.prototype.forEach.call(document.querySelectorAll("form.note-form"), ensureStateLine);
  const feed = window.Ateliers.repeat(fetchFeed, POLL_MS);  // the group's changes, every few seconds
  restoreDrafts();
  Array.prototype.forEach.call(document.querySelectorAll(".note-card"), markDraggable);
  const dragHint = document.getElementById("notes-drag-hint");
  if (dragHint && writingOpen) { dragHint.hidden = false; }
  root.setAttribute("data-live", "on");  // the page is enhanced (browser tests wait for it)
})();
