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

// Action buttons (restart) POST to their data-action and show the outcome on the button.
document.addEventListener("click", async (e) => {
  const button = e.target.closest("button[data-action]");
  if (!button) return;
  button.disabled = true;
  button.textContent = "…";
  try {
    const res = await fetch(button.dataset.action, { method: "POST" });
    button.textContent = res.ok ? "Restarting" : "Failed";
  } catch {
    button.textContent = "Failed";
  }
});

// Console: poll for lines after the last seen one; Pause stops appending; Search filters lines shown.
const consoleEl = document.getElementById("console");
if (consoleEl) {
  let after = 0, paused = false, filter = "";
  const lines = [];
  const search = document.getElementById("console-search");
  const pause = document.getElementById("console-pause");
  const render = () => {
    const shown = filter ? lines.filter((l) => l.toLowerCase().includes(filter)) : lines;
    consoleEl.textContent = shown.join("\n");
    if (!paused) consoleEl.scrollTop = consoleEl.scrollHeight;
  };
  search.addEventListener("input", () => { filter = search.value.toLowerCase(); render(); });
  pause.addEventListener("click", () => { paused = !paused; pause.textContent = paused ? "Resume" : "Pause"; if (!paused) render(); });
  const poll = async () => {
    try {
      const res = await fetch(`${consoleEl.dataset.source}?after=${after}`, { cache: "no-store" });
      if (res.ok) {
        const batch = await res.json();
        for (const line of batch.lines) lines.push(line.text);
        if (lines.length > 5000) lines.splice(0, lines.length - 5000);
        after = batch.last;
        if (!paused && batch.lines.length) render();
      }
    } catch { /* retry on the next tick */ }
    setTimeout(poll, 1000);
  };
  poll();
}
