// The ballot typing screen: digits answer and move on, Enter saves and opens a clean ballot.
// Every saved ballot waits in localStorage until the server has it, and carries an id made
// here, so a reload, a lost connection or a lost reply never loses or doubles a ballot.
(function () {
  "use strict";
  const root = document.getElementById("ballot-entry");
  if (!root) return;
  const config = JSON.parse(document.getElementById("ballot-config").textContent);
  const texts = config.texts;
  const form = document.getElementById("ballot-form");
  const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  const dateInput = document.getElementById("id_answered_on");
  const list = document.querySelector("#ballot-list tbody");
  const status = document.getElementById("entry-status");
  const typedCount = document.getElementById("typed-count");
  const banner = document.getElementById("correcting-banner");
  const queueKey = "sipas:batch:" + config.batch + ":queue";
  const draftKey = "sipas:batch:" + config.batch + ":draft";
  const KEYED = ["scale", "single", "yesno", "timeliness", "multi"];

  const cells = config.questions.map(function (question) {
    const row = root.querySelector('[data-question="' + question.id + '"]');
    return {
      question: question,
      row: row,
      input: document.getElementById("q-" + question.id),
      other: document.getElementById("q-" + question.id + "-other"),
      parts: question.kind === "contact" ? ["name", "address", "phone"].map(function (key) {
        return document.getElementById("q-" + question.id + "-" + key);
      }) : [],
      hint: document.getElementById("q-" + question.id + "-hint"),
      error: row.querySelector("[data-error]"),
      values: question.options.map(function (pair) { return pair[0]; }),
    };
  });
  const focusable = cells.filter(function (cell) { return cell.input; });
  let saved = [];          // ballots the server has, in typing order
  let rejected = [];       // ballots the server refused, kept to be typed again
  let correcting = config.correcting;
  let flushing = false;
  let retryDelay = 2000;

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
  function store(key, value) { localStorage.setItem(key, JSON.stringify(value)); }
  function queue() { return load(queueKey, []); }

  // --- one ballot in the form -------------------------------------------------------------
  function labelOf(cell, value) {
    const pair = cell.question.options.find(function (p) { return String(p[0]) === String(value); });
    return pair ? pair[1] : "";
  }
  function showHint(cell) {
    if (!cell.hint) return;
    const chosen = cell.input.value.split(";").filter(Boolean);
    cell.hint.textContent = chosen.map(function (v) { return labelOf(cell, v); }).join(" · ");
  }
  function setError(cell, message) {
    cell.error.textContent = message || "";
    cell.input.classList.toggle("is-invalid", Boolean(message));
  }
  function move(cell, step) {
    const index = focusable.indexOf(cell) + step;
    if (index >= 0 && index < focusable.length) {
      focusable[index].input.focus();
      focusable[index].input.select();
    }
  }
  function readBallot() {
    const answers = {};
    cells.forEach(function (cell) {
      const kind = cell.question.kind;
      if (kind === "contact") {
        const [name, address, phone] = cell.parts.map(function (part) { return part.value.trim(); });
        if (name || address || phone) answers[cell.question.code] = { name: name, address: address, phone: phone };
        return;
      }
      const raw = cell.input.value.trim();
      const other = cell.other ? cell.other.value.trim() : "";
      if (kind === "multi") {
        const chosen = raw.split(";").filter(Boolean).map(Number);
        if (other) chosen.push(other);
        if (chosen.length) answers[cell.question.code] = chosen;
      } else if (KEYED.indexOf(kind) >= 0) {
        if (other && raw === String(cell.values[cell.values.length - 1])) answers[cell.question.code] = other;
        else if (raw) answers[cell.question.code] = Number(raw);
      } else if (raw) {
        answers[cell.question.code] = raw;
      }
    });
    return answers;
  }
  function fillBallot(answers) {
    cells.forEach(function (cell) {
      if (!cell.input) return;
      const value = answers[cell.question.code];
      if (cell.other) cell.other.value = "";
      if (Array.isArray(value)) {
        const numbers = value.filter(function (v) { return typeof v === "number"; });
        const words = value.filter(function (v) { return typeof v !== "number"; });
        if (words.length && cell.other) {
          cell.other.value = words.join("; ");
          numbers.push(cell.values[cell.values.length - 1]);
        }
        cell.input.value = Array.from(new Set(numbers)).sort().join(";");
      } else if (typeof value === "string" && cell.other && KEYED.indexOf(cell.question.kind) >= 0) {
        cell.other.value = value;
        cell.input.value = String(cell.values[cell.values.length - 1]);
      } else {
        cell.input.value = value === undefined || value === null ? "" : String(value);
      }
      setError(cell, "");
      showHint(cell);
    });
  }
  function clearBallot() {
    cells.forEach(function (cell) { cell.parts.forEach(function (part) { part.value = ""; }); });
    fillBallot({});
    setCorrecting(null);
    localStorage.removeItem(draftKey);
    if (focusable.length) focusable[0].input.focus();
  }
  function setCorrecting(ballot) {
    correcting = ballot ? ballot.id : null;
    banner.classList.toggle("d-none", !ballot);
    banner.textContent = ballot ? texts.correcting.replace("%(n)s", ballot.number) : "";
  }
  function saveDraft() {
    const draft = { correcting: correcting, date: dateInput.value, values: {} };
    cells.forEach(function (cell) {
      if (cell.input) draft.values[cell.input.id] = cell.input.value;
      if (cell.other) draft.values[cell.other.id] = cell.other.value;
      cell.parts.forEach(function (part) { draft.values[part.id] = part.value; });
    });
    store(draftKey, draft);
  }
  function restoreDraft() {
    const draft = load(draftKey, null);
    if (!draft) return;
    if (draft.date) dateInput.value = draft.date;
    Object.keys(draft.values).forEach(function (id) {
      const input = document.getElementById(id);
      if (input) input.value = draft.values[id];
    });
    cells.forEach(showHint);
    if (draft.correcting) {
      const ballot = saved.find(function (b) { return b.id === draft.correcting; });
      if (ballot) setCorrecting(ballot);
    }
  }

  function onKey(cell, event) {
    const key = event.key;
    if (key === "Enter") { event.preventDefault(); submit(); return; }
    if (key === "Escape") { event.preventDefault(); clearBallot(); return; }
    if (KEYED.indexOf(cell.question.kind) < 0) return;
    if (key === "ArrowDown") { event.preventDefault(); move(cell, 1); return; }
    if (key === "ArrowUp") { event.preventDefault(); move(cell, -1); return; }
    if (key === "Tab" || event.ctrlKey || event.metaKey || event.altKey) return;
    event.preventDefault();
    if (key === "Backspace" || key === "Delete") {
      if (cell.input.value) { cell.input.value = ""; showHint(cell); setError(cell, ""); }
      else move(cell, -1);
    } else if (key === " " || key === "0") {
      cell.input.value = "";
      showHint(cell);
      setError(cell, "");
      move(cell, 1);
    } else if (/^[1-9]$/.test(key)) {
      const value = Number(key);
      if (cell.values.indexOf(value) < 0) {
        setError(cell, texts.onlyValues + " " + cell.values.slice().sort().join(", ") + ".");
        return;
      }
      setError(cell, "");
      if (cell.question.kind === "multi") {
        const chosen = new Set(cell.input.value.split(";").filter(Boolean).map(Number));
        if (chosen.has(value)) chosen.delete(value); else chosen.add(value);
        cell.input.value = Array.from(chosen).sort().join(";");
        showHint(cell);
      } else {
        cell.input.value = key;
        showHint(cell);
        if (cell.other && value === cell.values[cell.values.length - 1]) cell.other.focus();
        else move(cell, 1);
      }
    }
    saveDraft();
  }

  // --- saving -----------------------------------------------------------------------------
  function submit() {
    if (!/^\d{1,2}\/\d{1,2}\/\d{4}$/.test(dateInput.value.trim())) {
      dateInput.classList.add("is-invalid");
      dateInput.parentElement.querySelector("[data-error]").textContent = texts.badDate;
      dateInput.focus();
      return;
    }
    dateInput.classList.remove("is-invalid");
    dateInput.parentElement.querySelector("[data-error]").textContent = "";
    const item = { client_id: uuid4(), answered_on: dateInput.value.trim(), answers: readBallot() };
    if (correcting) item.response_id = correcting;
    const pending = queue();
    pending.push(item);
    store(queueKey, pending);
    clearBallot();
    render();
    flush();
  }
  function setStatus(message) {
    status.textContent = message || "";
    status.classList.toggle("d-none", !message);
  }
  function flush() {
    if (flushing) return;
    const pending = queue();
    if (!pending.length) { setStatus(""); return; }
    flushing = true;
    const item = pending[0];
    const url = item.response_id ? config.saveUrl + item.response_id + "/" : config.saveUrl;
    fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(item),
      credentials: "same-origin",
      redirect: "manual",
    }).then(function (response) {
      if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
        throw { stop: texts.loggedOut };
      }
      if (response.status === 409) throw { stop: texts.closed };
      if (response.status >= 500) throw new Error("server");
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (result) {
      const rest = queue().filter(function (other) { return other.client_id !== item.client_id; });
      store(queueKey, rest);
      if (result.status === 400) {
        rejected.push({ item: item, message: describe(result.body) });
      } else {
        const ballot = result.body.ballot;
        saved = saved.filter(function (b) { return b.id !== ballot.id; });
        saved.push(ballot);
        saved.sort(function (a, b) { return a.number - b.number; });
      }
      retryDelay = 2000;
      flushing = false;
      render();
      flush();
    }).catch(function (problem) {
      flushing = false;
      if (problem && problem.stop) { setStatus(problem.stop); return; }
      setStatus(texts.offline.replace("%(n)s", queue().length));
      setTimeout(flush, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    });
  }
  function describe(body) {
    if (body.errors) return Object.keys(body.errors).map(function (code) { return code + ": " + body.errors[code]; }).join(" ");
    return body.error || "";
  }

  // --- the running list -------------------------------------------------------------------
  function compact(answers) {
    // One character per keyed question in printed order, then ✎ when something was written.
    let written = false;
    const keys = [];
    cells.forEach(function (cell) {
      const value = answers[cell.question.code];
      const blank = value === undefined || value === null || value === "";
      if (KEYED.indexOf(cell.question.kind) < 0) { written = written || !blank; return; }
      if (blank) keys.push("·");
      else if (Array.isArray(value)) keys.push(value.map(function (v) { return typeof v === "number" ? v : "✎"; }).join("+"));
      else keys.push(typeof value === "number" ? String(value) : "✎");
    });
    return keys.join(" ") + (written ? " ✎" : "");
  }
  function row(number, date, answers, state, action) {
    const tr = document.createElement("tr");
    if (state) tr.className = state.className;
    [number, date, compact(answers)].forEach(function (text, index) {
      const td = document.createElement("td");
      td.textContent = text;
      if (index === 2) td.className = "font-monospace small";
      tr.appendChild(td);
    });
    const last = document.createElement("td");
    if (state) {
      const badge = document.createElement("span");
      badge.className = "badge " + state.badge;
      badge.textContent = state.label;
      if (state.title) badge.title = state.title;
      last.appendChild(badge);
    }
    if (action) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-link btn-sm py-0";
      button.textContent = action.label;
      button.addEventListener("click", action.run);
      last.appendChild(button);
    }
    tr.appendChild(last);
    return tr;
  }
  function render() {
    const pending = queue();
    list.replaceChildren();
    rejected.forEach(function (entry, index) {
      list.appendChild(row("!", entry.item.answered_on, entry.item.answers,
        { className: "table-danger", badge: "text-bg-danger", label: texts.rejected, title: entry.message },
        { label: texts.retype, run: function () { rejected.splice(index, 1); fillBallot(entry.item.answers); render(); } }));
    });
    pending.slice().reverse().forEach(function (item) {
      list.appendChild(row("…", item.answered_on, item.answers,
        { className: "table-warning", badge: "text-bg-warning", label: texts.pending }, null));
    });
    saved.slice().reverse().forEach(function (ballot) {
      list.appendChild(row(ballot.number, ballot.answered_on, ballot.answers, null,
        { label: texts.edit, run: function () { edit(ballot); } }));
    });
    typedCount.textContent = saved.length + pending.filter(function (item) { return !item.response_id; }).length;
  }
  function edit(ballot) {
    fillBallot(ballot.answers);
    dateInput.value = ballot.answered_on;
    setCorrecting(ballot);
    saveDraft();
    if (focusable.length) focusable[0].input.focus();
  }

  // --- wiring -----------------------------------------------------------------------------
  cells.forEach(function (cell) {
    [cell.input, cell.other].concat(cell.parts).forEach(function (input) {
      if (!input) return;
      input.addEventListener("keydown", function (event) {
        if (input === cell.input) onKey(cell, event);
        else if (event.key === "Enter") { event.preventDefault(); submit(); }
        else if (event.key === "Escape") { event.preventDefault(); clearBallot(); }
      });
      input.addEventListener("input", saveDraft);
    });
  });
  dateInput.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); submit(); }
  });
  dateInput.addEventListener("change", saveDraft);
  form.addEventListener("submit", function (event) { event.preventDefault(); submit(); });
  form.addEventListener("reset", function (event) { event.preventDefault(); clearBallot(); });
  window.addEventListener("online", flush);

  const procedureCell = cells.find(function (cell) { return cell.question.kind === "procedure"; });
  if (procedureCell && config.suggestUrl) {
    let timer = null;
    procedureCell.input.addEventListener("input", function () {
      clearTimeout(timer);
      const text = procedureCell.input.value.trim();
      if (text.length < 2) return;
      timer = setTimeout(function () {
        fetch(config.suggestUrl + "?q=" + encodeURIComponent(text) + "&unit=" + encodeURIComponent(config.unit))
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (body) {
            const options = document.getElementById("procedure-suggestions");
            options.replaceChildren();
            body.results.forEach(function (result) {
              const option = document.createElement("option");
              option.value = result.name;
              options.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are a convenience; typing goes on without them */ });
      }, 250);
    });
  }

  fetch(config.saveUrl, { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (body) { saved = body.ballots; })
    .catch(function () { /* offline: the queue still shows, and flush retries */ })
    .finally(function () {
      restoreDraft();
      if (config.correcting && !correcting) {
        const ballot = saved.find(function (b) { return b.id === config.correcting; });
        if (ballot) edit(ballot);
      }
      render();
      flush();
      if (focusable.length) focusable[0].input.focus();
      root.dataset.ready = "true";
    });
})();
