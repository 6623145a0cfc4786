// Reads Artillery's JSON report and writes what a person compares runs by: per endpoint the requests, throughput,
// p50/p95/p99 and errors (5xx and transport errors; 4xx are answers, counted apart), as <report>.summary.json and as a
// self-contained <report>.html (Artillery 2 no longer renders HTML reports itself), and prints it as a table.
// Usage: node summarize.mjs <artillery-report.json>
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2];
const report = JSON.parse(readFileSync(file, 'utf8'));
const aggregate = report.aggregate;
const seconds = Math.max(1, (aggregate.lastMetricAt - aggregate.firstMetricAt) / 1000);
const prefix = 'plugins.metrics-by-endpoint.';
const endpoints = new Map();
const entry = (name) => endpoints.get(name) ?? endpoints.set(name, { endpoint: name, requests: 0, codes: {}, errors: 0, client4xx: 0 }).get(name);

for (const [key, value] of Object.entries(aggregate.counters ?? {})) {
  if (!key.startsWith(prefix)) continue;
  const rest = key.slice(prefix.length);
  const codes = rest.match(/^(.*)\.codes\.(\d{3})$/);
  const errors = rest.match(/^(.*)\.errors\.(.+)$/);
  if (codes) {
    const e = entry(codes[1]);
    e.codes[codes[2]] = value;
    e.requests += value;
    if (codes[2] >= '500') e.errors += value; else if (codes[2] >= '400') e.client4xx += value;
  } else if (errors) {
    const e = entry(errors[1]);
    e.codes[errors[2]] = value;
    e.errors += value;
  }
}
for (const [key, s] of Object.entries(aggregate.summaries ?? {})) {
  if (!key.startsWith(prefix + 'response_time.')) continue;
  const e = entry(key.slice((prefix + 'response_time.').length));
  Object.assign(e, { p50: s.median ?? s.p50, p95: s.p95, p99: s.p99, max: s.max });
}
for (const e of endpoints.values()) e.rps = +(e.requests / seconds).toFixed(2);

const total = aggregate.summaries?.['http.response_time'] ?? {};
const summary = {
  seconds: Math.round(seconds),
  requests: aggregate.counters?.['http.requests'] ?? 0,
  rps: +((aggregate.counters?.['http.requests'] ?? 0) / seconds).toFixed(2),
  p50: total.median, p95: total.p95, p99: total.p99,
  errors: [...endpoints.values()].reduce((n, e) => n + e.errors, 0),
  vusers: { created: aggregate.counters?.['vusers.created'] ?? 0, failed: aggregate.counters?.['vusers.failed'] ?? 0 },
  endpoints: [...endpoints.values()].sort((a, b) => b.requests - a.requests),
};
const base = file.replace(/\.json$/, '');
writeFileSync(base + '.summary.json', JSON.stringify(summary, null, 2));

const escape = (v) => String(v ?? '-').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const rows = summary.endpoints.map((e) => `<tr><td>${escape(e.endpoint)}</td>${[e.requests, e.rps, e.p50, e.p95, e.p99, e.client4xx, e.errors]
  .map((v) => `<td class="n">${escape(v)}</td>`).join('')}<td>${escape(Object.entries(e.codes).map(([k, v]) => `${k}: ${v}`).join(', '))}</td></tr>`).join('\n');
writeFileSync(base + '.html', `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Mesh load ${escape(file)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f4f4f4}</style></head><body>
<h1>Mesh mixed workload</h1><p>${escape(file)}</p>
<p>${summary.requests} requests in ${summary.seconds} s = ${summary.rps} req/s; p50 ${escape(summary.p50)} ms, p95 ${escape(summary.p95)} ms,
p99 ${escape(summary.p99)} ms; ${summary.errors} errors (5xx or transport); virtual users ${summary.vusers.created} (${summary.vusers.failed} failed).</p>
<table><tr><th>endpoint</th><th>requests</th><th>req/s</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>4xx</th><th>errors</th><th>codes</th></tr>
${rows}</table></body></html>\n`);

const pad = (v, n) => String(v ?? '-').padStart(n);
console.log(`${summary.requests} requests in ${summary.seconds} s = ${summary.rps} req/s; p50 ${summary.p50} ms, p95 ${summary.p95} ms, p99 ${summary.p99} ms; ${summary.errors} errors (5xx or transport)`);
console.log(`${'endpoint'.padEnd(44)}${pad('reqs', 8)}${pad('req/s', 8)}${pad('p50', 7)}${pad('p95', 7)}${pad('p99', 7)}${pad('4xx', 6)}${pad('errors', 8)}`);
for (const e of summary.endpoints)
  console.log(`${e.endpoint.slice(0, 43).padEnd(44)}${pad(e.requests, 8)}${pad(e.rps, 8)}${pad(e.p50, 7)}${pad(e.p95, 7)}${pad(e.p99, 7)}${pad(e.client4xx, 6)}${pad(e.errors, 8)}`);
