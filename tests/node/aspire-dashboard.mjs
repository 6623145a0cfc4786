// Reads what a person sees in the Aspire dashboard, with Debian's chromium driven by playwright-core, and prints it as
// JSON for tests/Mesh.AppHost.Tests to assert on. It only observes: the test decides what is right, and asks again
// while the dashboard is still catching up.
//
//   node aspire-dashboard.mjs resources <dashboard-url>
//     → {"resources":[{"name":"postgres","state":"Running"},…],"page":""}   the Resources page, every row as shown
//   node aspire-dashboard.mjs trace <dashboard-url> <trace-id>
//     → {"found":true,"spans":[{"indent":0,"resource":"gateway","name":"…"},…],"page":""}
//       the Traces page filtered to that trace id, its row clicked, and the span tree of the trace detail page in
//       display order (indent grows with nesting depth)
//   When the rows do not show within a minute, "page" holds the page's text instead.
import { chromium } from 'playwright-core';

const [command, dashboard, traceId] = process.argv.slice(2);
const chromiumPath = process.env.MESH_CHROMIUM ?? '/usr/bin/chromium';
// Generous: the dashboard is a Blazor app and the machine running the tests is small and busy.
const patience = 60_000;

// What the page says when what was looked for is not on it (yet): the test shows it if it never comes.
async function pageText(page) {
  return (await page.locator('body').innerText({ timeout: patience }).catch(e => `(no text: ${e.message})`)).slice(0, 2000);
}

async function readResources(page) {
  await page.goto(new URL('/', dashboard).href, { timeout: patience });
  try {
    await page.locator('tr.resource-row .resource-name-text').first().waitFor({ timeout: patience });
  } catch {
    return { resources: [], page: await pageText(page) };
  }
  const rows = page.locator('tr.resource-row');
  const resources = [];
  for (let i = 0; i < await rows.count(); i++) {
    const row = rows.nth(i);
    const name = await row.locator('.resource-name-text').first().innerText();
    // The state column's text says "Running" for a running, healthy resource, "Running (Unhealthy)" while a health
    // check fails; a badge after it counts unread error logs.
    const state = await row.locator('.state-column-cell > span').first().innerText();
    resources.push({ name: name.trim(), state: state.trim() });
  }
  return { resources, page: '' };
}

async function readTrace(page) {
  // The Traces view's own filter (Filters → Trace Id equals …), carried in its URL.
  const filter = encodeURIComponent(`trace.traceid:equals:${traceId}`);
  await page.goto(new URL(`/traces?filters=${filter}`, dashboard).href, { timeout: patience });
  const row = page.locator(`td[title*="Trace Id: ${traceId}"]`);
  try {
    await row.first().waitFor({ timeout: patience });
  } catch {
    return { found: false, spans: [], page: await pageText(page) };
  }
  await row.first().click();
  await page.waitForURL(`**/traces/detail/${traceId}**`, { timeout: patience });
  await page.locator('td[col-index="2"] .resource-name').first().waitFor({ timeout: patience });
  const spans = await page.locator('tr.fluent-data-grid-row').evaluateAll(rows => rows.flatMap(row => {
    const resource = row.querySelector('td[col-index="2"] .resource-name');
    const expander = row.querySelector('.main-grid-expand-container');
    const name = row.querySelector('.span-name-container');
    if (!resource || !expander || !name) return [];
    const text = element => element.textContent.replace(/\s+/g, ' ').trim();
    return [{ indent: parseFloat(getComputedStyle(expander).marginLeft) || 0, resource: text(resource), name: text(name) }];
  }));
  return { found: true, spans, page: '' };
}

const browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
try {
  // Tall, so the virtualised grids render every row a test looks for.
  const page = await browser.newPage({ viewport: { width: 1600, height: 4000 } });
  let result;
  if (command === 'resources' && dashboard) result = await readResources(page);
  else if (command === 'trace' && dashboard && traceId) result = await readTrace(page);
  else {
    console.error('usage: aspire-dashboard.mjs resources <dashboard-url> | trace <dashboard-url> <trace-id>');
    process.exitCode = 2;
  }
  if (result) process.stdout.write(JSON.stringify(result) + '\n');
} finally {
  await browser.close();
}
