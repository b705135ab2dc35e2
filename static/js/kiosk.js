// The counter tablet's welcome screen: ask every 2 seconds whether the counter has sent a survey
// and open it. Offline, ask less and less often and say so. Answers kept offline are sent from here
// too (sipas-queue.js); those the server refused for good are counted, discreetly, for the staff.
(function () {
  "use strict";
  const root = document.getElementById("kiosk");
  if (!root) return;
  const config = JSON.parse(document.getElementById("kiosk-config").textContent);
  const offlineHint = document.getElementById("kiosk-offline");
  const failedHint = document.getElementById("kiosk-failed");
  const failedText = failedHint.textContent.trim();  // "{count} …", translated by the server
  const POLL_MS = 2000;
  const MAX_DELAY_MS = 30000;
  let delay = POLL_MS;
  let timer = null;
  let asking = false;

  function load(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function store(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode: still polls */ }
  }
  // kiosk-form.js shows these on the citizen's form, whose page knows nothing of the tablet.
  store("sipas:kiosk:texts", config.texts);

  // A survey the tablet already went back from (answered while offline, or walked away from
  // while the close did not reach the server) is not opened again, unless the counter sends it again.
  function alreadyShown(next) {
    return load("sipas:kiosk:done", []).indexOf(next.url + "@" + next.sent) !== -1;
  }

  function later(ms) {
    clearTimeout(timer);
    timer = setTimeout(ask, ms);
  }

  function showOffline(flag) { offlineHint.hidden = !flag; }

  function showFailed() {
    const count = window.sipasQueue ? window.sipasQueue.failed().length : 0;
    failedHint.textContent = failedText.replace("{count}", String(count));
    failedHint.hidden = count === 0;
  }

  function show(next) {
    store("sipas:kiosk:showing", { url: next.url, sent: next.sent });
    // replace: the history never leads back to a citizen's form.
    location.replace(next.url);
  }

  function ask() {
    if (asking) return;
    asking = true;
    fetch(config.next, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 403) {
          // Revoked or never paired: the welcome page itself now asks for a pairing code.
          location.replace(config.home);
          return new Promise(function () {});
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (next) {
        asking = false;
        showOffline(false);
        delay = POLL_MS;
        if (next.url && !alreadyShown(next)) {
          show(next);
        } else {
          later(POLL_MS);
        }
      })
      .catch(function () {
        asking = false;
        showOffline(true);
        delay = Math.min(delay * 2, MAX_DELAY_MS);
        later(delay);
      });
  }

  document.addEventListener("sipas:sent", showFailed);
  showFailed();
  window.addEventListener("online", function () { delay = POLL_MS; later(0); });
  window.addEventListener("offline", function () { showOffline(true); });
  window.addEventListener("pageshow", function (event) { if (event.persisted) later(0); });
  ask();
  // The offline worker keeps this screen and the forms' files, so a tablet restarted offline still opens.
  if ("serviceWorker" in navigator && root.dataset.sw) {
    navigator.serviceWorker.register(root.dataset.sw, { scope: "/" }).catch(function () { /* works online */ });
  }
})();
