// Steps of the mixed workload (mixed.yml) that plain YAML cannot say: preparing a pool of signed-in customers with a
// saved card, picking a random show, seat or slot from what the mesh answered, realistic names and idempotency keys.
// Artillery calls these with (context, events) or, after a response, (req, res, context, events).
'use strict';

const crypto = require('node:crypto');

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Tim', 'Margaret', 'Linus'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Perlman', 'Berners-Lee', 'Hamilton', 'Torvalds'];
const pick = (items) => items[Math.floor(Math.random() * items.length)];

// Setup calls retry what a fault makes fail for a while (5xx, no connection) with back-off: the chaos run may kill,
// pause or restart anything while the pool is being prepared. Registering again after a lost answer is a 409: fine.
async function call(base, method, path, body, token, ip, attempts = 8) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (ip) headers['x-forwarded-for'] = ip;
  for (let attempt = 1; ; attempt++) {
    let status = 0, text = '';
    try {
      const response = await fetch(base + path, { method, headers, body: body ? JSON.stringify(body) : undefined, signal: AbortSignal.timeout(30_000) });
      status = response.status;
      text = await response.text();
      if (response.ok) return text ? JSON.parse(text) : {};
      if (status === 409 && attempt > 1) return {};
    } catch (e) {
      text = String(e);
    }
    if ((status !== 0 && status < 500) || attempt >= attempts) throw new Error(`${method} ${path}: ${status} ${text.slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** attempt, 15_000)));
  }
}

// A Visa number of its own that the simulated provider charges (any valid number but its few special test cards):
// people pay with their own cards, and the fraud rules count payments per card.
function ownCard() {
  const digits = [4, ...Array.from({ length: 14 }, () => Math.floor(Math.random() * 10))];
  const sum = digits.reduceRight((acc, d, i) => {
    const double = (digits.length - i) % 2 === 1;   // from the right, before the check digit: every other one doubled
    const v = double ? d * 2 : d;
    return acc + (v > 9 ? v - 9 : v);
  }, 0);
  return [...digits, (10 - (sum % 10)) % 10].join('');
}

// Where a customer calls from: an address of the benchmarking network (198.18.0.0/15, RFC 2544), sent as
// X-Forwarded-For. The edge believes it only when the load is one of its trusted proxies (Gateway:TrustedProxies, as
// the chaos run sets it) — like a load balancer in front of it; otherwise every customer is the load's own address.
const ownAddress = () => `198.18.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;

// One customer: registered, signed in, with a card that pays.
async function newCustomer(base) {
  const first = pick(FIRST), last = pick(LAST);
  const email = `${first}.${last}.${crypto.randomUUID().slice(0, 8)}@load.mesh.test`.toLowerCase();
  const password = `load-${crypto.randomUUID()}`;
  const ip = ownAddress();
  await call(base, 'POST', '/v1/users', { email, password, displayName: `${first} ${last}` }, undefined, ip);
  const session = await call(base, 'POST', '/v1/sessions', { email, password }, undefined, ip);
  const card = await call(base, 'POST', '/v1/payment-methods',
    { cardNumber: ownCard(), expMonth: 12, expYear: new Date().getUTCFullYear() + 3, cvc: '123' }, session.accessToken, ip);
  // Booking news by email, and by SMS for half of them: the chaos run checks each reaches the provider once per channel.
  const sms = Math.random() < 0.5;
  const phone = `+49151${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  await call(base, 'PATCH', `/v1/notification-preferences?updateMask=email,${sms ? 'phone,' : ''}categories`,
    { email, ...(sms ? { phone } : {}), categories: [{ category: 'bookings', email: true, sms }] }, session.accessToken, ip);
  return { email, password, ip, token: session.accessToken, paymentMethodId: card.id };
}

// before: a pool of customers (signing up costs a password hash each; the scenarios sign in rarely, as people do),
// the cities, and — when MESH_LOAD_ADMIN_EMAIL/PASSWORD name an admin — a coupon with a small limit, so limits are
// reached under load, and a support agent token.
async function preparePool(context, events) {
  const base = context.vars.target;
  const size = Number(process.env.MESH_LOAD_POOL || 20);
  const pool = [];
  // Five sign-ups at a time: each costs two password hashes, and a cold mesh answers the first ones slowly.
  for (let i = 0; i < size; i += 5)
    pool.push(...await Promise.all(Array.from({ length: Math.min(5, size - i) }, () => newCustomer(base))));
  context.vars.pool = pool;
  const cities = await call(base, 'GET', '/v1/cities');
  context.vars.cities = cities.cities.map((c) => c.id);
  context.vars.coupon = '';
  const adminEmail = process.env.MESH_LOAD_ADMIN_EMAIL, adminPassword = process.env.MESH_LOAD_ADMIN_PASSWORD;
  if (adminEmail && adminPassword) {
    await call(base, 'POST', '/v1/users', { email: adminEmail, password: adminPassword, displayName: 'Load Admin' }).catch(() => {});
    const admin = await call(base, 'POST', '/v1/sessions', { email: adminEmail, password: adminPassword });
    const code = `LOAD${crypto.randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;
    const now = new Date();
    await call(base, 'POST', '/v1/coupons', {
      code, kind: 'PERCENT', percentOff: 10, currency: 'EUR', maxDiscountMinor: 500,
      startTime: new Date(now.getTime() - 60_000).toISOString(), endTime: new Date(now.getTime() + 7 * 86_400_000).toISOString(),
      totalLimit: Number(process.env.MESH_LOAD_COUPON_LIMIT || 50), perUserLimit: 3,
    }, admin.accessToken);
    context.vars.coupon = code;
  }
  events.emit('counter', 'mesh.pool.customers', pool.length);
  // The chaos run injects its faults once the workload itself runs: it waits for this file.
  if (process.env.MESH_LOAD_READY_FILE) require('node:fs').writeFileSync(process.env.MESH_LOAD_READY_FILE, new Date().toISOString());
}

// A customer from the pool for this virtual user, and the city they browse.
async function beCustomer(context) {
  const customer = pick(context.vars.pool);
  context.vars.token = customer.token;
  context.vars.email = customer.email;
  context.vars.password = customer.password;
  context.vars.paymentMethodId = customer.paymentMethodId;
  context.vars.ip = customer.ip;
  context.vars.city = pick(context.vars.cities);
  context.vars.key = crypto.randomUUID();
  // One in four bookings is then cancelled (mixed.yml's ifTrue cannot draw random numbers itself);
  // MESH_LOAD_CANCEL_SHARE changes the share (the chaos suite's planted-fault run cancels every booking).
  context.vars.cancels = Math.random() < Number(process.env.MESH_LOAD_CANCEL_SHARE ?? 0.25);
  // An order's amount, the same in its retry (a retry with another body under the same key is refused, as it should be).
  context.vars.amount = 100 + Math.floor(Math.random() * 8900);
}

async function chooseShow(req, res, context) {
  const shows = safeJson(res.body).shows || [];
  context.vars.showId = shows.length ? pick(shows).id : '';
}

// Up to two adjacent-in-list free seats; none free → the scenario's ifTrue skips the hold.
async function chooseSeats(req, res, context) {
  const free = (safeJson(res.body).seats || []).filter((s) => s.status === 'AVAILABLE');
  if (free.length === 0) { context.vars.seatIds = ''; return; }
  const start = Math.floor(Math.random() * free.length);
  context.vars.seatIds = free.slice(start, start + 1 + Math.floor(Math.random() * 2)).map((s) => s.id);
}

async function chooseService(req, res, context) {
  const services = safeJson(res.body).services || [];
  context.vars.serviceId = services.length ? pick(services).id : '';
  // A weekday a few days ahead: the demo services open Monday to Saturday.
  const day = new Date(Date.now() + (2 + Math.floor(Math.random() * 5)) * 86_400_000);
  if (day.getUTCDay() === 0) day.setUTCDate(day.getUTCDate() + 1);
  context.vars.day = day.toISOString().slice(0, 10);
}

async function chooseSlot(req, res, context) {
  const open = (safeJson(res.body).slots || []).filter((s) => s.available >= 1);
  context.vars.slotStart = open.length ? pick(open).startTime : '';
}

async function newKey(context) {
  context.vars.key = crypto.randomUUID();
}

function safeJson(body) {
  try { return typeof body === 'string' ? JSON.parse(body) : body || {}; } catch { return {}; }
}

// The batch an app sends after a visit: the city's search, the show viewed and clicked (POST /v1/analytics/events).
function visitEvents(requestParams, context, events, next) {
  const now = new Date().toISOString();
  const batch = [{ id: crypto.randomUUID(), type: 'search', time: now, cityId: context.vars.city, attributes: { query: context.vars.city } }];
  if (context.vars.showId) {
    batch.push({ id: crypto.randomUUID(), type: 'view', time: now, item: `shows/${context.vars.showId}`, cityId: context.vars.city });
    batch.push({ id: crypto.randomUUID(), type: 'click', time: now, item: `shows/${context.vars.showId}`, cityId: context.vars.city });
  }
  requestParams.json = { events: batch };
  return next();
}

// Every request of a virtual user comes from its customer's address (see ownAddress).
function fromCustomerAddress(requestParams, context, events, next) {
  if (context.vars.ip) requestParams.headers = { ...(requestParams.headers ?? {}), 'x-forwarded-for': context.vars.ip };
  return next();
}

module.exports = { preparePool, beCustomer, fromCustomerAddress, visitEvents, chooseShow, chooseSeats, chooseService, chooseSlot, newKey };
