// Peer groups page, progressive enhancement only: without this file every action still works
// (the forms post and the page comes back).
// 1. Forms that run the grouping engine say, in a role="status" region, that the computation is
//    under way and how long it may take, and their buttons are disabled against double sending.
// 2. People can be dragged from one group card to another (native HTML5 drag and drop); the drop
//    posts the same form as the « Déplacer vers » control, then reloads the page (PRG).
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.getAttribute || !form.hasAttribute("data-busy") || event.defaultPrevented) { return; }
    var status = form.querySelector("[data-busy-status]");
    var text = form.getAttribute("data-busy");
    // The generation form says how long the engine may take with the time just typed.
    var limit = form.elements.namedItem("time_limit_s");
    var seconds = limit ? parseInt(limit.value, 10) : NaN;
    if (seconds >= 1 && seconds <= 10 && form.hasAttribute("data-busy-many")) {
      text = seconds === 1 ? form.getAttribute("data-busy-one")
        : form.getAttribute("data-busy-many").replace("__N__", String(seconds));
    }
    if (status) { status.textContent = text; }
    // Disable after the submission has been built, so the request is unchanged.
    window.setTimeout(function () {
      var buttons = form.querySelectorAll("button");
      for (var i = 0; i < buttons.length; i += 1) {
        buttons[i].disabled = true;
        buttons[i].setAttribute("aria-disabled", "true");
      }
    }, 0);
  });

  var token = document.querySelector("input[name=csrf_token]");
  var lists = document.querySelectorAll(".group-cards[data-move-url]");
  if (!token || !lists.length || !window.fetch || !window.FormData || !window.Ateliers) { return; }

  function announce(list, text) {
    var section = list.closest("section");
    var status = document.getElementById("deplacement-statut");
    if (!status) {
      status = document.createElement("p");
      status.id = "deplacement-statut";
      status.setAttribute("role", "status");
      status.className = "busy-status";
      section.insertBefore(status, list);
    }
    status.textContent = text;
  }

  Array.prototype.forEach.call(lists, function (list) {
    var dragged = null;

    list.addEventListener("dragstart", function (event) {
      var item = event.target.closest && event.target.closest("li.member[draggable=true]");
      if (!item) { return; }
      dragged = item;
      item.classList.add("is-dragged");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.getAttribute("data-member-id"));
    });

    list.addEventListener("dragend", function () {
      if (dragged) { dragged.classList.remove("is-dragged"); }
      dragged = null;
      Array.prototype.forEach.call(list.querySelectorAll(".is-drop-target"), function (card) {
        card.classList.remove("is-drop-target");
      });
    });

    list.addEventListener("dragover", function (event) {
      var card = event.target.closest && event.target.closest("li.group-card");
      if (!dragged || !card || card.classList.contains("is-locked") || card.contains(dragged)) { return; }
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      card.classList.add("is-drop-target");
    });

    list.addEventListener("dragleave", function (event) {
      var card = event.target.closest && event.target.closest("li.group-card");
      if (card && !card.contains(event.relatedTarget)) { card.classList.remove("is-drop-target"); }
    });

    list.addEventListener("drop", function (event) {
      var card = event.target.closest && event.target.closest("li.group-card");
      if (!dragged || !card || card.contains(dragged)) { return; }
      event.preventDefault();
      var fields = {
        member_id: dragged.getAttribute("data-member-id"),
        group_id: card.getAttribute("data-group-id"),
        version: list.getAttribute("data-version")
      };
      announce(list, list.getAttribute("data-saving") || "…");
      window.Ateliers.postForm(list.getAttribute("data-move-url"), fields, token.value).then(function (answer) {
        if (answer.ok) {
          window.location.reload();
          return;
        }
        announce(list, list.getAttribute("data-refused") || String(answer.response.status));
      }).catch(function () {
        announce(list, list.getAttribute("data-refused") || "!");
      });
    });
  });
})();
