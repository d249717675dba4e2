// The certificate verifier in a real headless Chromium (playwright-core).
// Run by tests/system/certificates/browser.rs. The browser reaches the
// application through a proxy run here, which logs every request and can
// cut the network. Scenario: VALID online; with the network cut, the page
// loads from its service worker and says VALID again (list within its ttl)
// and INVALID for a forged token; the Rust side suspends, then revokes the certificate
// (asked on stdout, answered on stdin); network back, a list refresh says
// REVOKED. At the end, no request carried the token.
import { chromium } from 'playwright-core';
import http from 'node:http';
import readline from 'node:readline';
import assert from 'node:assert/strict';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const BASE = new URL(env('BASE'));
const DIGITS = env('TOKEN_DIGITS');
const B64 = env('TOKEN_B64');
const FORGED = env('FORGED_DIGITS');

let cut = false;
const seen = [];
const proxy = http.createServer((req, res) => {
  const body = [];
  req.on('data', (c) => body.push(c));
  req.on('end', () => {
    const data = Buffer.concat(body);
    seen.push(`${req.method} ${req.url} ${JSON.stringify(req.headers)} ${data.toString('latin1')}`);
    if (cut) {
      req.socket.destroy();
      return;
    }
    const up = http.request({ host: BASE.hostname, port: BASE.port, path: req.url, method: req.method,
      headers: { ...req.headers, host: BASE.host } }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    up.end(data);
  });
});
await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
const ORIGIN = `http://127.0.0.1:${proxy.address().port}`;

const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const ask = async (what) => {
  console.log(what);
  const answer = await lines.next();
  assert.equal(answer.value, 'done');
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const step = async (name, body) => {
  process.stdout.write(`verify: ${name} ... `);
  await body();
  console.log('ok');
};
const verdict = async (page) => {
  await page.locator('#browser-result #result').waitFor();
  return page.locator('#browser-result #result').innerText();
};

try {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Failed loads are what a cut network looks like; any other error counts.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });

  await step('a genuine certificate is VALID, checked in the browser', async () => {
    await page.goto(`${ORIGIN}/verify#c=${DIGITS}`);
    assert.match(await verdict(page), /VALID/);
    assert.match(await page.locator('#browser-result').innerText(), /山田 花子/);
    assert.match(await page.locator('#freshness').innerText(), /fetched \d+ s ago/);
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    // The worker has the page and the script before the network goes.
    await page.waitForFunction(async () => (await caches.keys()).length > 0
      && (await (await caches.open((await caches.keys())[0])).keys()).length === 2);
  });

  await step('offline: the page loads from the service worker and says VALID', async () => {
    cut = true;
    await page.reload();
    assert.match(await verdict(page), /VALID/);
    assert.doesNotMatch(await verdict(page), /INVALID/);
  });

  await step('offline: a forged token is INVALID, with a reason in words', async () => {
    await page.evaluate((f) => { location.hash = `c=${f}`; }, FORGED);
    await page.waitForFunction(() => document.querySelector('#result')?.innerText.includes('INVALID'));
    const reason = await page.locator('#reason').innerText();
    assert.doesNotMatch(reason, /COSE|CBOR|base64/i);
    assert.match(reason, /Reason: .+/);
  });

  await step('after a suspension and a list refresh: SUSPENDED, not REVOKED', async () => {
    await ask('SUSPEND');
    cut = false;
    await page.evaluate((d) => { location.hash = `c=${d}`; }, DIGITS);
    await page.waitForFunction(() => /\bVALID/.test(document.querySelector('#result')?.innerText || '')
      && !document.querySelector('#result').innerText.includes('INVALID'));
    await page.locator('#refresh').click();
    await page.waitForFunction(() => document.querySelector('#result')?.innerText.includes('SUSPENDED'));
    assert.match(await page.locator('#browser-result').innerText(), /停止中/);
    assert.doesNotMatch(await verdict(page), /REVOKED/);
  });

  await step('after a revocation and a list refresh: REVOKED', async () => {
    await ask('REVOKE');
    await page.locator('#refresh').click();
    await page.waitForFunction(() => document.querySelector('#result')?.innerText.includes('REVOKED'));
    assert.match(await page.locator('#browser-result').innerText(), /失効/);
  });

  await step('no request carried the token', async () => {
    assert.ok(seen.length > 3, `requests seen: ${seen.length}`);
    for (const request of seen) {
      for (const part of [DIGITS.slice(0, 40), DIGITS.slice(-40), B64.slice(0, 40), FORGED.slice(0, 40)]) {
        assert.ok(!request.includes(part), `a request carried the token: ${request.slice(0, 200)}`);
      }
    }
    assert.deepEqual(errors, []);
  });
} finally {
  await browser.close();
  proxy.close();
}
process.exit(0);
