// The applicant portal in a real headless Chromium, driven by playwright-core:
// apply, pay in the sandbox, answer an information request with an upload,
// download the certificate and read the inbox, in Japanese and in English;
// axe-core scans every portal page and the console's pages and must find no
// serious or critical violation. Run by tests/system/portal_browser.rs,
// which starts the application and prepares the cases.
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const BASE = env('BASE');
const SHOTS = env('SCREENSHOT_DIR');
mkdirSync(SHOTS, { recursive: true });
const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// One walk per language: a holder with a case awaiting an answer, a
// registered case with its certificate, and a My Number to apply with.
const walks = [
  {
    lang: 'ja', locale: 'ja-JP', token: env('JA_TOKEN'), action: env('JA_ACTION'),
    registered: env('JA_REGISTERED'), myNumber: env('JA_MY_NUMBER'), foreign: env('EN_ACTION'),
    words: { token: 'トークン', signIn: 'サインイン', apply: '申請する', send: '回答を送る',
      inbox: '【資格登録】', kanaError: '全角カタカナ' },
    person: { family: '佐藤', given: '一郎', familyKana: 'サトウ', givenKana: 'イチロウ' },
    // A Japanese national: kana and registered domicile.
    invalid: ['family_name_kana', 'given_name_kana', 'my_number'],
  },
  {
    lang: 'en', locale: 'en-US', token: env('EN_TOKEN'), action: env('EN_ACTION'),
    registered: env('EN_REGISTERED'), myNumber: env('EN_MY_NUMBER'), foreign: env('JA_ACTION'),
    words: { token: 'Token', signIn: 'Sign in', apply: 'Apply', send: 'Send the answer',
      inbox: '[Qualification registration]', kanaError: 'katakana' },
    // A US national: no family register, so a nationality instead of a
    // registered domicile, and a name in Latin script needs no kana.
    person: { family: 'SMITH', given: 'JOHN', nationality: 'US' },
    invalid: ['family_name_kana', 'nationality', 'my_number'],
  },
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const step = async (name, body) => {
  process.stdout.write(`portal: ${name} ... `);
  try {
    await body();
    console.log('ok');
  } catch (e) {
    console.log('FAILED');
    throw e;
  }
};

// axe-core is evaluated through the DevTools protocol, which the pages' CSP
// (no inline scripts) does not govern, so the pages are scanned as served.
const scanned = [];
async function scan(page, name) {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(violations, [], `${name} (${page.url()}) has accessibility violations`);
  scanned.push(name);
}

// Reloads until `selector` is on the page (work in the background lands;
// a minute or more on a loaded machine).
async function until(page, selector, tries = 240) {
  for (let i = 0; i < tries; i++) {
    if (await page.locator(selector).count()) return;
    await page.waitForTimeout(250);
    await page.reload();
  }
  throw new Error(`${selector} never appeared on ${page.url()}`);
}

const pdf = Buffer.from('%PDF-1.4\n% family register extract\n');

try {
  for (const w of walks) {
    const context = await browser.newContext({ locale: w.locale, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = [];
    // A refused form (422) or a foreign case (404) logs its status: expected here.
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));

    // The link of a mail, opened in a browser with no session yet.
    const linked = `${BASE}/portal/registrations/${w.registered}`;
    await step(`${w.lang}: no session is a trip to the sign-in page`, async () => {
      await page.goto(linked);
      assert.ok(page.url().startsWith(`${BASE}/portal/login?next=`), page.url());
      assert.equal(await page.locator('html').getAttribute('lang'), w.lang);
      await scan(page, `${w.lang} sign-in`);
    });

    await step(`${w.lang}: sign in and land on the linked page`, async () => {
      await page.getByLabel(w.words.token).fill(w.token);
      await page.getByRole('button', { name: w.words.signIn }).click();
      await page.waitForURL(linked);
      await page.goto(`${BASE}/portal`);
      await page.locator(`a[href="/portal/registrations/${w.registered}"]`).waitFor();
      await scan(page, `${w.lang} my page`);
    });

    await step(`${w.lang}: apply, every error at once, then accepted`, async () => {
      await page.goto(`${BASE}/portal/apply`);
      await scan(page, `${w.lang} application form`);
      await page.selectOption('#a-qualification_code', 'CARE_WORKER');
      await page.fill('#a-family_name', w.person.family);
      await page.fill('#a-given_name', w.person.given);
      await page.fill('#a-family_name_kana', 'さとう');
      await page.fill('#a-date_of_birth', '1988-07-07');
      await page.fill('#a-address', '東京都千代田区霞が関1-2-2');
      if (w.person.nationality) {
        await page.fill('#a-nationality', 'USA');
      } else {
        await page.fill('#a-registered_domicile', '東京都千代田区');
      }
      await page.fill('#a-email', 'holder@example.jp');
      await page.fill('#a-exam_pass_number', 'P2024-001');
      await page.fill('#a-my_number', '123');
      await page.locator('#apply-form button[type=submit]').click();
      await page.locator('#apply-error').waitFor();
      for (const field of w.invalid) {
        assert.equal(await page.locator(`#a-${field}`).getAttribute('aria-invalid'), 'true', field);
      }
      for (const field of ['given_name_kana', 'registered_domicile', 'nationality'].filter((f) => !w.invalid.includes(f))) {
        assert.equal(await page.locator(`#a-${field}`).getAttribute('aria-invalid'), null, `${field} is fine`);
      }
      assert.match(await page.locator('#a-family_name_kana-note').innerText(), new RegExp(w.words.kanaError));
      await scan(page, `${w.lang} application form with errors`);
      if (w.person.nationality) {
        await page.fill('#a-family_name_kana', '');
        await page.fill('#a-nationality', w.person.nationality);
      } else {
        await page.fill('#a-family_name_kana', w.person.familyKana);
        await page.fill('#a-given_name_kana', w.person.givenKana);
      }
      await page.fill('#a-my_number', w.myNumber);
      await page.locator('#apply-form button[type=submit]').click();
      await page.locator('#notice').waitFor();
      assert.equal(await page.locator('#case-status').getAttribute('data-status'), 'AWAITING_PAYMENT');
    });

    await step(`${w.lang}: pay in the sandbox from the portal`, async () => {
      await until(page, '#pay-link');
      await scan(page, `${w.lang} case awaiting payment`);
      const casePage = page.url().split('?')[0];
      await page.locator('#pay-link').click();
      await page.locator('#pay').click();
      await page.waitForLoadState('domcontentloaded');
      await page.goto(casePage);
      await until(page, '#payment-status[data-status="PAID"]');
    });

    await step(`${w.lang}: answer the office's request with a document`, async () => {
      await page.goto(`${BASE}/portal/registrations/${w.action}`);
      assert.equal(await page.locator('#case-status').getAttribute('data-status'), 'ACTION_REQUIRED');
      await scan(page, `${w.lang} case with a request`);
      await page.fill('#r-message', w.lang === 'ja' ? '合格証書の写しを添付します。' : 'My pass certificate is attached.');
      await page.setInputFiles('#r-document', { name: 'certificate.pdf', mimeType: 'application/pdf', buffer: pdf });
      await page.getByRole('button', { name: w.words.send }).click();
      await page.locator('#notice').waitFor();
      assert.equal(await page.locator('#case-status').getAttribute('data-status'), 'UNDER_EXAMINATION');
      await scan(page, `${w.lang} case answered`);
    });

    await step(`${w.lang}: download the certificate and its QR code`, async () => {
      await page.goto(`${BASE}/portal/registrations/${w.registered}`);
      assert.equal(await page.locator('#case-status').getAttribute('data-status'), 'REGISTERED');
      await scan(page, `${w.lang} registration`);
      const pdfHref = await page.locator('#certificate-pdf').getAttribute('href');
      const r = await page.request.get(`${BASE}${pdfHref}`);
      assert.equal(r.status(), 200);
      assert.equal(r.headers()['content-type'], 'application/pdf');
      assert.equal((await r.body()).subarray(0, 4).toString(), '%PDF');
      const qr = await page.request.get(`${BASE}${await page.locator('#certificate-qr').getAttribute('href')}`);
      assert.equal(qr.status(), 200);
      assert.match(await qr.text(), /<svg/);
      await page.screenshot({ path: `${SHOTS}/portal-registration-${w.lang}.png`, fullPage: true });
    });

    await step(`${w.lang}: read the inbox`, async () => {
      await page.goto(`${BASE}/portal/inbox`);
      const first = page.locator('article.notice-item h2').first();
      await first.waitFor();
      assert.ok((await first.innerText()).includes(w.words.inbox), await first.innerText());
      await scan(page, `${w.lang} inbox`);
    });

    await step(`${w.lang}: another holder's case does not exist`, async () => {
      const r = await page.goto(`${BASE}/portal/registrations/${w.foreign}`);
      assert.equal(r.status(), 404);
    });

    assert.deepEqual(errors, [], 'no script errors or CSP violations');
    await context.close();
  }

  // The console's pages pass the same scan.
  for (const lang of ['ja', 'en']) {
    const context = await browser.newContext({ locale: lang === 'ja' ? 'ja-JP' : 'en-US' });
    const page = await context.newPage();
    await step(`console (${lang}) passes the accessibility scan`, async () => {
      await page.goto(`${BASE}/console/login`);
      await scan(page, `console ${lang} sign-in`);
      await page.locator('#token').fill(env('EXAMINER_TOKEN'));
      await page.locator('form button[type=submit]').click();
      await page.waitForURL(/\/console\/queue/);
      await scan(page, `console ${lang} queue`);
      await page.goto(`${BASE}/console/cases/registrations/${env('JA_ACTION')}`);
      await scan(page, `console ${lang} case`);
      await page.goto(`${BASE}/console/paper/registrations`);
      await scan(page, `console ${lang} paper application`);
      await page.locator('#entry-form button[type=submit]').click();
      await page.locator('#entry-error').waitFor();
      await scan(page, `console ${lang} paper application with errors`);
      await page.goto(`${BASE}/console/paper/change-requests`);
      await scan(page, `console ${lang} paper change request`);
    });
    await context.close();
  }
  console.log(`portal: scanned ${scanned.length} pages: ${scanned.join('; ')}`);
} finally {
  await browser.close();
}
