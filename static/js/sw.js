// The offline worker of the counter tablet, served at /sw.js by surveys.views.citizen, which puts
// `SIPAS` (files, shell, static, api, version) above this script.
// It keeps two things only: the kiosk's welcome screen (the shell) and the static files, network
// first, so a tablet restarted offline still opens and sends its queue later. Survey links and
// rating pages are never kept (they carry a citizen's key and say no-store), nor is the API.
"use strict";
const FILES = "sipas-files-" + SIPAS.version;
const SHELL = "sipas-shell-" + SIPAS.version;

self.addEventListener("install", function (event) {
  // One missing file (e.g. a script not deployed yet) must not stop the rest from being kept.
  function keep(name, urls) {
    return caches.open(name).then(function (cache) {
      return Promise.all(urls.map(function (url) { return cache.add(url).catch(function () { return null; }); }));
    });
  }
  event.waitUntil(keep(FILES, SIPAS.files).then(function () {
    return keep(SHELL, SIPAS.shell);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  // Older caches go, and with them any page an earlier version of this worker kept.
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("sipas-") === 0 && name !== FILES && name !== SHELL;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function noStore(response) {
  return /no-store/i.test(response.headers.get("Cache-Control") || "");
}

// `always`: the shell is kept although Django marks it no-store (never_cache): it holds no citizen's
// data (unit, counter, rating link), and without it a tablet restarted offline shows nothing.
function networkFirst(request, cacheName, key, always) {
  return fetch(request).then(function (response) {
    if (response.ok && response.type === "basic" && !response.redirected && (always || !noStore(response))) {
      const copy = response.clone();
      caches.open(cacheName).then(function (cache) { return cache.put(key, copy); });
    }
    return response;
  }).catch(function (error) {
    return caches.open(cacheName).then(function (cache) {
      return cache.match(key, { ignoreVary: true });
    }).then(function (kept) {
      if (kept) return kept;
      throw error;
    });
  });
}

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf(SIPAS.api) === 0) return;
  if (request.mode === "navigate" && SIPAS.shell.indexOf(url.pathname) >= 0) {
    // Kept by path alone: the shell opened with ?utm=… is the same page.
    event.respondWith(networkFirst(request, SHELL, url.origin + url.pathname, true));
  } else if (url.pathname.indexOf(SIPAS.static) === 0) {
    event.respondWith(networkFirst(request, FILES, request, false));
  }
});
