/* The phone's service worker. It keeps 今日送水 and 本周 for the hills, and the villages a worker takes along (their
   households, facilities and forms); it queues a delivery tapped, and a field form (报修, 恢复正常, 报告问题, 入户排查,
   整改进展) sent, without signal (Workbox's background-sync queue, in IndexedDB) until it can be sent: each once, with
   its own Idempotency-Key, so that a retry is a replay. An answer that cannot succeed is kept, in Chinese, until the
   worker dismisses it. */
importScripts({% for name in workbox %}{{ static_url(name)|tojson }}{{ ", " if not loop.last }}{% endfor %});

const RELEASE = {{ version|tojson }};
const ASSETS = [{% for name in assets %}{{ static_url(name)|tojson }}, {% endfor %}"/offline"];
const ASSET_CACHE = "assets-" + RELEASE;
const PAGE_CACHE = "pages";
const KEPT_PAGES = /^\/deliveries\/(today|week)$/;
// The forms that wait on the phone, by their address: what kind of report each is, and of which record.
const QUEUED = [
  [/^\/deliveries\/(\d+)\/complete$/, "delivery"],
  [/^\/facilities\/(\d+)\/status$/, "facility_status"],
  [/^\/households\/(\d+)\/problems$/, "problem"],
  [/^\/households\/(\d+)\/visit$/, "visit"],
  [/^\/cases\/(\d+)\/progress$/, "progress"],
];
// Villages taken along: their pages, each village in a cache of its own, at most this many (the oldest goes).
const VILLAGE_CACHE = "village-";
const VILLAGES_KEPT = 3;
// A village's pages older than this are fetched again when there is signal.
const VILLAGE_STALE_MS = 60 * 60 * 1000;
const META = "meta";
// A kept page older than this is of no use in the hills, and it holds people's names and phone numbers.
const PAGE_DAYS = 3;
// A page kept this recently is not fetched again just to keep it (a weak signal has little to spare).
const FRESH_MS = 10 * 60 * 1000;
// A send may take this long, plus a second per 5 KB of its body (a photo on a 2G signal).
const SEND_TIMEOUT_MS = 20000;
const BYTES_PER_MS = 5;

const {registerRoute, setCatchHandler} = workbox.routing;
const {CacheFirst, NetworkFirst, NetworkOnly} = workbox.strategies;
const {ExpirationPlugin} = workbox.expiration;
const {Queue} = workbox.backgroundSync;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(ASSET_CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  const old = (name) => name.startsWith("assets-") && name !== ASSET_CACHE;
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter(old).map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

/* Pages: from the server when it answers, from the phone when it does not (marked, so the page says so). */

const keptPage = {
  // Only the page itself: never a login form that a expired session was redirected to.
  cacheWillUpdate: async ({response}) => (response.status === 200 && !response.redirected ? response : null),
  cachedResponseWillBeUsed: async ({cachedResponse}) => cachedResponse && fromPhone(cachedResponse),
};

async function fromPhone(response) {
  const page = (await response.text()).replace('data-source="server"', 'data-source="phone"');
  return new Response(page, {status: response.status, statusText: response.statusText, headers: response.headers});
}

const pages = new NetworkFirst({
  cacheName: PAGE_CACHE,
  networkTimeoutSeconds: 8,
  plugins: [keptPage, new ExpirationPlugin({maxAgeSeconds: PAGE_DAYS * 24 * 3600, maxEntries: 20})],
});

const sameSite = (url) => url.origin === self.location.origin;
registerRoute(({request, url}) => request.mode === "navigate" && sameSite(url) && KEPT_PAGES.test(url.pathname),
  pages);
// A kept page may name an older release's files (?v=…): the current ones stand in for them.
registerRoute(({url}) => sameSite(url) && url.pathname.startsWith("/static/"),
  new CacheFirst({cacheName: ASSET_CACHE, matchOptions: {ignoreSearch: true}}));
// Any other page: from the server; without signal, from a village taken along (marked as the phone's copy), or the
// Chinese page that says it was not kept (never the browser's own).
async function villagePage(request) {
  for (const name of await caches.keys()) {
    if (name.startsWith(VILLAGE_CACHE)) {
      const kept = await (await caches.open(name)).match(request);
      if (kept) {
        return fromPhone(await unpacked(kept));
      }
    }
  }
  return null;
}

// A village's pages are kept gzipped (a page of names and forms is a fifth of its size so): three villages of
// seventy households each fit in well under 2 MB of the phone's storage.
async function packed(response) {
  const headers = new Headers(response.headers);
  headers.set("X-Kept", "gzip");
  const body = await new Response(response.body.pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
  return new Response(body, {status: response.status, statusText: response.statusText, headers});
}

async function unpacked(response) {
  if (response.headers.get("X-Kept") !== "gzip") {
    return response;
  }
  const body = await new Response(response.body.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
  return new Response(body, {status: response.status, statusText: response.statusText, headers: response.headers});
}
registerRoute(({request, url}) => request.mode === "navigate" && sameSite(url), async ({request}) => {
  try {
    return await fetch(request, {signal: AbortSignal.timeout(8000)});
  } catch (error) {
    const kept = await villagePage(request);
    if (kept) {
      return kept;
    }
    throw error;
  }
});
// A plain form posted without signal (a logout, a form that does not wait on the phone): the Chinese page too.
registerRoute(({request, url}) => request.mode === "navigate" && sameSite(url),
  ({request}) => fetch(request), "POST");
setCatchHandler(async ({request}) => (request.mode === "navigate" &&
  await caches.match("/offline", {cacheName: ASSET_CACHE})) || Response.error());

/* What the worker remembers beside its caches: the villages taken along, and when the phone last reached the
   server. */

const meta = {
  async get(name, otherwise) {
    const kept = await (await caches.open(META)).match("/_meta/" + name);
    return kept ? kept.json() : otherwise;
  },
  async put(name, value) {
    await (await caches.open(META)).put("/_meta/" + name, new Response(JSON.stringify(value)));
  },
};
const reached = () => meta.put("last-sync", Date.now());

// A village's pages, fetched into its own cache (the old copy stays until the new one is whole).
async function takeVillage(villageId) {
  const list = await fetch(`/villages/${villageId}/offline.json`, {credentials: "same-origin",
    headers: {Accept: "application/json"}, signal: AbortSignal.timeout(SEND_TIMEOUT_MS)});
  if (!list.ok) {
    return {taken: await meta.get("villages", []), refused: list.status};
  }
  const {name, urls} = await list.json();
  const fresh = await caches.open(VILLAGE_CACHE + villageId + "-new");
  let bytes = 0;
  for (const url of urls) {
    const response = await fetch(url, {credentials: "same-origin", signal: AbortSignal.timeout(SEND_TIMEOUT_MS)});
    if (response.status === 200 && !response.redirected) {
      const kept = await packed(response);
      bytes += (await kept.clone().arrayBuffer()).byteLength;
      await fresh.put(url, kept);
    }
  }
  const cache = await caches.open(VILLAGE_CACHE + villageId);
  for (const request of await fresh.keys()) {
    await cache.put(request, await fresh.match(request));
  }
  await caches.delete(VILLAGE_CACHE + villageId + "-new");
  const taken = (await meta.get("villages", [])).filter((village) => village.id !== villageId);
  taken.push({id: villageId, name, at: Date.now(), bytes, pages: urls.length});
  for (const dropped of taken.splice(0, Math.max(0, taken.length - VILLAGES_KEPT))) {
    await caches.delete(VILLAGE_CACHE + dropped.id);
  }
  await meta.put("villages", taken);
  await reached();
  return {taken};
}

async function dropVillage(villageId) {
  await caches.delete(VILLAGE_CACHE + villageId);
  await meta.put("villages", (await meta.get("villages", [])).filter((village) => village.id !== villageId));
  return {taken: await meta.get("villages", [])};
}

// With signal, the villages taken along are fetched again once they are stale (one at a time, oldest first).
let refreshingVillages = null;
function refreshVillages() {
  refreshingVillages = refreshingVillages || (async () => {
    for (const village of await meta.get("villages", [])) {
      if (Date.now() - village.at > VILLAGE_STALE_MS) {
        await takeVillage(village.id).catch(() => null);
      }
    }
  })().finally(() => { refreshingVillages = null; });
  return refreshingVillages;
}

async function keepPages(urls, always = false) {
  const cache = await caches.open(PAGE_CACHE);
  for (const url of urls) {
    const kept = await cache.match(url);
    const age = kept ? Date.now() - new Date(kept.headers.get("Date")).getTime() : Infinity;
    if (always || !(age < FRESH_MS)) {
      try {
        const response = await fetch(url, {credentials: "same-origin", signal: AbortSignal.timeout(SEND_TIMEOUT_MS)});
        if (await keptPage.cacheWillUpdate({response})) {
          await cache.put(url, response);
        }
      } catch (error) {
        // no signal: the copy kept before stays
      }
    }
  }
}

// After a log, the kept copies of 今日送水 no longer say the truth: fetch them again, once the taps settle.
let refreshing = null;
function refreshKeptSoon() {
  refreshing = refreshing || new Promise((resolve) => setTimeout(resolve, 3000))
    .then(() => caches.open(PAGE_CACHE))
    .then((cache) => cache.keys())
    .then((kept) => keepPages(kept.map((request) => request.url)
      .filter((url) => KEPT_PAGES.test(new URL(url).pathname) && new URL(url).pathname.endsWith("/today")), true))
    .finally(() => { refreshing = null; });
  return refreshing;
}

/* The queue of deliveries tapped without signal. */

const refusals = {
  open: () => new Promise((resolve, reject) => {
    const request = indexedDB.open("delivery-refusals", 1);
    request.onupgradeneeded = () => request.result.createObjectStore("refused", {keyPath: "key"});
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  }),
  async run(mode, work) {
    const db = await this.open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction("refused", mode);
      const request = work(tx.objectStore("refused"));
      tx.oncomplete = () => { db.close(); resolve(request.result); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    });
  },
  all() { return this.run("readonly", (store) => store.getAll()); },
  put(item) { return this.run("readwrite", (store) => store.put(item)); },
  remove(key) { return this.run("readwrite", (store) => store.delete(key)); },
};

// Answers that may succeed later: the login expired (401), a stale page's CSRF token (400), the server busy.
const retryLater = (status) => [400, 401, 408, 429].includes(status) || status >= 500;

async function send(request) {
  const size = Number(request.headers.get("Content-Length")) || (await request.clone().arrayBuffer()).byteLength;
  const headers = new Headers(request.headers);
  headers.set("X-Phone-Now", String(Date.now())); // with the tap's own time: the server works out when it was
  return fetch(new Request(request, {headers}), {signal: AbortSignal.timeout(SEND_TIMEOUT_MS + size / BYTES_PER_MS)});
}

function json(status, body) {
  return new Response(JSON.stringify(body), {status, headers: {"Content-Type": "application/json"}});
}

// The server's answer to a queued form, if it is one (an HTML page that a proxy or a login redirect put there is
// not): a delivery's own record, or a field report's receipt of its key.
async function accepted(response, item) {
  const answer = response.ok ? await response.clone().json().catch(() => null) : null;
  if (!answer) {
    return null;
  }
  return (item.kind === "delivery" ? answer.id === item.delivery_id : answer.key === item.key) ? answer : null;
}

let sending = null;
let lastBlocked = null;

// A year: Workbox drops what is older than this, and nothing tapped may be dropped unseen (the server says
// when a log is too old for the backdating rule, and that answer is kept for the worker to read). Declared after
// what its sync (run at once, on a browser without background sync) uses.
const logs = new Queue("delivery-logs", {
  maxRetentionTime: 365 * 24 * 60,
  onSync: async () => {
    const state = await sendQueued();
    if (state.blocked) {
      throw new Error("queued deliveries not sent yet"); // the browser tries the sync again later
    }
  },
});

function queuedForm(url) {
  for (const [pattern, kind] of QUEUED) {
    const found = pattern.exec(url.pathname);
    if (found) {
      return {kind, subject: Number(found[1])};
    }
  }
  return null;
}

async function sendForm({request, event}) {
  const copy = request.clone();
  const form = queuedForm(new URL(request.url));
  let response;
  try {
    response = await send(request);
  } catch (error) {
    return keep(copy, "offline");
  }
  if (retryLater(response.status)) {
    const kept = await keep(copy, response.status === 401 ? "login" : "retry");
    if (response.status === 400) {
      event.waitUntil(sendQueued()); // a stale CSRF token, most often an expired login: the next send says which
    }
    return kept;
  }
  if (response.ok && !(await accepted(response, {...form, delivery_id: form.subject,
    key: (await copy.clone().formData()).get("idempotency_key")}))) {
    return keep(copy, "retry");
  }
  if (response.ok) {
    event.waitUntil(reached().then(refreshKeptSoon));
  }
  return response;
}

// Kept in IndexedDB (202), or, if the phone could not store it, a 507 that the page shows: never a silent loss.
async function keep(request, blocked) {
  try {
    const form = await request.clone().formData();
    const key = form.get("idempotency_key");
    const queued = await logs.getAll();
    const {kind, subject} = queuedForm(new URL(request.url));
    // A second tap on a card already queued is the same log.
    if (!queued.some((entry) => entry.metadata.key === key)) {
      await logs.pushRequest({
        request,
        metadata: {
          key,
          kind,
          subject,
          delivery_id: kind === "delivery" ? subject : null,
          name: form.get("household_name") || "",
          photo: Boolean(form.get("photo") && form.get("photo").size),
          user: form.get("user") || "",
          tapped_at: Number(form.get("tapped_at")) || Date.now(),
        },
      });
    }
  } catch (error) {
    return json(507, {message: "", not_saved: true});
  }
  return json(202, await report(blocked));
}

registerRoute(({url, request}) => sameSite(url) && queuedForm(url) && request.mode !== "navigate", sendForm, "POST");

// One sending at a time: the page's timer, its focus and the browser's sync event may all ask at once.
function sendQueued() {
  sending = sending || sendEach().finally(() => { sending = null; });
  return sending;
}

// The queue's first entry goes to the back, kept whole: a copy is stored before the original is taken out.
async function toBack(entry) {
  await logs.pushRequest({request: entry.request, metadata: entry.metadata, timestamp: entry.timestamp});
  await logs.shiftRequest();
}

// Oldest first. An entry leaves the queue only once its answer is settled, so a worker stopped mid-send loses
// nothing (the entry is sent again with its key: a replay). Another user's entries, and one the server keeps
// failing (5xx), go to the back so that the rest are not held up; a network failure or an expired login stops.
async function sendEach() {
  if (!(await logs.size())) {
    return report(null);
  }
  let session;
  try {
    const answer = await fetch("/session", {headers: {Accept: "application/json"}, cache: "no-store",
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS)});
    if (!answer.ok) {
      return report(answer.status === 401 ? "login" : "retry");
    }
    session = await answer.json();
    await reached();
  } catch (error) {
    return report("offline");
  }
  const seen = new Set();
  let blocked = null;
  let sent = false;
  for (;;) {
    const [entry] = await logs.getAll();
    if (!entry || seen.has(entry.metadata.key)) {
      break;
    }
    seen.add(entry.metadata.key);
    if (entry.metadata.user && entry.metadata.user !== session.user) {
      blocked = blocked || "user"; // another worker's taps wait for that worker's login
      await toBack(entry);
      continue;
    }
    const headers = new Headers(entry.request.headers);
    headers.set("X-CSRFToken", session.csrf_token);
    headers.set("X-Sent-Later", "1");
    let response;
    try {
      response = await send(new Request(entry.request, {headers}));
    } catch (error) {
      blocked = "offline";
      break;
    }
    if (response.status === 401) {
      blocked = "login";
      break;
    }
    const answer = await accepted(response, entry.metadata);
    if ((response.status !== 400 && retryLater(response.status)) || (response.ok && !answer)) {
      blocked = "retry";
      await toBack(entry);
      continue;
    }
    if (answer) {
      sent = true;
      await tell(entry.metadata.kind === "delivery" ? {type: "delivered", delivery_id: entry.metadata.delivery_id, answer}
        : {type: "reported", item: entry.metadata, answer});
    } else {
      const refused = await response.json().catch(() => ({}));
      await refusals.put({...entry.metadata, status: response.status, message: refused.message || "",
        errors: refused.errors || {}});
    }
    await logs.shiftRequest();
  }
  const now = await report(blocked);
  if (sent) {
    await refreshKeptSoon();
  }
  return now;
}

// Each status is numbered when it starts to be read: a page keeps the latest, so that a status read before a
// dismissal (or a send) and told after it never puts back what has gone.
let statusCount = 0;
const nextSeq = () => Date.now() * 1000 + (statusCount++ % 1000);

async function state(blocked) {
  const seq = nextSeq();
  const pending = (await logs.getAll()).map((entry) => entry.metadata);
  return {type: "status", seq, pending, refused: await refusals.all(), blocked: pending.length ? blocked : null,
    last_sync: await meta.get("last-sync", null), villages: await meta.get("villages", [])};
}

// A user logging out of a shared phone: their queued forms, their refusals and every kept page go; the next user
// sees none of it.
async function forgetUser(user) {
  const keep = [];
  for (let entry = await logs.shiftRequest(); entry; entry = await logs.shiftRequest()) {
    if (entry.metadata.user && entry.metadata.user !== user) {
      keep.push(entry);
    }
  }
  for (const entry of keep) {
    await logs.pushRequest({request: entry.request, metadata: entry.metadata, timestamp: entry.timestamp});
  }
  for (const item of await refusals.all()) {
    if (!item.user || item.user === user) {
      await refusals.remove(item.key);
    }
  }
  await forgetPages();
  return report(null);
}

// The pages kept for the last user hold their households' names and phones.
async function forgetPages() {
  for (const name of await caches.keys()) {
    if (name === PAGE_CACHE || name.startsWith(VILLAGE_CACHE)) {
      await caches.delete(name);
    }
  }
  await meta.put("villages", []);
}

async function tell(message) {
  for (const client of await self.clients.matchAll({type: "window"})) {
    client.postMessage(message);
  }
}

async function report(blocked) {
  lastBlocked = blocked;
  const now = await state(blocked);
  await tell(now);
  return now;
}

self.addEventListener("message", (event) => {
  const work = {
    send: () => sendQueued(),
    status: () => state(lastBlocked),
    dismiss: () => refusals.remove(event.data.key).then(() => report(lastBlocked)),
    keep: () => keepPages(event.data.urls || []).then(() => null),
    forget: () => forgetPages().then(() => null),
    forget_user: () => forgetUser(event.data.user),
    take: () => takeVillage(Number(event.data.village)).catch(() => ({taken: null})),
    drop: () => dropVillage(Number(event.data.village)),
    refresh: () => refreshVillages().then(() => null),
    claim: () => self.clients.claim().then(() => null),
  }[event.data && event.data.type];
  if (work) {
    const port = event.ports[0];
    event.waitUntil(work().then((answer) => port && port.postMessage(answer)));
  }
});
