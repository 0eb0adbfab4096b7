// Facilitators' notes dashboard, progressive enhancement: without this file the table is as fresh as
// the last page load. With it the table refreshes itself every few seconds from its JSON (counts per
// category, totals, last activity, the « silent » flag, whether a summary is written) and the state
// of writing and of the reveal. Nothing is announced: figures changing every few seconds would drown
// a screen-reader user; the table is read when they choose to. Strings come from data-msg-*.
(function () {
  "use strict";

  const root = document.getElementById("dashboard-live");
  const table = document.getElementById("dashboard-table");
  if (!root || !window.fetch || !window.Ateliers) { return; }

  const REFRESH_MS = 3000;
  const data = root.dataset;

  function msg(name) { return root.getAttribute("data-msg-" + name) || ""; }

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

  function setText(node, text) {
    if (node && node.textContent !== text) { node.textContent = text; }
  }

  function updateRow(row, group) {
    Array.prototype.forEach.call(row.querySelectorAll("td[data-count]"), (cell) => {
      setText(cell, String(group.counts[cell.getAttribute("data-count")] || 0));
    });
    setText(row.querySelector("td[data-total]"), String(group.total));
    setText(row.querySelector("td[data-last]"), group.last_activity ? formatTime(group.last_activity) : msg("none"));
    setText(row.querySelector("td[data-summary]"), group.summary ? msg("written") : msg("not-yet"));
    row.classList.toggle("row-idle", Boolean(group.idle));
    const header = row.querySelector("th");
    let badge = header.querySelector("[data-idle]");
    if (group.idle && !badge) {
      badge = document.createElement("span");
      badge.className = "badge badge-warn";
      badge.setAttribute("data-idle", "");
      badge.textContent = msg("idle");
      header.appendChild(document.createTextNode(" "));
      header.appendChild(badge);
    } else if (!group.idle && badge) {
      badge.remove();
    }
  }

  function showChanged() {
    // Groups were added or the round moved on: the rows no longer match; offer a reload.
    if (document.getElementById("dashboard-changed")) { return; }
    const line = document.createElement("p");
    line.id = "dashboard-changed";
    line.className = "notice";
    line.textContent = msg("changed") + " ";
    const link = document.createElement("a");
    link.href = window.location.pathname;
    link.textContent = msg("reload");
    line.appendChild(link);
    root.appendChild(line);
  }

  function updateBoard(board) {
    setText(document.getElementById("phase-state"), board.phase === "open" ? msg("open") : msg("closed"));
    let reveal = msg("visible");
    if (board.hidden_until_reveal) { reveal = board.revealed ? msg("revealed") : msg("hidden"); }
    setText(document.getElementById("reveal-state"), reveal);
  }

  function apply(body) {
    updateBoard(body.board);
    const rows = table ? table.querySelectorAll("tbody tr[data-group]") : [];
    const shown = new Set(Array.prototype.map.call(rows, (row) => row.getAttribute("data-group")));
    let changed = String(body.board.current_round) !== data.round || body.groups.length !== shown.size;
    body.groups.forEach((group) => {
      const row = table && table.querySelector("tbody tr[data-group='" + group.group + "']");
      if (row) { updateRow(row, group); } else { changed = true; }
    });
    if (changed) { showChanged(); }
  }

  async function refresh() {
    const response = await fetch(data.url, {
      credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" }
    });
    if (response.ok) { apply(await response.json()); }
  }

  window.Ateliers.repeat(refresh, REFRESH_MS);
  root.setAttribute("data-live", "on");  // the table refreshes itself (browser tests wait for it)
})();
