// The examiner console in a real headless Chromium, driven by playwright-core.
// Run by tests/console.rs, which starts the application and prepares the cases;
// everything it needs comes in the environment.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import assert from 'node:assert/strict';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const BASE = env('BASE');
const SHOTS = env('SCREENSHOT_DIR');
const CASE1 = env('CASE1');
const CASE2 = env('CASE2');
const tokens = {
  examiner: env('EXAMINER_TOKEN'),
  senior: env('SENIOR_TOKEN'),
  applicant: env('APPLICANT_TOKEN'),
};
mkdirSync(SHOTS, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = false;
const step = async (name, body) => {
  process.stdout.write(`console: ${name} ... `);
  try {
    await body();
    console.log('ok');
  } catch (e) {
    console.log('FAILED');
    throw e;
  }
};

async function signIn(page, token) {
  await page.goto(`${BASE}/console/login`);
  await page.getByLabel('トークン').fill(token);
  await page.getByRole('button', { name: 'サインイン' }).click();
  await page.waitForLoadState('domcontentloaded');
}

// Submits a form; when the register's answer landed in between (the page is
// then stale and says so), submits the refreshed form once more.
// `fill` (re)fills the form, the second time on the refreshed page.
async function submit(page, form, fill = async () => {}) {
  await fill();
  await page.locator(`${form} button[type=submit]`).click();
  await page.locator('#notice, #stale').first().waitFor();
  if (await page.locator('#stale').count()) {
    await fill();
    await page.locator(`${form} button[type=submit]`).click();
    await page.locator('#notice').waitFor();
  }
}

const status = (page) => page.locator('#case-status').getAttribute('data-status');

try {
  // Japanese is the default: the browser asks for Japanese, as the office's do.
  const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  // A script error or a CSP violation would show here.
  const browserErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') browserErrors.push(m.text()); });
  page.on('pageerror', (e) => browserErrors.push(String(e)));

  await step('an applicant token is refused', async () => {
    await signIn(page, tokens.applicant);
    assert.match(await page.locator('#login-error').innerText(), /審査官専用/);
    assert.ok(page.url().endsWith('/console/login'));
    const queue = await page.goto(`${BASE}/console/queue`);
    assert.ok(page.url().includes('/console/login'), 'no session: back to sign-in');
    assert.equal(queue.status(), 200);
  });

  await step('an examiner signs in and filters the queue', async () => {
    await signIn(page, tokens.examiner);
    assert.ok(page.url().endsWith('/console/queue'), page.url());
    assert.equal(await page.locator('#signed-in-as').innerText(), 'ex-1');
    await page.locator('#f-status').selectOption('UNDER_EXAMINATION');
    await page.waitForURL(/status=UNDER_EXAMINATION/);
    await page.locator(`a[href$="${CASE1}"]`).waitFor();
    const rows = await page.locator('#queue-table tbody tr').count();
    assert.equal(rows, 2, 'both prepared cases are under examination');
    await page.locator('#f-status').selectOption('REGISTERED');
    await page.locator('#no-cases').waitFor();
    await page.locator('#f-status').selectOption('UNDER_EXAMINATION');
    await page.locator(`a[href$="${CASE1}"]`).waitFor();
    await page.screenshot({ path: `${SHOTS}/queue.png`, fullPage: true });
  });

  await step('a form without its CSRF token changes nothing', async () => {
    await page.locator(`a[href$="${CASE1}"]`).click();
    await page.locator('#form-claim').waitFor();
    await page.evaluate(() => document.querySelector('#form-claim input[name=csrf]').remove());
    await page.locator('#form-claim button').click();
    await page.waitForLoadState('domcontentloaded');
    assert.match(await page.locator('#actions').innerText(), /何も変更されていません/);
    assert.equal(await page.locator('#case-assignee').innerText(), '未割当');
  });

  await step('the examiner claims the case and requests information', async () => {
    await page.goto(`${BASE}/console/cases/registrations/${CASE1}`);
    await submit(page, '#form-claim');
    assert.equal(await page.locator('#case-assignee').innerText(), 'ex-1');
    const form = page.locator('#form-request-information');
    await submit(page, '#form-request-information', async () => {
      await form.getByLabel('理由コード').selectOption('DOCUMENT_MISSING');
      await form.getByLabel('本文').fill('合格証書の写しを送ってください。');
    });
    assert.equal(await status(page), 'ACTION_REQUIRED');
  });

  await step('the applicant answers over the API', async () => {
    const r = await fetch(`${BASE}/v1/registrations/${CASE1}/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.applicant}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: '写しを添付しました。' }),
    });
    assert.equal(r.status, 200, await r.text());
  });

  await step('a stale page says so', async () => {
    // This page was rendered before the applicant answered.
    await page.locator('#form-request-information').count().then((n) => assert.equal(n, 0));
    await page.goto(`${BASE}/console/cases/registrations/${CASE1}`);
    const stale = await context.newPage();
    await stale.goto(`${BASE}/console/cases/registrations/${CASE1}`);
    await page.getByLabel('備考').fill('要件を満たす。');
    await page.locator('#form-propose button').click();
    await page.locator('#notice').waitFor();
    await stale.locator('#form-propose button').click();
    await stale.locator('#stale').waitFor();
    assert.match(await stale.locator('#stale').innerText(), /他の人がこの案件を更新しました/);
    await stale.close();
  });

  await step('the examiner has proposed approval', async () => {
    assert.equal(await status(page), 'UNDER_EXAMINATION');
    assert.match(await page.locator('#proposal').innerText(), /承認/);
    await page.screenshot({ path: `${SHOTS}/case.png`, fullPage: true });
  });

  await step('a paper application is entered, paid on paper and withdrawn in writing', async () => {
    await page.goto(`${BASE}/console/paper/registrations`);
    await page.locator('#e-qualification_code').selectOption('CARE_WORKER');
    const fill = async (values) => {
      for (const [name, value] of Object.entries(values)) await page.locator(`#e-${name}`).fill(value);
    };
    await fill({
      family_name: '鈴木', given_name: '一郎', family_name_kana: 'スズキ', given_name_kana: 'イチロウ',
      date_of_birth: '1985-06-15', address: '東京都港区1-1-1', registered_domicile: '東京都港区',
      email: 'ichiro@example.jp', exam_pass_number: 'P99887766', my_number: '123',
    });
    await page.locator('#entry-form button[type=submit]').click();
    await page.locator('#entry-error').waitFor();
    assert.equal(await page.locator('#e-my_number').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#e-my_number').inputValue(), '', 'the My Number is not written back');
    assert.equal(await page.locator('#e-family_name').inputValue(), '鈴木');
    await page.screenshot({ path: `${SHOTS}/paper-entry.png`, fullPage: true });
    await fill({ my_number: env('PAPER_MY_NUMBER') });
    await page.locator('#entry-form button[type=submit]').click();
    await page.locator('#notice').waitFor();
    assert.equal(await page.locator('#case-channel').innerText(), '紙');
    assert.equal(await status(page), 'AWAITING_PAYMENT');
    assert.ok(!(await page.content()).includes(env('PAPER_MY_NUMBER')), 'no My Number on the page');
    // The payment workers may open a checkout meanwhile: a stale page says so
    // and shows the current form, which is sent again.
    const pay = page.locator('#form-record-payment');
    for (let attempt = 0; attempt < 3; attempt++) {
      await pay.getByLabel('受領番号').fill('FURIKOMI-0001');
      await pay.getByLabel('金額').fill('12000');
      await pay.locator('button').click();
      await page.locator('#form-record-payment .error').waitFor();
      if (!(await page.locator('#stale').count())) break;
    }
    assert.match(await page.locator('#form-record-payment .error').innerText(), /手数料と一致しません/);
    await submit(page, '#form-record-payment', () =>
      page.locator('#form-record-payment').getByLabel('受領番号').fill('FURIKOMI-0001'));
    assert.equal(await page.locator('#payment-status').innerText(), '納付済み');
    // Paid, the case goes to the registers; their answer lands a moment later.
    for (let i = 0; i < 100 && (await page.locator('#inquiry').innerText()).includes('まだ回答'); i++) {
      await page.waitForTimeout(100);
      await page.reload();
    }
    // The applicant is asked by post and answers by post, with a scanned letter.
    await submit(page, '#form-claim');
    const ask = page.locator('#form-request-information');
    await submit(page, '#form-request-information', async () => {
      await ask.getByLabel('理由コード').selectOption('DOCUMENT_MISSING');
      await ask.getByLabel('本文').fill('合格証書の写しを郵送してください。');
    });
    assert.equal(await status(page), 'ACTION_REQUIRED');
    const answer = page.locator('#form-record-response');
    await submit(page, '#form-record-response', async () => {
      await answer.getByLabel('本文').fill('合格証書の写しを同封します。');
      await answer.locator('#resp-scan').setInputFiles({
        name: 'letter.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% scanned letter\n'),
      });
    });
    assert.equal(await status(page), 'UNDER_EXAMINATION');
    assert.match(await page.locator('#timeline').innerText(), /紙で受付/);
    await page.screenshot({ path: `${SHOTS}/paper-case.png`, fullPage: true });
    const scan = await page.locator('#documents a').first().getAttribute('href');
    const opened = await page.request.get(`${BASE}${scan}`);
    assert.equal(opened.status(), 200);
    assert.equal(opened.headers()['content-type'], 'application/pdf');
    assert.equal(opened.headers()['content-disposition'], 'inline');
    await submit(page, '#form-record-withdrawal');
    assert.equal(await status(page), 'WITHDRAWN');
  });

  await step('the examiner signs out', async () => {
    await page.getByRole('button', { name: 'サインアウト' }).click();
    await page.waitForURL(/\/console\/login$/);
    await page.goto(`${BASE}/console/queue`);
    assert.ok(page.url().includes('/console/login'), 'signed out');
  });

  await step('a senior examiner signs in and approves', async () => {
    await signIn(page, tokens.senior);
    await page.goto(`${BASE}/console/cases/registrations/${CASE1}`);
    await submit(page, '#form-approve');
    assert.equal(await status(page), 'REGISTERED');
    assert.match(await page.locator('#registration-number').innerText(), /\d+/);
  });

  await step('a paper change request is entered and withdrawn in writing', async () => {
    await page.goto(`${BASE}/console/paper/change-requests`);
    await page.locator('#e-kind').selectOption('CHANGE_ADDRESS');
    await page.locator('#e-registration_id').fill(CASE1);
    await page.locator('#e-address').fill('大阪府大阪市北区1-1');
    await page.locator('#entry-form button[type=submit]').click();
    await page.locator('#notice').waitFor();
    assert.ok(page.url().includes('/console/cases/change-requests/'), page.url());
    assert.equal(await page.locator('#case-channel').innerText(), '紙');
    await submit(page, '#form-record-withdrawal');
    assert.equal(await status(page), 'WITHDRAWN');
    // The registration lists it (once the change-request view has it).
    await page.goto(`${BASE}/console/cases/registrations/${CASE1}`);
    for (let i = 0; i < 100 && !(await page.locator('#change-requests').count()); i++) {
      await page.waitForTimeout(100);
      await page.reload();
    }
    assert.match(await page.locator('#change-requests').innerText(), /住所の変更/);
  });

  await step('the proposer cannot approve, and is told why', async () => {
    await page.goto(`${BASE}/console/cases/registrations/${CASE2}`);
    // With the keyboard alone: Tab to Claim, press Enter.
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      const onClaim = await page.evaluate(() => document.activeElement?.closest('#form-claim') !== null
        && document.activeElement.tagName === 'BUTTON');
      if (onClaim) break;
    }
    await page.keyboard.press('Enter');
    await page.locator('#notice, #stale').first().waitFor();
    if (await page.locator('#stale').count()) await submit(page, '#form-claim');
    await submit(page, '#form-propose');
    await page.getByRole('button', { name: '決裁を承認する' }).click();
    await page.locator('#approve-error').waitFor();
    assert.match(await page.locator('#approve-error').innerText(), /起案者本人は承認できません/);
    assert.equal(await status(page), 'UNDER_EXAMINATION');
    await page.screenshot({ path: `${SHOTS}/four-eyes.png`, fullPage: true });
  });

  await step('English on request', async () => {
    await page.goto(`${BASE}/console/queue?lang=en`);
    assert.equal(await page.locator('h1').innerText(), 'Queue');
    await page.goto(`${BASE}/console/cases/registrations/${CASE1}`);
    assert.match(await page.locator('#case-status').innerText(), /Registered/);
    await page.screenshot({ path: `${SHOTS}/case-en.png`, fullPage: true });
  });

  await step('no script errors or CSP violations in the browser', async () => {
    // Refused actions answer 403/409/422 on purpose; the browser logs those loads.
    const real = browserErrors.filter((e) => !/Failed to load resource: the server responded with a status of (401|403|409|422)/.test(e));
    assert.deepEqual(real, []);
  });

  await context.close();
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
