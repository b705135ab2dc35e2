// The offline worker of the citizen and kiosk pages, served at /sw.js by surveys.views.citizen,
// which puts `SIPAS` (files, shell, pages, static, api, version) above this script.
// Pages: network first, the last good copy when the network is down, so a tablet reloaded
// offline still opens and queues answers. Submissions (POST) and the API are never cached.
"use strict";
const FILES = "sipas-files-" + SIPAS.version;
const PAGES = "sipas-pages-" + SIPAS.version;
const KEEP_PAGES = 20;

self.addEventListener("install", function (event) {
  // One missing file (e.g. a script not deployed yet) must not stop the rest from being kept.
  event.waitUntil(caches.open(FILES).then(function (cache) {
    return Promise.all(SIPAS.files.map(function (url) { return cache.add(url).catch(function () { return null; }); }));
  }).then(function () {
    return caches.open(PAGES);
  }).then(function (cache) {
    return Promise.all(SIPAS.shell.map(function (url) { return cache.add(url).catch(function () { return null; }); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("sipas-") === 0 && name !== FILES && name !== PAGES;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () {
    return self.clients.claim();
  }).then(function () {
    // The page that installed this worker loaded before it: keep a copy of it too.
    return self.clients.matchAll({ type: "window", includeUncontrolled: true });
  }).then(function (windows) {
    return caches.open(PAGES).then(function (cache) {
      return Promise.all(windows.map(function (client) { return new URL(client.url); }).filter(function (url) {
        return url.origin === self.location.origin && isPage(url.pathname);
      }).map(function (url) { return cache.add(url.origin + url.pathname).catch(function () { return null; }); }));
    });
  }));
});

function isPage(path) {
  return SIPAS.pages.some(function (prefix) { return path.indexOf(prefix) === 0; });
}

function networkFirst(request, cacheName, key) {
  return fetch(request).then(function (response) {
    if (response.ok && response.type === "basic") {
      const copy = response.clone();
      caches.open(cacheName).then(function (cache) {
        return cache.put(key, copy).then(function () { return cacheName === PAGES ? trim(cache) : null; });
      });
    }
    return response;
  }).catch(function (error) {
    return caches.match(key, { ignoreVary: true }).then(function (kept) {
      if (kept) return kept;
      throw error;
    });
  });
}

function trim(cache) {
  // Each survey link is its own page: keep the newest few, not every citizen's link ever opened.
  return cache.keys().then(function (keys) {
    return Promise.all(keys.slice(0, Math.max(0, keys.length - KEEP_PAGES)).filter(function (request) {
      return SIPAS.shell.indexOf(new URL(request.url).pathname) < 0;
    }).map(function (request) { return cache.delete(request); }));
  });
}

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf(SIPAS.api) === 0) return;
  if (request.mode === "navigate" && isPage(url.pathname)) {
    // Kept by path alone: a link opened with ?utm=… is the same page.
    event.respondWith(networkFirst(request, PAGES, url.origin + url.pathname));
  } else if (url.pathname.indexOf(SIPAS.static) === 0) {
    event.respondWith(networkFirst(request, FILES, request));
  }
});
