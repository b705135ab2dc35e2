// The citizen's form on a phone or the counter tablet. Answers stay on the device as they are
// typed; on "Gửi" they go as JSON to the API with an id made here, through the queue of
// sipas-queue.js that keeps them until the server has them, so a lost connection loses nothing
// and a retry never stores twice. Without JavaScript the same form posts as plain HTML.
(function () {
  "use strict";
  const queue = window.sipasQueue;
  const texts = JSON.parse(document.getElementById("citizen-texts").textContent);
  const form = document.getElementById("citizen-form");
  const statusBox = document.getElementById("citizen-status");
  let current = null;       // the client_id of what this page sent, until the server has the last word
  let announced = false;    // the kiosk has been told this page's answers wait in the queue

  function load(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function store(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode: the page still sends */ }
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

  function target() {
    return form.dataset.token ? { token: form.dataset.token } : { unit: form.dataset.unit };
  }

  function submit(event) {
    event.preventDefault();
    clearErrors();
    const answers = readAnswers();
    if (!Object.keys(answers).length) { setStatus(texts.empty, "error"); return; }
    announced = false;
    setBusy(true);
    setStatus(texts.sending, "");
    current = queue.put(target(), answers, draftKey);
  }

  // --- what the queue hears from the server about this page's answers ----------------------
  function waiting(event) {
    const detail = event.detail;
    if (detail.client_id !== current) return;
    if (detail.status === 429) {
      // Kept: the server will take it once the window has passed.
      setStatus(detail.reply.message || texts.throttled, "throttled");
    } else if (!announced) {
      announced = true;
      setStatus(texts.queued, "queued");
      document.dispatchEvent(new CustomEvent("sipas:queued", { detail: { client_id: current } }));
    }
  }
  function sent(event) {
    const detail = event.detail;
    if (detail.client_id !== current) return;
    current = null;
    const status = detail.status;
    const reply = detail.reply;
    if (status === 200 || status === 201) {
      finish("citizen-done");
      document.dispatchEvent(new CustomEvent("sipas:submitted", { detail: { status: status } }));
    } else if (status === 409 || status === 410 || status === 404) {
      finish("citizen-closed", reply.message || texts.failed);
    } else {
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
    document.addEventListener("sipas:waiting", waiting);
    document.addEventListener("sipas:sent", sent);
    // An answer of this page still waiting from an earlier visit: say so, send it again with the same
    // id when the citizen taps "Gửi" once more, and show its outcome here.
    const earlier = queue.waiting(target());
    if (earlier) {
      current = earlier.payload.client_id;
      announced = true;
      setStatus(texts.queued, "queued");
      queue.adopt(current);
    }
  }
})();
