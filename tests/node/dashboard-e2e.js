// Drives Debian's chromium (never a downloaded browser) through the dashboard with playwright-core.
// Usage: node dashboard-e2e.js <dashboard-url> <trace-id> <console-resource> <restart-resource> <screenshot-dir>
// Prints one JSON object with what it saw; the C# test asserts on it (and on the restarted process).
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { chromium } = require("playwright-core");

async function main() {
  const [base, traceId, consoleResource, restartResource, shots] = process.argv.slice(2);
  fs.mkdirSync(shots, { recursive: true });
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
  try {
    const page = browser.pages()[0] || await browser.newPage();
    page.setDefaultTimeout(30000);

    await page.goto(`${base}/resources`);
    await page.waitForSelector("#resources tbody tr");
    result.resources = await page.$$eval("#resources tbody tr", (rows) => rows.map((r) => r.dataset.resource));
    await page.screenshot({ path: path.join(shots, "resources.png"), fullPage: true });

    await page.goto(`${base}/traces`);
    result.traceListed = (await page.$(`#traces tr[data-trace="${traceId}"]`)) !== null;
    await page.screenshot({ path: path.join(shots, "traces.png"), fullPage: true });
    if (result.traceListed) {
      await page.click(`#traces tr[data-trace="${traceId}"] a`);
      await page.waitForSelector("#waterfall .span-row");
      result.waterfallServices = [...new Set(await page.$$eval("#waterfall .span-row", (rows) => rows.map((r) => r.dataset.service)))];
      await page.screenshot({ path: path.join(shots, "trace.png"), fullPage: true });
    }

    await page.goto(`${base}/console/${encodeURIComponent(consoleResource)}`);
    await page.waitForFunction(() => document.getElementById("console").textContent.length > 0);
    result.console = await page.textContent("#console");
    await page.fill("#console-search", "started");
    result.consoleFiltered = await page.textContent("#console");
    await page.screenshot({ path: path.join(shots, "console.png"), fullPage: true });

    await page.goto(`${base}/logs`);
    await page.screenshot({ path: path.join(shots, "logs.png"), fullPage: true });
    await page.goto(`${base}/metrics`);
    result.metricsCharts = await page.$$eval("figure.chart svg", (charts) => charts.length);
    await page.screenshot({ path: path.join(shots, "metrics.png"), fullPage: true });

    await page.goto(`${base}/resources`);
    const button = `#resources tr[data-resource="${restartResource}"] button.restart`;
    result.pidBeforeRestart = Number(await page.getAttribute(`#resources tr[data-resource="${restartResource}"]`, "data-pid"));
    const [response] = await Promise.all([page.waitForResponse((r) => r.url().endsWith("/restart")), page.click(button)]);
    result.restartStatus = response.status();
    // The live table shows the replica back up with one restart (the supervisor waits 1 s, then for /health).
    await page.waitForFunction((name) => {
      const row = document.querySelector(`#resources tr[data-resource="${name}"]`);
      return row && row.dataset.state === "Running" && Number(row.querySelector("td.num").textContent) >= 1;
    }, restartResource, { timeout: 90000 });
    result.pidAfterRestart = Number(await page.getAttribute(`#resources tr[data-resource="${restartResource}"]`, "data-pid"));
    await page.screenshot({ path: path.join(shots, "resources-after-restart.png"), fullPage: true });
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
