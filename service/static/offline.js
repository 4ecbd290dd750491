/* The field day without signal: installs the service worker (/sw.js), sends a delivery tap or a field form (报修,
   恢复正常, 报告问题, 入户排查, 整改进展) through it (queued on the phone when the network fails, with the tap's time,
   the phone's position when offered, and a photo made small enough for a weak signal), shows what waits to be sent,
   what the server refused and when the phone last reached it, takes villages along, and asks the worker to send the
   queue on load, on focus, when the browser says it is online, and on a timer with backoff (a weak signal never says
   so). Without this script, or without a service worker, the forms post as plain forms. */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) {
    return;
  }
  navigator.serviceWorker.register("/sw.js", {scope: "/"});

  // A worker's reply to one message (or null after a while: a worker stopped mid-answer is asked again later).
  function ask(message) {
    return navigator.serviceWorker.ready.then((registration) => new Promise((resolve) => {
      const channel = new MessageChannel();
      const timer = setTimeout(() => resolve(null), 60000);
      channel.port1.onmessage = (event) => { clearTimeout(timer); resolve(event.data); };
      registration.active.postMessage(message, [channel.port2]);
    }));
  }

  // A page that loaded while the worker was being activated can miss its claim (the login's redirect races it):
  // ask again, so that this page's taps already go through the worker.
  navigator.serviceWorker.ready.then(() => {
    if (!navigator.serviceWorker.controller) {
      ask({type: "claim"});
    }
  });
  if (document.body.dataset.forgetPages) {
    ask({type: "forget"}); // logged out: pages kept for the last user hold their households' names
  }
  // The page that says a page was not kept links the villages that were.
  const takenList = document.querySelector("[data-taken-list]");
  if (takenList) {
    ask({type: "status"}).then((state) => {
      for (const village of (state && state.villages) || []) {
        const row = document.createElement("li");
        const link = document.createElement("a");
        link.className = "card row-link";
        link.href = "/villages/" + village.id;
        link.textContent = village.name;
        row.appendChild(link);
        takenList.appendChild(row);
      }
    });
  }
  // A list filtered as it is typed in: works on a page kept on the phone.
  document.querySelectorAll("[data-filter]").forEach((input) => {
    input.addEventListener("input", () => {
      const words = input.value.trim();
      document.querySelectorAll(input.dataset.filter + " > li[data-search]").forEach((row) => {
        row.hidden = Boolean(words) && !row.dataset.search.includes(words);
      });
    });
  });
  const textNode = document.getElementById("offline-texts");
  if (!textNode) {
    return;
  }
  const T = JSON.parse(textNode.textContent);
  // A photo goes up on a weak signal: at most this many bytes, made smaller on the phone until it fits.
  const PHOTO_BYTES = 300 * 1024;
  const PHOTO_STEPS = [[1600, 0.8], [1280, 0.7], [1024, 0.6], [800, 0.5], [640, 0.45]];
  const POSITION_WAIT_MS = 4000;
  const SHORTEST_WAIT = 5000;
  const LONGEST_WAIT = 30000;

  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (all, name) => (name in values ? values[name] : all));
  // Times as the server shows them: in the service's time zone, whatever zone the phone is set to.
  const parts = (date) => Object.fromEntries(new Intl.DateTimeFormat("en-GB", {
    timeZone: T.zone, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(date).map((part) => [part.type, part.value]));
  // Today's time alone; another day's with its date.
  const when = (date) => {
    const at = parts(date);
    const now = parts(new Date());
    return (at.month === now.month && at.day === now.day ? "" : at.month + "-" + at.day + " ") +
      at.hour + ":" + at.minute;
  };

  const banner = document.querySelector("[data-offline-banner]");
  if (banner && document.documentElement.dataset.source === "phone") {
    banner.textContent = fill(T.banner, {time: when(new Date(document.documentElement.dataset.renderedAt))});
    banner.hidden = false;
  }

  // A photo larger than the cap is made smaller on the phone (it waits in the queue and goes up on a weak signal).
  async function smaller(photo) {
    if (photo.size <= PHOTO_BYTES && /^image\/(jpeg|png)$/.test(photo.type)) {
      return photo;
    }
    const image = await createImageBitmap(photo);
    for (const [side, quality] of PHOTO_STEPS) {
      const scale = Math.min(1, side / Math.max(image.width, image.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(image.width * scale);
      canvas.height = Math.round(image.height * scale);
      canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
      if (blob && blob.size <= PHOTO_BYTES) {
        return blob;
      }
    }
    throw new Error("photo too large");
  }

  // Where the phone is, if it may say and says within a few seconds (none when refused or too slow).
  function position() {
    if (!navigator.geolocation) {
      return Promise.resolve(null);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), POSITION_WAIT_MS);
      navigator.geolocation.getCurrentPosition(
        (found) => { clearTimeout(timer); resolve(found.coords); },
        () => { clearTimeout(timer); resolve(null); },
        {enableHighAccuracy: true, timeout: POSITION_WAIT_MS, maximumAge: 60000});
    });
  }

  const newKey = () => (crypto.randomUUID ? crypto.randomUUID().replace(/-/g, "")
    : Date.now().toString(16) + Math.random().toString(16).slice(2));

  function note(card, className, text) {
    let line = card.querySelector("." + className);
    if (!line) {
      line = document.createElement("span");
      line.className = className;
      card.appendChild(line);
    }
    line.textContent = text;
    return line;
  }

  function clearMarks(card) {
    card.classList.remove("queued");
    card.querySelectorAll(".queued-note, .refusal").forEach((node) => node.remove());
    const form = card.querySelector("form[data-queue]");
    if (form) {
      form.hidden = false;
      delete form.dataset.busy;
    }
    const badge = card.querySelector(".badge");
    if (badge && badge.dataset.was) {
      badge.textContent = badge.dataset.was;
      delete badge.dataset.was;
    }
  }

  function showErrors(form, answer) {
    form.querySelectorAll(".error").forEach((node) => node.remove());
    const lines = Object.values(answer.errors || {}).flat();
    for (const text of lines.length ? lines : [answer.message || ""]) {
      const line = document.createElement("span");
      line.className = "error";
      line.setAttribute("role", "alert");
      line.textContent = text;
      form.appendChild(line);
    }
  }

  function said(message) {
    let line = document.querySelector("main > .flash");
    if (!line) {
      line = document.createElement("p");
      line.className = "card flash";
      line.setAttribute("role", "status");
      document.querySelector("main").prepend(line);
    }
    line.textContent = message;
  }

  function markDelivered(deliveryId, answer) {
    const card = document.getElementById("d" + deliveryId);
    if (!card || card.dataset.delivered) {
      return;
    }
    said(answer.message);
    const late = card.closest("#late-list");
    if (late) { // logged late: off the list of days to log late
      card.remove();
      if (!late.children.length) {
        document.getElementById("late").remove();
        late.remove();
      }
      return;
    }
    clearMarks(card);
    card.dataset.delivered = "1";
    const badge = card.querySelector(".badge");
    if (badge) {
      badge.textContent = T.delivered;
      badge.className = "badge done";
    }
    card.querySelectorAll("form").forEach((form) => form.remove());
    note(card, "logged", fill(T.logged, {liters: answer.liters, time: answer.delivered_at_local}));
    const done = document.querySelector("[data-done]");
    if (done && card.closest("#deliveries")) {
      done.textContent = String(Number(done.textContent) + 1);
    }
  }

  function refusalCard(item) {
    const card = item.delivery_id ? document.getElementById("d" + item.delivery_id) : null;
    if (card && !card.dataset.delivered) {
      return card;
    }
    const list = document.querySelector("[data-refusals]");
    if (!list) {
      return null;
    }
    const row = document.createElement("li");
    row.className = "card refusal-row";
    const name = document.createElement("strong");
    name.textContent = (T.kinds[item.kind || "delivery"] || "") + " · " + item.name;
    row.appendChild(name);
    list.appendChild(row);
    return row;
  }

  let shownSeq = 0;
  function render(state) {
    if (!state || state.type !== "status" || state.seq < shownSeq) {
      return; // not a status, or one read before the one shown (it would put back what has gone)
    }
    shownSeq = state.seq;
    document.querySelectorAll("li.card[id^=d]").forEach(clearMarks);
    document.querySelectorAll(".refusal-row").forEach((row) => row.remove());
    for (const item of state.pending) {
      const card = document.getElementById("d" + item.delivery_id);
      if (!card || card.dataset.delivered) {
        continue;
      }
      card.classList.add("queued");
      card.querySelectorAll("form[data-queue]").forEach((form) => { form.hidden = true; });
      const badge = card.querySelector(".badge");
      if (badge) {
        badge.dataset.was = badge.dataset.was || badge.textContent;
        badge.textContent = T.pending;
      }
      note(card, "queued-note muted", fill(T.tapped, {time: when(new Date(item.tapped_at))}));
    }
    for (const item of state.refused.filter((refused) => !refused.user || refused.user === T.user)) {
      const card = refusalCard(item);
      if (!card) {
        continue;
      }
      const box = document.createElement("div");
      box.className = "refusal";
      const message = document.createElement("span");
      message.className = "error";
      message.setAttribute("role", "alert");
      const errors = Object.values(item.errors || {}).flat();
      message.textContent = fill(T.refused_because, {refused: T.refused,
        tapped: fill(T.tapped, {time: when(new Date(item.tapped_at))}),
        reasons: errors.length ? errors.join(T.reasons_joined) : item.message});
      const dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.className = "secondary";
      dismiss.textContent = T.dismiss;
      dismiss.addEventListener("click", () => ask({type: "dismiss", key: item.key}).then(render));
      box.append(message, dismiss);
      card.appendChild(box);
    }
    const list = document.querySelector("[data-pending-list]");
    if (list) { // the field forms that wait (a delivery's wait shows on its own card)
      list.replaceChildren(...state.pending.filter((item) => item.kind && item.kind !== "delivery" &&
        (!item.user || item.user === T.user)).map((item) => {
        const row = document.createElement("li");
        row.className = "card pending-item";
        row.textContent = T.kinds[item.kind] + " · " + item.name + " · " + fill(T.tapped, {time: when(new Date(item.tapped_at))}) +
          " · " + T.pending;
        return row;
      }));
    }
    const sync = document.querySelector("[data-last-sync]");
    if (sync && state.last_sync) {
      sync.textContent = fill(T.last_sync, {time: when(new Date(state.last_sync))});
      sync.hidden = false;
    }
    renderTaken(state.villages);
    const bar = document.querySelector("[data-queue-bar]");
    if (bar) {
      const others = state.pending.filter((item) => item.user && item.user !== T.user);
      const why = state.blocked === "login" ? T.login_expired :
        state.blocked === "user" && others.length ? fill(T.other_user, {user: others[0].user}) :
          state.blocked ? T.waiting : T.sending;
      bar.querySelector("[data-count]").textContent = fill(T.pending_count, {count: state.pending.length});
      bar.querySelector("[data-why]").textContent = why;
      bar.querySelector("[data-login]").hidden = state.blocked !== "login";
      bar.hidden = !state.pending.length;
    }
  }

  let wait = SHORTEST_WAIT;
  let timer = null;
  async function sendQueue() {
    clearTimeout(timer);
    const state = await ask({type: "send"});
    render(state);
    if (!state || state.pending.length) {
      // Nothing got through: wait longer each time, but never so long that a restored signal goes unused.
      wait = state && !state.blocked ? SHORTEST_WAIT : Math.min(wait * 2, LONGEST_WAIT);
      timer = setTimeout(sendQueue, wait);
    } else {
      wait = SHORTEST_WAIT;
    }
  }

  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data.type === "delivered") {
      markDelivered(event.data.delivery_id, event.data.answer);
    } else if (event.data.type !== "reported") { // a field report sent: the status that follows lists the rest
      render(event.data);
    }
  });

  // 带到村里: the village's pages kept on the phone, refreshed when stale; a few villages at a time.
  const take = document.getElementById("take-along");
  function renderTaken(villages) {
    if (!take || !villages) {
      return;
    }
    const village = villages.find((item) => String(item.id) === take.dataset.village);
    take.hidden = false;
    take.querySelector("[data-drop]").hidden = !village;
    take.querySelector("[data-taken-note]").textContent = village ? fill(T.taken, {pages: village.pages,
      size: Math.round(village.bytes / 1024), time: when(new Date(village.at))}) : "";
  }
  if (take) {
    const note = take.querySelector("[data-taken-note]");
    take.querySelector("[data-take]").addEventListener("click", async () => {
      note.textContent = T.taking;
      const answer = await ask({type: "take", village: take.dataset.village});
      if (answer && answer.taken) {
        renderTaken(answer.taken);
      } else {
        note.textContent = T.take_failed;
      }
    });
    take.querySelector("[data-drop]").addEventListener("click", async () => {
      const answer = await ask({type: "drop", village: take.dataset.village});
      renderTaken(answer && answer.taken);
    });
  }

  // Logging out of a shared phone: what this user kept goes with them, after a warning if some of it waits.
  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[action$='/logout']");
    if (!form || form.dataset.forgotten || !navigator.serviceWorker.controller) {
      return;
    }
    event.preventDefault();
    const state = await ask({type: "status"});
    const mine = state ? state.pending.filter((item) => !item.user || item.user === T.user) : [];
    if (mine.length && !window.confirm(fill(T.logout_pending, {count: mine.length}))) {
      return;
    }
    await ask({type: "forget_user", user: T.user});
    form.dataset.forgotten = "1";
    form.submit();
  });
  window.addEventListener("online", sendQueue);
  window.addEventListener("focus", sendQueue);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) sendQueue(); });

  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-queue]");
    if (!form || !navigator.serviceWorker.controller) {
      return; // not yet controlled by the worker: the plain form post
    }
    event.preventDefault();
    if (form.dataset.busy) {
      return; // a double tap
    }
    form.dataset.busy = "1";
    const tapped = new Date();
    if (form.elements.idempotency_key && !form.elements.idempotency_key.value) {
      form.elements.idempotency_key.value = newKey();
    }
    const data = new FormData(form);
    if (!form.dataset.delivery) { // a field report says where it was made, when the phone may say
      const coords = await position();
      if (coords) {
        data.set("lat", String(coords.latitude));
        data.set("lon", String(coords.longitude));
        data.set("accuracy", String(Math.round(coords.accuracy)));
      }
    }
    // The CSRF token goes in a header, which the worker renews when it sends after a new login (a token in the form
    // would be read first, and a queued form's token dies with the login it came from).
    data.delete("csrf_token");
    data.set("tapped_at", String(tapped.getTime())); // the worker's sending adds the phone's time then (X-Phone-Now)
    data.set("household_name", form.dataset.name || "");
    data.set("user", T.user);
    const photo = data.get("photo");
    if (photo && photo.size) {
      try {
        data.set("photo", await smaller(photo), "photo.jpg");
      } catch (error) {
        showErrors(form, {message: T.photo_too_large});
        delete form.dataset.busy;
        return;
      }
    } else {
      data.delete("photo");
    }
    const token = document.querySelector("meta[name=csrf-token]");
    let response;
    try {
      response = await fetch(form.action, {method: "POST", body: data, credentials: "same-origin",
        headers: {Accept: "application/json", "X-CSRFToken": token ? token.content : ""}});
    } catch (error) {
      response = null;
    }
    const answer = response ? await response.json().catch(() => ({})) : {};
    if (response && response.status === 202) {
      render(answer);
      clearTimeout(timer);
      timer = setTimeout(sendQueue, wait);
      if (!form.dataset.delivery) { // kept: the form is ready for the next report, with a key of its own
        said(fill(T.queued_report, {time: when(tapped)}));
        form.reset();
        form.elements.idempotency_key.value = newKey();
        form.dispatchEvent(new Event("input"));
        delete form.dataset.busy;
      }
    } else if (response && response.ok && String(answer.id) === form.dataset.delivery) {
      markDelivered(form.dataset.delivery, answer);
    } else if (response && response.ok && answer.key === data.get("idempotency_key")) {
      location.assign(answer.url); // made: its page says so, as after a plain form
    } else {
      // Neither logged nor kept on the phone (it could not store it): the worker is told to tap again.
      showErrors(form, response && !response.ok && response.status !== 507 ? answer : {message: T.not_saved});
      delete form.dataset.busy;
    }
  });

  // This page is seen online: keep it (and the next days' list) on the phone for the hills.
  const keep = document.body.dataset.keep;
  if (keep !== undefined && document.documentElement.dataset.source === "server") {
    ask({type: "keep", urls: [location.pathname + location.search].concat(keep.split(" ").filter(Boolean))});
  }
  // With signal, the villages taken along are fetched again once stale.
  if (document.documentElement.dataset.source === "server") {
    ask({type: "refresh"});
  }
  // What waits is shown at once; sending it may take a while on a weak signal.
  ask({type: "status"}).then(render).then(sendQueue);
}());
