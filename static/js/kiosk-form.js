// The citizen's form on a paired counter tablet goes back to the welcome screen by itself:
// after 30 seconds without a touch, or a few seconds after the answer was sent. The next person
// must never see the previous one's answers, so it leaves with location.replace and clears the form.
// A link that no longer takes an answer (used or expired between the poll and the page) shows why
// for a few seconds, then goes back as well.
(function () {
  "use strict";
  const root = document.querySelector("[data-kiosk-home]");
  if (!root) return;
  const IDLE_MS = 30000;
  const THANKS_MS = 5000;
  const home = root.dataset.kioskHome;
  const form = root.tagName === "FORM" ? root : null;
  let timer = null;
  let leaving = false;

  function load(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }

  function goHome() {
    if (form) form.reset();
    location.replace(home);
  }

  // Tell the server not to show this survey again, and remember it here in case that does not arrive.
  function close() {
    const showing = load("sipas:kiosk:showing", {});
    const sent = showing.url === location.pathname ? showing.sent : "";
    const done = load("sipas:kiosk:done", []).concat([location.pathname + "@" + sent]).slice(-20);
    try { localStorage.setItem("sipas:kiosk:done", JSON.stringify(done)); } catch (e) { /* the server still hears */ }
    fetch(root.dataset.kioskClose, {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: root.dataset.token }),
    }).catch(function () {});
  }

  if (!form) {
    // Nothing to answer here: the welcome screen must not offer this link again either.
    close();
    window.addEventListener("pointerdown", goHome);
    window.addEventListener("pageshow", function (event) { if (event.persisted) goHome(); });
    setTimeout(goHome, THANKS_MS);
    return;
  }

  function idle() {
    if (leaving) return;
    leaving = true;
    close();
    goHome();
  }

  function stillHere() {
    if (leaving) return;
    clearTimeout(timer);
    timer = setTimeout(idle, IDLE_MS);
  }

  function thank(queued) {
    const texts = load("sipas:kiosk:texts", {});
    const screen = document.createElement("div");
    screen.id = "kiosk-thanks";
    screen.setAttribute("role", "status");
    Object.assign(screen.style, {
      position: "fixed", inset: "0", zIndex: "2147483647", display: "flex", flexDirection: "column",
      alignItems: "center", justifyContent: "center", gap: "1.5rem", padding: "2rem", textAlign: "center",
      background: "#fbf7f2", color: "#212529", fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
    });
    const mark = document.createElement("div");
    mark.textContent = "✓";
    mark.setAttribute("aria-hidden", "true");
    Object.assign(mark.style, {
      width: "8rem", height: "8rem", borderRadius: "50%", background: "#1b7f3b", color: "#fff",
      fontSize: "5rem", lineHeight: "8rem", fontWeight: "700",
    });
    screen.appendChild(mark);
    [["h1", texts.thanks, "2.75rem", "#8b1a1a"], ["p", queued ? texts.queued : texts.thanks_body, "1.5rem", "#495057"],
      ["p", texts.back, "1.125rem", "#6c757d"]].forEach(function (part) {
      if (!part[1]) return;
      const element = document.createElement(part[0]);
      element.textContent = part[1];
      Object.assign(element.style, { margin: "0", fontSize: part[2], color: part[3], lineHeight: "1.3", maxWidth: "36rem" });
      screen.appendChild(element);
    });
    screen.addEventListener("click", goHome);
    document.body.appendChild(screen);
    document.documentElement.style.overflow = "hidden";
  }

  ["pointerdown", "touchstart", "keydown", "input", "scroll", "wheel"].forEach(function (name) {
    window.addEventListener(name, stillHere, { capture: true, passive: true });
  });
  // Stored, or kept in the queue while the network is down (the next form sends it): either way done here.
  function answered(queued) {
    if (leaving) return;
    leaving = true;
    clearTimeout(timer);
    close();
    thank(queued);
    setTimeout(goHome, THANKS_MS);
  }
  document.addEventListener("sipas:submitted", function () { answered(false); });
  document.addEventListener("sipas:queued", function () { answered(true); });
  // Back from the welcome screen must not bring a filled form out of the browser's page cache.
  window.addEventListener("pagehide", function () { form.reset(); });
  window.addEventListener("pageshow", function (event) { if (event.persisted) location.replace(home); });
  stillHere();
})();
