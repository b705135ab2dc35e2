// Answers waiting on this device for the server, shared by the citizen's pages and the counter
// tablet's welcome screen, so a tablet idling between citizens still sends what it kept offline.
// Each entry is kept in localStorage ("sipas-queue") until the server gives a final answer, then
// removed at once with its contact details. A failing entry waits its own time (doubling up to a
// minute) and never holds up the others. Entries of another page that the server refuses for good
// are counted in "sipas-failed" (no answers kept), which the welcome screen shows.
// Pages hear of it through document events: "sipas:waiting" (kept, to be tried again) and
// "sipas:sent" (final), each with detail {client_id, status, reply}; status 0 is no network.
(function () {
  "use strict";
  const QUEUE = "sipas-queue";
  const FAILED = "sipas-failed";
  const DEVICE = "sipas-device";
  const KEEP_FAILED = 50;
  const FIRST_DELAY_MS = 2000;
  const MAX_DELAY_MS = 60000;
  const TIMEOUT_MS = 20000;
  const api = document.body.dataset.api;
  let own = null;        // the client_id of the answer this page sent: tried first, its outcome shown here
  let flushing = false;
  let timer = null;

  function uuid4() {
    // crypto.randomUUID needs HTTPS; office LANs often serve plain HTTP.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }
  function load(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function store(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode: the page still sends */ }
  }
  function forget(key) {
    try { localStorage.removeItem(key); } catch (e) { /* nothing was kept */ }
  }
  function device() {
    let id = load(DEVICE, "");
    if (!id) { id = uuid4(); store(DEVICE, id); }
    return id;
  }
  function pending() { return load(QUEUE, []); }
  // The page an entry was sent from: one survey link, or one unit's rating page.
  function pageOf(target) { return target.token ? "token:" + target.token : "unit:" + target.unit; }
  function idOf(entry) { return entry.payload.client_id; }
  function update(id, change) {
    store(QUEUE, pending().map(function (entry) { return idOf(entry) === id ? change(entry) : entry; }));
  }
  function announce(name, id, result) {
    document.dispatchEvent(new CustomEvent(name, {
      detail: { client_id: id, status: result.status, reply: result.reply || {} },
    }));
  }

  function waiting(target) {
    const page = pageOf(target);
    return pending().find(function (entry) { return pageOf(entry.payload) === page; }) || null;
  }

  // Queue the answers of `target` ({token} or {unit}) and send them now. One page, one submission:
  // sent again, or after a reload while the first still waits, they keep the first id.
  function put(target, answers, draft) {
    const queue = pending();
    const earlier = waiting(target);
    const id = earlier ? idOf(earlier) : uuid4();
    // The moment of "Gửi" by this device's clock: an answer sent after midnight from the queue
    // still counts for the day it was given (the server believes it only when plausible).
    const answeredAt = earlier ? earlier.payload.answered_at : new Date().toISOString();
    const payload = Object.assign({}, target, { client_id: id, device: device(), answers: answers, answered_at: answeredAt });
    const entry = { payload: payload, draft: draft || "", queued: Date.now(), tries: 0, next: 0 };
    store(QUEUE, queue.filter(function (other) { return idOf(other) !== id; }).concat([entry]));
    own = id;
    clearTimeout(timer);
    flush();
    return id;
  }

  // An answer of this page from an earlier visit: its outcome is shown here, and it is tried now.
  function adopt(id) {
    own = id;
    update(id, function (entry) { return Object.assign(entry, { next: 0 }); });
    clearTimeout(timer);
    flush();
  }

  function failed() { return load(FAILED, []); }

  function pick(queue, now) {
    const due = queue.filter(function (entry) { return (entry.next || 0) <= now; });
    const mine = due.find(function (entry) { return idOf(entry) === own; });
    if (mine) return mine;
    // Least recently due first: an entry that keeps failing goes behind the others.
    return due.sort(function (a, b) { return (a.next || 0) - (b.next || 0); })[0] || null;
  }

  function flush() {
    if (flushing || !api) return;
    const queue = pending();
    if (!queue.length) return;
    const entry = pick(queue, Date.now());
    if (!entry) {
      const soonest = Math.min.apply(null, queue.map(function (item) { return item.next || 0; }));
      clearTimeout(timer);
      timer = setTimeout(flush, Math.max(250, soonest - Date.now()));
      return;
    }
    flushing = true;
    send(entry.payload).then(function (result) {
      flushing = false;
      if (result.status === 0 || result.status === 408 || result.status === 429 || result.status >= 500) {
        keep(entry, result);
      } else {
        settle(entry, result);
      }
      flush();
    });
  }

  function send(payload) {
    const controller = "AbortController" in window ? new AbortController() : null;
    const timeout = setTimeout(function () { if (controller) controller.abort(); }, TIMEOUT_MS);
    return fetch(api, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload),
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined,
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (reply) {
        return { status: response.status, reply: reply, retryAfter: Number(response.headers.get("Retry-After")) };
      });
    }).catch(function () {
      return { status: 0, reply: {} };
    }).finally(function () {
      clearTimeout(timeout);
    });
  }

  function keep(entry, result) {
    const id = idOf(entry);
    const tries = (entry.tries || 0) + 1;
    let delay = Math.min(FIRST_DELAY_MS * Math.pow(2, tries - 1), MAX_DELAY_MS);
    // Throttled: the server says when it will take it again.
    if (result.status === 429) delay = Math.max(delay, (result.retryAfter || 60) * 1000);
    update(id, function (kept) { return Object.assign(kept, { tries: tries, next: Date.now() + delay }); });
    announce("sipas:waiting", id, result);
  }

  function settle(entry, result) {
    const id = idOf(entry);
    const mine = id === own;
    // The server has its final word: the answers (and any contact details) leave the device now.
    store(QUEUE, pending().filter(function (other) { return idOf(other) !== id; }));
    const stored = result.status === 200 || result.status === 201;
    // A refused link cannot take this answer any more; the draft is of no use either. Bad answers
    // (400) keep theirs, for the citizen to fix.
    if (entry.draft && result.status !== 400) forget(entry.draft);
    if (mine) own = null;
    else if (!stored) {
      // Nobody on this page sees why it was refused: count it instead of losing it silently.
      const record = { client_id: id, status: result.status, error: result.reply.error || "", queued: entry.queued, failed: Date.now() };
      store(FAILED, failed().filter(function (other) { return other.client_id !== id; }).concat([record]).slice(-KEEP_FAILED));
    }
    announce("sipas:sent", id, result);
  }

  window.addEventListener("online", function () {
    // Back online: whatever waits is worth trying at once.
    store(QUEUE, pending().map(function (entry) { return Object.assign(entry, { next: 0 }); }));
    clearTimeout(timer);
    flush();
  });
  window.sipasQueue = { put: put, waiting: waiting, adopt: adopt, failed: failed };
  // Pages that adopt an earlier answer do it while loading; start once they have.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", flush);
  else flush();
})();
