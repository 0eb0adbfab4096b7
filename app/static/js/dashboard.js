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

  function zoneParts(date) {
    // Day, month, year, hour and minute in the workshop's time zone (Europe/Paris).
    const parts = {};
    new Intl.DateTimeFormat("en-GB", {
      day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", hour12: false,
      timeZone: data.timezone || undefined
    }).formatToParts(date).forEach((part) => { parts[part.type] = part.value; });
    return parts;
  }

  function formatTime(iso) {
    // The server sends UTC; shown in the workshop's time zone like the page does: « à 1 h 58 » today,
    // « 18/12/2026 à 1 h 58 » another day (a bare « 1 h 58 » would read like a duration).
    const date = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : iso + "Z");
    if (isNaN(date.getTime())) { return ""; }
    const parts = zoneParts(date);
    const today = zoneParts(new Date());
    const hour = String(parseInt(parts.hour, 10) % 24);
    const time = msg("time").replace("__H__", hour).replace("__M__", parts.minute);
    const day = parts.day + "/" + parts.month + "/" + parts.year;
    if (day === today.day + "/" + today.month + "/" + today.year) {
      return msg("today-at").replace("__TIME__", time);
    }
    return msg("date-at").replace("__DATE__", day).replace("__TIME__", time);
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

  // The page is rendered with the date in full; say « à 1 h 58 » at once when it is today.
  Array.prototype.forEach.call(document.querySelectorAll("td[data-last][data-at]"), (cell) => {
    setText(cell, formatTime(cell.getAttribute("data-at")) || cell.textContent);
  });

  window.Ateliers.repeat(refresh, REFRESH_MS);
  root.setAttribute("data-live", "on");  // the table refreshes itself (browser tests wait for it)
})();
