// The citizen's form on a phone or the counter tablet. Answers stay on the device as they are
// typed; on "Gửi" they go as JSON to the API with an id made here, and wait in a queue in
// localStorage until the server has them, so a lost connection loses nothing and a retry never
// stores twice. Without JavaScript the same form posts as plain HTML.
(function () {
  "use strict";
  const QUEUE = "sipas-queue";
  const DEVICE = "sipas-device";
  const body = document.body;
  const texts = JSON.parse(document.getElementById("citizen-texts").textContent);
  const form = document.getElementById("citizen-form");
  const statusBox = document.getElementById("citizen-status");
  let current = null;       // the client_id of what this page sent, once sent
  let flushing = false;
  let retryDelay = 2000;
  let retryTimer = null;
  let announced = false;    // the kiosk has been told this page's answers wait in the queue

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
  function queue() { return load(QUEUE, []); }
  function unqueue(id) { store(QUEUE, queue().filter(function (entry) { return entry.payload.client_id !== id; })); }
  function device() {
    let id = load(DEVICE, "");
    if (!id) { id = uuid4(); store(DEVICE, id); }
    return id;
  }

  // --- the page's form ------------------------------------------------------------------
  const questions = form ? Array.from(form.querySelectorAll("[data-code]")) : [];
  const draftKey = form ? form.dataset.draft : "";

  function inputs(question) { return Array.from(question.querySelectorAll("input, textarea")); }
  function lastOption(question) {
    const options = question.querySelectorAll("input[data-label]");
    return options[options.length - 1];
  }
  function readAnswers() {
    const answers = {};
    questions.forEach(function (question) {
      const code = question.dataset.code;
      const kind = question.dataset.kind;
      const other = question.querySelector(".citizen-other");
      const otherText = other ? other.value.trim() : "";
      if (kind === "contact") {
        const consent = question.querySelector("[name$='-consent']");
        const contact = {};
        ["name", "address", "phone"].forEach(function (key) {
          contact[key] = question.querySelector("[name$='-" + key + "']").value.trim();
        });
        // Contact details leave the device only with the citizen's consent (Nghị định 13/2023).
        if (consent.checked && (contact.name || contact.address || contact.phone)) {
          contact.consent = true;
          answers[code] = contact;
        }
      } else if (kind === "multi") {
        const last = lastOption(question);
        const labels = Array.from(question.querySelectorAll("input[data-label]:checked"))
          .filter(function (input) { return !(otherText && input === last); })
          .map(function (input) { return input.dataset.label; });
        if (otherText) labels.push(otherText);
        if (labels.length) answers[code] = labels;
      } else if (kind === "scale" || kind === "single" || kind === "yesno" || kind === "timeliness") {
        const chosen = question.querySelector("input[data-label]:checked");
        if (otherText && (!chosen || chosen === lastOption(question))) answers[code] = otherText;
        else if (!chosen) return;
        else if (kind === "scale") answers[code] = Number(chosen.value);
        else if (kind === "yesno") answers[code] = chosen.value === "1";
        else answers[code] = chosen.dataset.label;
      } else {
        const text = question.querySelector("input, textarea").value.trim();
        if (text) answers[code] = text;
      }
    });
    return answers;
  }

  function saveDraft() {
    if (!draftKey) return;
    const draft = {};
    questions.forEach(function (question) {
      if (question.dataset.kind === "contact") return;  // personal details are never kept on the device
      inputs(question).forEach(function (input) {
        if (input.type === "radio" || input.type === "checkbox") {
          if (input.checked) (draft[input.name] = draft[input.name] || []).push(input.value);
        } else if (input.value) {
          draft[input.name] = input.value;
        }
      });
    });
    store(draftKey, draft);
  }
  function restoreDraft() {
    if (!draftKey || form.dataset.filled) return;
    const draft = load(draftKey, null);
    if (!draft) return;
    questions.forEach(function (question) {
      if (question.dataset.kind === "contact") return;
      inputs(question).forEach(function (input) {
        const value = draft[input.name];
        if (input.type === "radio" || input.type === "checkbox") input.checked = Array.isArray(value) && value.indexOf(input.value) >= 0;
        else if (typeof value === "string") input.value = value;
      });
    });
  }

  function clearErrors() {
    questions.forEach(function (question) { showError(question, ""); });
  }
  function showError(question, message) {
    const box = question.querySelector(".citizen-error");
    box.textContent = message;
    box.hidden = !message;
    question.classList.toggle("citizen-invalid", Boolean(message));
  }
  function showErrors(errors) {
    let first = null;
    const unplaced = [];
    Object.keys(errors || {}).forEach(function (code) {
      const question = questions.find(function (q) { return q.dataset.code === code; });
      if (question) { showError(question, errors[code]); first = first || question; }
      else unplaced.push(code + ": " + errors[code]);
    });
    if (first) first.scrollIntoView({ block: "start" });
    return unplaced.join(" ");
  }
  function setStatus(message, tone) {
    if (!statusBox) return;
    statusBox.textContent = message || "";
    statusBox.hidden = !message;
    statusBox.dataset.tone = tone || "";
  }
  function setBusy(busy) {
    const button = form.querySelector("button[type=submit]");
    button.disabled = busy;
  }
  function finish(panelId, message) {
    form.hidden = true;
    const panel = document.getElementById(panelId);
    if (message) document.getElementById("citizen-closed-message").textContent = message;
    panel.hidden = false;
    window.scrollTo(0, 0);
    panel.focus();
  }

  function contactState(question) {
    // The fields open once the citizen ticks consent; unticked, nothing of them is sent.
    const consent = question.querySelector("[name$='-consent']");
    inputs(question).forEach(function (input) { if (input !== consent) input.disabled = !consent.checked; });
  }

  function submit(event) {
    event.preventDefault();
    clearErrors();
    const answers = readAnswers();
    if (!Object.keys(answers).length) { setStatus(texts.empty, "error"); return; }
    const target = form.dataset.token ? { token: form.dataset.token } : { unit: form.dataset.unit };
    const pending = queue();
    // One link, one submission: a second tap while the first waits replaces it under the same id.
    const earlier = target.token && pending.find(function (entry) { return entry.payload.token === target.token; });
    const payload = Object.assign({}, target, {
      client_id: earlier ? earlier.payload.client_id : uuid4(),
      device: device(),
      answers: answers,
    });
    const entry = { payload: payload, draft: draftKey || "", queued: Date.now() };
    store(QUEUE, pending.filter(function (other) { return other !== earlier; }).concat([entry]));
    current = payload.client_id;
    announced = false;
    setBusy(true);
    setStatus(texts.sending, "");
    clearTimeout(retryTimer);
    flush();
  }

  // --- the queue --------------------------------------------------------------------------
  function flush() {
    if (flushing) return;
    const pending = queue();
    if (!pending.length) return;
    flushing = true;
    // This page's own answers go first: an old entry that keeps failing must not hold them up.
    const entry = pending.find(function (item) { return item.payload.client_id === current; }) || pending[0];
    const mine = entry.payload.client_id === current;
    const controller = "AbortController" in window ? new AbortController() : null;
    const timeout = setTimeout(function () { if (controller) controller.abort(); }, 20000);
    fetch(body.dataset.api, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(entry.payload),
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined,
    }).then(function (response) {
      clearTimeout(timeout);
      if (response.status >= 500) throw new Error("server");
      return response.json().catch(function () { return {}; }).then(function (reply) {
        return { status: response.status, reply: reply, retryAfter: Number(response.headers.get("Retry-After")) };
      });
    }).then(function (result) {
      flushing = false;
      if (result.status === 429) {
        // Kept: the server will take it once the window has passed.
        if (mine) setStatus(result.reply.message || texts.throttled, "throttled");
        later(Math.max(retryDelay, (result.retryAfter || 60) * 1000));
        return;
      }
      unqueue(entry.payload.client_id);
      retryDelay = 2000;
      settle(entry, result, mine);
      flush();
    }).catch(function () {
      clearTimeout(timeout);
      flushing = false;
      if (current && !announced) {
        announced = true;
        setStatus(texts.queued, "queued");
        document.dispatchEvent(new CustomEvent("sipas:queued", { detail: { client_id: current } }));
      }
      later(retryDelay);
      retryDelay = Math.min(retryDelay * 2, 60000);
    });
  }
  function later(delay) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, delay);
  }
  function settle(entry, result, mine) {
    const status = result.status;
    const reply = result.reply;
    if (status === 200 || status === 201) {
      if (entry.draft) forget(entry.draft);
      if (mine) {
        current = null;
        finish("citizen-done");
        document.dispatchEvent(new CustomEvent("sipas:submitted", { detail: { status: status } }));
      }
    } else if (status === 409 || status === 410 || status === 404) {
      // The link cannot take this answer any more; the draft is of no use either.
      if (entry.draft) forget(entry.draft);
      if (mine) { current = null; finish("citizen-closed", reply.message || texts.failed); }
    } else if (mine) {
      current = null;
      setBusy(false);
      const unplaced = status === 400 ? showErrors(reply.errors) : "";
      setStatus([reply.errors ? texts.invalid : reply.message || texts.failed, unplaced].join(" ").trim(), "error");
    }
  }

  // --- wiring -----------------------------------------------------------------------------
  if (form) {
    restoreDraft();
    questions.forEach(function (question) {
      if (question.dataset.kind === "contact") {
        question.addEventListener("change", function () { contactState(question); });
        contactState(question);
      }
      const other = question.querySelector(".citizen-other");
      if (other) {
        other.addEventListener("input", function () {
          // Writing an "other" answer picks the option that asks for it.
          if (other.value.trim()) lastOption(question).checked = true;
        });
      }
    });
    form.addEventListener("input", saveDraft);
    form.addEventListener("change", saveDraft);
    form.addEventListener("submit", submit);
    // An answer still waiting from an earlier visit of this link: say so, and show its outcome here.
    const waiting = form.dataset.token && queue().find(function (entry) { return entry.payload.token === form.dataset.token; });
    if (waiting) { current = waiting.payload.client_id; setStatus(texts.queued, "queued"); }
  }
  window.addEventListener("online", function () { retryDelay = 2000; clearTimeout(retryTimer); flush(); });
  flush();
  if ("serviceWorker" in navigator && body.dataset.sw) {
    navigator.serviceWorker.register(body.dataset.sw, { scope: "/" }).catch(function () { /* pages still work online */ });
  }
})();
