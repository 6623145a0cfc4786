// The dashboard's only script: live refresh of fragments, resource actions, console follow/pause/search.
"use strict";

// Any element with data-refresh is replaced by a fresh server rendering every data-interval ms.
for (const el of document.querySelectorAll("[data-refresh]")) {
  const interval = Number(el.dataset.interval || 2000);
  setInterval(async () => {
    try {
      const res = await fetch(el.dataset.refresh, { cache: "no-store" });
      if (res.ok) el.innerHTML = await res.text();
    } catch { /* the host is stopping; keep the last view */ }
  }, interval);
}

// Action buttons (start/stop/restart) POST to their data-action, show the outcome, then refresh the live table at once.
document.addEventListener("click", async (e) => {
  const button = e.target.closest("button[data-action]");
  if (!button) return;
  button.disabled = true;
  button.textContent = "…";
  try {
    const res = await fetch(button.dataset.action, { method: "POST" });
    button.textContent = res.ok ? "Done" : "Failed";
  } catch {
    button.textContent = "Failed";
  }
  const live = button.closest("[data-refresh]");
  if (live) {
    try {
      const res = await fetch(live.dataset.refresh, { cache: "no-store" });
      if (res.ok) live.innerHTML = await res.text();
    } catch { /* the periodic refresh catches up */ }
  }
});

// Console: follow the resource's lines as Server-Sent Events (each line arrives as it is written; the browser
// reconnects by itself and resumes after the last event id). Pause stops rendering, not receiving; Search filters
// what is shown. The page keeps the last 10 000 lines; the host keeps the session's lines (bounded) for a reload.
const consoleEl = document.getElementById("console");
if (consoleEl) {
  const MAX_LINES = 10000;
  let paused = false, filter = "", pending = false;
  const lines = [];
  const search = document.getElementById("console-search");
  const pause = document.getElementById("console-pause");
  const status = document.getElementById("console-status");
  const render = () => {
    pending = false;
    const shown = filter ? lines.filter((l) => l.toLowerCase().includes(filter)) : lines;
    consoleEl.textContent = shown.join("\n");
    if (!paused) consoleEl.scrollTop = consoleEl.scrollHeight;
  };
  // Many lines in one burst render once per frame, not once per line.
  const schedule = () => { if (!pending && !paused) { pending = true; requestAnimationFrame(render); } };
  search.addEventListener("input", () => { filter = search.value.toLowerCase(); render(); });
  pause.addEventListener("click", () => { paused = !paused; pause.textContent = paused ? "Resume" : "Pause"; if (!paused) render(); });
  const source = new EventSource(consoleEl.dataset.stream);
  source.onopen = () => { status.textContent = "live"; };
  source.onerror = () => { status.textContent = "disconnected — reconnecting…"; };
  source.onmessage = (e) => {
    consoleEl.dataset.lastId = e.lastEventId; // the sequence number of the last line received, shown or not (paused)
    lines.push(e.data);
    if (lines.length > MAX_LINES) lines.splice(0, lines.length - MAX_LINES);
    schedule();
  };
}
