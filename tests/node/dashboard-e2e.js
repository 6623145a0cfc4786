// Drives Debian's chromium (never a downloaded browser) through the dashboard with playwright-core.
// Usage: node dashboard-e2e.js '<json>' with { base, traceId, consoleResource, consolePrintUrl, marker, restartResource,
// stopResource, shots }. Prints one JSON object with what it saw; the C# test asserts on it (and on the processes).
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { chromium } = require("playwright-core");

async function main() {
  const a = JSON.parse(process.argv[2]);
  fs.mkdirSync(a.shots, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-dashboard-chromium-"));
  // A new empty profile directory per run (playwright passes it to chromium as --user-data-dir).
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  const result = {};
  const shot = (page, name) => page.screenshot({ path: path.join(a.shots, `${name}.png`), fullPage: true });
  const row = (name) => `#resources tr[data-resource="${name}"]`;
  const waitRow = (page, name, predicate, timeout) =>
    page.waitForFunction(([sel, body]) => {
      const r = document.querySelector(sel);
      return r && new Function("row", `return (${body})`)(r);
    }, [row(name), predicate], { timeout });
  const click = async (page, name, verb) => {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/api/resources/${name}/${verb}`)),
      page.click(`${row(name)} button.${verb}`),
    ]);
    return response.status();
  };
  try {
    const page = browser.pages()[0] || await browser.newPage();
    page.setDefaultTimeout(30000);

    await page.goto(`${a.base}/resources`);
    await page.waitForSelector("#resources tbody tr");
    result.resources = await page.$$eval("#resources tbody tr", (rows) => rows.map((r) => r.dataset.resource));
    await shot(page, "resources");

    await page.goto(`${a.base}/traces`);
    result.traceListed = (await page.$(`#traces tr[data-trace="${a.traceId}"]`)) !== null;
    await shot(page, "traces");
    if (result.traceListed) {
      await page.click(`#traces tr[data-trace="${a.traceId}"] a`);
      await page.waitForSelector("#waterfall .span-row");
      result.waterfallServices = [...new Set(await page.$$eval("#waterfall .span-row", (rows) => rows.map((r) => r.dataset.service)))];
      result.waterfallLabels = await page.$$eval("#waterfall .span-label", (labels) => labels.map((l) => l.textContent));
      await shot(page, "trace");
    }

    // Console: the start-up line is there; a line the service prints after the page opened arrives without a reload.
    await page.goto(`${a.base}/console/${encodeURIComponent(a.consoleResource)}`);
    await page.waitForFunction(() => document.getElementById("console").textContent.length > 0);
    result.console = await page.textContent("#console");
    const printed = await fetch(`${a.consolePrintUrl}?line=${encodeURIComponent(a.marker)}`, { method: "POST" });
    result.printStatus = printed.status;
    await page.waitForFunction((m) => document.getElementById("console").textContent.includes(m), a.marker);
    result.consoleLive = await page.textContent("#console");
    await page.fill("#console-search", "started");
    result.consoleFiltered = await page.textContent("#console");
    await shot(page, "console");
    // Pause: a new line is received but not shown; Resume shows it.
    await page.fill("#console-search", "");
    await page.click("#console-pause");
    const pausedLine = `${a.marker} while paused`;
    await fetch(`${a.consolePrintUrl}?line=${encodeURIComponent(pausedLine)}`, { method: "POST" });
    // Its sequence number from the host's own log, then wait until the page has received that far.
    let seq = 0;
    for (const until = Date.now() + 30000; seq === 0 && Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
      const kept = await (await fetch(`${a.base}/api/console/${encodeURIComponent(a.consoleResource)}`)).json();
      seq = (kept.lines.find((l) => l.text.includes(pausedLine)) || { seq: 0 }).seq;
    }
    await page.waitForFunction((n) => Number(document.getElementById("console").dataset.lastId || 0) >= n, seq);
    result.consolePaused = await page.textContent("#console");
    await page.click("#console-pause");
    await page.waitForFunction((m) => document.getElementById("console").textContent.includes(m), pausedLine);
    result.consoleResumed = await page.textContent("#console");

    await page.goto(`${a.base}/logs`);
    await shot(page, "logs");
    // Histograms arrive with the next metric export (every second under the app host): reload until they are there.
    const deadline = Date.now() + 30000;
    for (;;) {
      await page.goto(`${a.base}/metrics`);
      result.histogramRows = await page.$$eval("#histograms tbody tr", (rows) => rows.map((r) => r.textContent));
      if (result.histogramRows.length > 0 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    result.metricsCharts = await page.$$eval("figure.chart svg", (charts) => charts.length);
    result.metricsSource = await page.textContent("#metrics-source");
    await shot(page, "metrics");

    await page.goto(`${a.base}/resources`);
    // Stop one replica: Exited, no pid — and it stays so (no automatic restart) until started again.
    result.pidBeforeStop = Number(await page.getAttribute(row(a.stopResource), "data-pid"));
    result.stopStatus = await click(page, a.stopResource, "stop");
    await waitRow(page, a.stopResource, 'row.dataset.state === "Exited" && row.dataset.pid === ""', 60000);
    await shot(page, "resources-stopped");

    // Restart another: a new process, back to running, counted (the supervisor waits 1 s, then for /health).
    result.pidBeforeRestart = Number(await page.getAttribute(row(a.restartResource), "data-pid"));
    result.restartStatus = await click(page, a.restartResource, "restart");
    await waitRow(page, a.restartResource, 'row.dataset.state === "Running" && Number(row.querySelector("td.num").textContent) >= 1', 90000);
    result.pidAfterRestart = Number(await page.getAttribute(row(a.restartResource), "data-pid"));
    // Longer than the supervisor's first back-off has passed since the stop: the stopped one is still down.
    result.stateOfStoppedAfterRestart = await page.getAttribute(row(a.stopResource), "data-state");

    result.startStatus = await click(page, a.stopResource, "start");
    await waitRow(page, a.stopResource, 'row.dataset.state === "Running" && row.dataset.pid !== ""', 90000);
    result.pidAfterStart = Number(await page.getAttribute(row(a.stopResource), "data-pid"));
    await shot(page, "resources-after-actions");
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
