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
const SEND_TIMEOUT_MS = 20000;

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
registerRoute(({url}) => sameSite(url) && url.pathname.startsWith("/static/"), new CacheFirst({cacheName: ASSET_CACHE}));
// Any other page: from the server, or the Chinese page that says it was not kept (never the browser's own).
registerRoute(({request, url}) => request.mode === "navigate" && sameSite(url), new NetworkOnly());
setCatchHandler(async ({request}) => (request.mode === "navigate" &&
  await caches.match("/offline", {cacheName: ASSET_CACHE})) || Response.error());

async function keepPages(urls, event) {
  const cache = await caches.open(PAGE_CACHE);
  for (const url of urls) {
    const kept = await cache.match(url);
    const age = kept ? Date.now() - new Date(kept.headers.get("Date")).getTime() : Infinity;
    if (!(age < FRESH_MS)) {
      await pages.handle({event, request: new Request(url, {credentials: "same-origin"})}).catch(() => null);
    }
  }
}

/* The queue of deliveries tapped without signal. */

// A year: Workbox drops what is older than this, and nothing tapped may be dropped unseen (the server says
// when a log is too old for the backdating rule, and that answer is kept for the worker to read).
const logs = new Queue("delivery-logs", {
  maxRetentionTime: 365 * 24 * 60,
  onSync: async () => {
    const state = await sendQueued();
    if (state.blocked) {
      throw new Error("queued deliveries not sent yet"); // the browser tries the sync again later
    }
  },
});

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

const send = (request) => fetch(request, {signal: AbortSignal.timeout(SEND_TIMEOUT_MS)});

function json(status, body) {
  return new Response(JSON.stringify(body), {status, headers: {"Content-Type": "application/json"}});
}

async function logDelivery({request}) {
  const copy = request.clone();
  let response;
  try {
    response = await send(request);
  } catch (error) {
    return json(202, await keep(copy, "offline"));
  }
  return retryLater(response.status) ? json(202, await keep(copy, response.status === 401 ? "login" : "retry"))
    : response;
}

async function keep(request, blocked) {
  const form = await request.clone().formData();
  const key = form.get("idempotency_key");
  const queued = await logs.getAll();
  // A second tap on a card already queued is the same log.
  if (!queued.some((entry) => entry.metadata.key === key)) {
    await logs.pushRequest({
      request,
      metadata: {
        key,
        delivery_id: Number(LOG.exec(new URL(request.url).pathname)[1]),
        name: form.get("household_name") || "",
        user: form.get("user") || "",
        tapped_at: Number(form.get("tapped_at")) || Date.now(),
      },
    });
  }
  return report(blocked);
}

registerRoute(({url}) => sameSite(url) && LOG.test(url.pathname), logDelivery, "POST");

let sending = null;
let lastBlocked = null;

// One sending at a time: the page's timer, its focus and the browser's sync event may all ask at once.
function sendQueued() {
  sending = sending || sendEach().finally(() => { sending = null; });
  return sending;
}

async function sendEach() {
  if (!(await logs.size())) {
    return report(null);
  }
  let session;
  try {
    const answer = await send(new Request("/session", {headers: {Accept: "application/json"}, cache: "no-store"}));
    if (!answer.ok) {
      return report(answer.status === 401 ? "login" : "retry");
    }
    session = await answer.json();
  } catch (error) {
    return report("offline");
  }
  const held = [];
  let blocked = null;
  let entry;
  while ((entry = await logs.shiftRequest())) {
    if (entry.metadata.user && entry.metadata.user !== session.user) {
      held.push(entry); // another worker's taps wait for that worker's login
      continue;
    }
    const headers = new Headers(entry.request.headers);
    headers.set("X-CSRFToken", session.csrf_token);
    headers.set("X-Sent-Later", "1");
    let response = null;
    try {
      response = await send(new Request(entry.request, {headers}));
    } catch (error) {
      blocked = "offline";
    }
    if (response && response.status === 401) {
      blocked = "login";
    } else if (response && response.status !== 400 && retryLater(response.status)) {
      blocked = "retry";
    }
    if (blocked) {
      await logs.unshiftRequest(entry);
      break;
    }
    await settle(entry, response);
  }
  for (const kept of held.reverse()) {
    await logs.unshiftRequest(kept);
  }
  return report(blocked || (held.length ? "user" : null));
}

async function settle(entry, response) {
  const answer = await response.json().catch(() => ({}));
  if (response.ok) {
    await tell({type: "delivered", delivery_id: entry.metadata.delivery_id, answer});
  } else {
    await refusals.put({...entry.metadata, status: response.status, message: answer.message || "",
      errors: answer.errors || {}});
  }
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
    keep: () => keepPages(event.data.urls || [], event).then(() => null),
    forget: () => caches.delete(PAGE_CACHE).then(() => null),
  }[event.data && event.data.type];
  if (work) {
    const port = event.ports[0];
    event.waitUntil(work().then((answer) => port && port.postMessage(answer)));
  }
});
