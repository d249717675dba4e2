// Keeps the verification page and its script for offline use: network
// first, the kept copy when the network is gone. Only /verify without a
// query (a query carries a token of the older form) and its script.
'use strict';
const CACHE = 'shikaku-verify-v1';
const SHELL = ['/verify', '/verify.js'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== location.origin || event.request.method !== 'GET') return;
  if (!SHELL.includes(url.pathname) || url.search !== '') return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        const copy = response.clone();
        caches.open(CACHE).then((c) => c.put(url.pathname, copy));
        return response;
      })
      .catch(() => caches.match(url.pathname)),
  );
});
