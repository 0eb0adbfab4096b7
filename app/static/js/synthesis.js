// Synthesis workspace, progressive enhancement only: without this file a note goes into a theme by
// ticking its box and pressing « Regrouper » (a plain form, answered by a redirect). With it:
// - a note (li.synthesis-note[draggable]) dragged onto a theme box (.theme-box) is sent to the same
//   « Regrouper » form with that theme's name and that one note, then the page is reloaded at the
//   theme (the server's confirmation is flashed on the reloaded page);
// - a note dropped on the « Nouveau thème » zone is ticked and the theme-name field gets the focus,
//   so the person only has to type the name and press « Regrouper »;
// - progress and failures are said in the role="status" / role="alert" regions under the form.
// Keyboard users keep the checkboxes and the « Regrouper » button, which this file does not change.
// Every French string comes from the form's data-msg-* attributes (translated by the server); user
// text is only ever inserted with textContent (XS-06).
(function () {
  "use strict";

  var form = document.getElementById("regrouper");
  if (!form || !window.fetch || !window.FormData || !document.querySelector || !window.Ateliers) { return; }
  var token = form.querySelector("input[name=csrf_token]");
  var nameField = document.getElementById("theme-nom");
  var newZone = document.getElementById("depot-nouveau-theme");
  var statusBox = document.getElementById("regroupement-statut");
  var alertBox = document.getElementById("regroupement-alerte");
  if (!token || !nameField || !statusBox || !alertBox) { return; }

  // A type of our own: dropped by mistake into a text field, the note id is not typed into it.
  var NOTE_TYPE = "application/x-ateliers-note";
  var dragged = null;
  var busy = false;

  function msg(name) { return form.getAttribute("data-msg-" + name) || ""; }

  function say(text) {
    alertBox.textContent = "";
    statusBox.textContent = text;
  }

  function fail(text) {
    statusBox.textContent = "";
    alertBox.textContent = "";
    var paragraph = document.createElement("p");
    paragraph.textContent = text;
    alertBox.appendChild(paragraph);
  }

  function closest(node, selector) {
    return node && node.closest ? node.closest(selector) : null;
  }

  function targetOf(event) {
    if (!dragged) { return null; }
    var box = closest(event.target, ".theme-box[data-theme-name]");
    if (box) { return box; }
    return newZone && closest(event.target, "#depot-nouveau-theme") ? newZone : null;
  }

  function sameTheme(box) {
    var current = dragged.getAttribute("data-theme-id");
    return box !== newZone && current !== "" && current === box.getAttribute("data-theme-id");
  }

  function clearTargets() {
    Array.prototype.forEach.call(document.querySelectorAll(".is-drop-target"), function (node) {
      node.classList.remove("is-drop-target");
    });
  }

  // --- Dropped on « Nouveau thème »: tick the note, then the person names the theme ------------------

  function tickForNewTheme(noteId) {
    var boxes = document.querySelectorAll("input[type=checkbox][form=regrouper][value='" + noteId + "']");
    Array.prototype.forEach.call(boxes, function (box) { box.checked = true; });
    nameField.focus();
    say(msg("ticked"));
  }

  // --- Dropped on a theme box: the « Regrouper » form with that name and that one note --------------

  function reloadAt(anchor) {
    // The reloaded page opens where the note was dropped (the browser restores the scroll
    // position, or else scrolls to the theme's fragment): the person sees the note in its theme.
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname + window.location.search + "#" + anchor);
    }
    window.location.reload();
  }

  function refusal(response) {
    // A refused form answers the workspace page with its error summary: show the server's words.
    return response.text().then(function (html) {
      var page = new window.DOMParser().parseFromString(html, "text/html");
      var summary = page.getElementById("resume-erreurs");
      var text = summary ? summary.textContent.replace(/\s+/g, " ").trim() : "";
      fail(text || msg("refused"));
    });
  }

  function groupInto(box, noteId) {
    var name = box.getAttribute("data-theme-name");
    busy = true;
    say(msg("saving"));
    window.Ateliers.postForm(form.getAttribute("action"), { name: name, notes: noteId }, token.value).then(function (answer) {
      if (answer.ok) {
        say(msg("done").replace("__NAME__", name));
        reloadAt(box.id);
        return null;
      }
      busy = false;
      return refusal(answer.response);
    }).catch(function () {
      busy = false;
      fail(navigator.onLine === false ? msg("offline") : msg("refused"));
    });
  }

  // --- Native drag and drop -----------------------------------------------------------------------

  document.addEventListener("dragstart", function (event) {
    var item = closest(event.target, "li.synthesis-note[draggable=true]");
    if (!item || busy) { return; }
    dragged = item;
    item.classList.add("is-dragged");
    document.body.classList.add("synthesis-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData(NOTE_TYPE, item.getAttribute("data-note-id"));
  });

  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("is-dragged"); }
    dragged = null;
    document.body.classList.remove("synthesis-dragging");
    clearTargets();
  });

  document.addEventListener("dragover", function (event) {
    var target = targetOf(event);
    // Not over the note's own theme: the pointer shows that nothing would happen there.
    if (!target || sameTheme(target)) { return; }
    event.preventDefault();  // allows the drop here
    event.dataTransfer.dropEffect = "move";
    target.classList.add("is-drop-target");
  });

  document.addEventListener("dragleave", function (event) {
    var target = targetOf(event);
    if (target && !target.contains(event.relatedTarget)) { target.classList.remove("is-drop-target"); }
  });

  document.addEventListener("drop", function (event) {
    var target = targetOf(event);
    if (!target) { return; }
    event.preventDefault();
    clearTargets();
    var noteId = dragged.getAttribute("data-note-id");
    if (target === newZone) {
      tickForNewTheme(noteId);
    } else if (!busy && !sameTheme(target)) {
      groupInto(target, noteId);
    }
  });

  if (newZone) { newZone.hidden = false; }
})();
