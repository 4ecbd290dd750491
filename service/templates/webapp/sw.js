/* The phone's service worker. It keeps 今日送水 and 本周 for the hills, and queues a delivery tapped without signal
   (Workbox's background-sync queue, in IndexedDB) until it can be sent: each once, with its own Idempotency-Key, so
   that a retry is a replay. An answer that cannot succeed is kept, in Chinese, until the worker dismisses it. */
importScripts({% for name in workbox %}{{ static_url(name)|tojson }}{{ ", " if not loop.last }}{% endfor %});

const RELEASE = {{ version|tojson }};
const ASSETS = [{% for name in assets %}{{ static_url(name)|tojson }}, {% endfor %}"/offline"];
const ASSET_CACHE = "assets-" + RELEASE;
const PAGE_CACHE = "pages";
const KEPT_PAGES = /^\/deliveries\/(today|week)$/;
const LOG = /^\/deliveries\/(\d+)\/complete$/;
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
// Any other page: from the server, or the Chinese page that says it was not kept (never the browser's own).
registerRoute(({request, url}) => request.mode === "navigate" && sameSite(url), new NetworkOnly());
setCatchHandler(async ({request}) => (request.mode === "navigate" &&
  await caches.match("/offline", {cacheName: ASSET_CACHE})) || Response.error());

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

// The server's answer to a log, if it is one (an HTML page that a proxy or a login redirect put there is not).
async function logged(response, deliveryId) {
  const answer = response.ok ? await response.clone().json().catch(() => null) : null;
  return answer && answer.id === deliveryId ? answer : null;
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

const deliveryOf = (request) => Number(LOG.exec(new URL(request.url).pathname)[1]);

async function logDelivery({request, event}) {
  const copy = request.clone();
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
  if (response.ok && !(await logged(response, deliveryOf(copy)))) {
    return keep(copy, "retry");
  }
  if (response.ok) {
    event.waitUntil(refreshKeptSoon());
  }
  return response;
}

// Kept in IndexedDB (202), or, if the phone could not store it, a 507 that the page shows: never a silent loss.
async function keep(request, blocked) {
  try {
    const form = await request.clone().formData();
    const key = form.get("idempotency_key");
    const queued = await logs.getAll();
    // A second tap on a card already queued is the same log.
    if (!queued.some((entry) => entry.metadata.key === key)) {
      await logs.pushRequest({
        request,
        metadata: {
          key,
          delivery_id: deliveryOf(request),
          name: form.get("household_name") || "",
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

registerRoute(({url, request}) => sameSite(url) && LOG.test(url.pathname) && request.mode !== "navigate",
  logDelivery, "POST");

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
    const answer = await logged(response, entry.metadata.delivery_id);
    if ((response.status !== 400 && retryLater(response.status)) || (response.ok && !answer)) {
      blocked = "retry";
      await toBack(entry);
      continue;
    }
    if (answer) {
      sent = true;
      await tell({type: "delivered", delivery_id: entry.metadata.delivery_id, answer});
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

async function state(blocked) {
  const pending = (await logs.getAll()).map((entry) => entry.metadata);
  return {type: "status", pending, refused: await refusals.all(), blocked: pending.length ? blocked : null};
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
    forget: () => caches.delete(PAGE_CACHE).then(() => null),
    claim: () => self.clients.claim().then(() => null),
  }[event.data && event.data.type];
  if (work) {
    const port = event.ports[0];
    event.waitUntil(work().then((answer) => port && port.postMessage(answer)));
  }
});
