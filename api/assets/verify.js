// The certificate verifier in the browser. A QR code opens
// /verify#c=<digits>: the fragment never leaves the browser, so the token is
// checked here (COSE_Sign1 ES256 with WebCrypto against the published keys,
// the status against the signed status list) and no server learns who was
// checked. Keys and lists are kept in localStorage; the service worker keeps
// the page itself, so a verifier works offline within the list's ttl.
'use strict';

const $ = (id) => document.getElementById(id);
const utf8 = new TextDecoder('utf-8', { fatal: true });
const STORE = 'shikaku-verify:';

// Why a token is not accepted, in words (Japanese / English).
class Refusal extends Error {
  constructor(ja, en) { super(en); this.ja = ja; }
}
const NOT_A_CERTIFICATE = () => new Refusal('証明書のデータとして読み取れません。', 'This is not certificate data.');
const FORGED = () => new Refusal('署名が一致しません。改ざんされたか、この機関の証明書ではありません。', 'The signature does not match: altered, or not issued by this office.');

function digitsToBytes(text) {
  const DIGITS = [0, 3, 5, 8, 10, 13, 15, 17];
  const last = DIGITS.indexOf(text.length % 17);
  if (!/^[0-9]+$/.test(text) || last < 0) throw NOT_A_CERTIFICATE();
  const out = [];
  const push = (chunk, n) => {
    let v = BigInt(chunk);
    const group = [];
    for (let i = 0; i < n; i++) { group.unshift(Number(v & 255n)); v >>= 8n; }
    if (v !== 0n) throw NOT_A_CERTIFICATE();
    out.push(...group);
  };
  const full = Math.floor(text.length / 17);
  for (let i = 0; i < full; i++) push(text.slice(i * 17, i * 17 + 17), 7);
  if (last > 0) push(text.slice(full * 17), last);
  return new Uint8Array(out);
}

function base64urlToBytes(text) {
  let s = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  while (s.length % 4) s += '=';
  let bin;
  try { bin = atob(s); } catch { throw NOT_A_CERTIFICATE(); }
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

async function inflate(bytes, format) {
  try {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream(format));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch {
    throw NOT_A_CERTIFICATE();
  }
}

// A CBOR decoder for what certificates hold (RFC 8949, definite lengths).
function cbor(bytes) {
  let pos = 0;
  const need = (n) => { if (pos + n > bytes.length) throw NOT_A_CERTIFICATE(); };
  const len = (info) => {
    if (info < 24) return info;
    const size = { 24: 1, 25: 2, 26: 4, 27: 8 }[info];
    if (!size) throw NOT_A_CERTIFICATE();
    need(size);
    let v = 0;
    for (let i = 0; i < size; i++) v = v * 256 + bytes[pos++];
    return v;
  };
  const item = () => {
    need(1);
    const b = bytes[pos++];
    const major = b >> 5;
    const n = len(b & 31);
    switch (major) {
      case 0: return n;
      case 1: return -1 - n;
      case 2: { need(n); const v = bytes.slice(pos, pos + n); pos += n; return v; }
      case 3: { need(n); const v = bytes.slice(pos, pos + n); pos += n; try { return utf8.decode(v); } catch { throw NOT_A_CERTIFICATE(); } }
      case 4: { const a = []; for (let i = 0; i < n; i++) a.push(item()); return a; }
      case 5: { const m = new Map(); for (let i = 0; i < n; i++) { const k = item(); m.set(k, item()); } return m; }
      case 6: return { tag: n, value: item() };
      default: throw NOT_A_CERTIFICATE();
    }
  };
  const value = item();
  if (pos !== bytes.length) throw NOT_A_CERTIFICATE();
  return value;
}

function head(major, n) {
  if (n < 24) return [(major << 5) | n];
  if (n < 256) return [(major << 5) | 24, n];
  if (n < 65536) return [(major << 5) | 25, n >> 8, n & 255];
  return [(major << 5) | 26, (n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255];
}
const bstr = (b) => [...head(2, b.length), ...b];

// What is kept between visits: the JSON of a response and when it was fetched.
async function fetched(path, accept, fresh) {
  const key = STORE + path;
  const kept = JSON.parse(localStorage.getItem(key) || 'null');
  if (kept && !fresh) return kept;
  try {
    const r = await fetch(path, { headers: { Accept: accept }, cache: 'no-store' });
    if (!r.ok) throw new Error(String(r.status));
    const now = { body: await r.text(), at: Date.now() };
    localStorage.setItem(key, JSON.stringify(now));
    return now;
  } catch (e) {
    if (kept) return { ...kept, offline: true };
    throw new Refusal('確認に必要なデータを取得できません(オフライン)。', 'The data needed for the check cannot be fetched (offline).');
  }
}

async function publicKey(kid, fresh) {
  let keys = JSON.parse((await fetched('/v1/certificate-keys', 'application/jwk-set+json', fresh)).body);
  let jwk = keys.keys.find((k) => k.kid === kid);
  if (!jwk && !fresh) return publicKey(kid, true);
  if (!jwk) throw new Refusal('この機関が公開している鍵で署名されていません。', 'It is not signed with a key this office publishes.');
  return crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, ext: true },
    { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
}

const es256 = (key, signature, data) =>
  crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature, data);

async function verifyCose(bytes) {
  let cose = cbor(bytes);
  if (cose && cose.tag === 18) cose = cose.value;
  if (!Array.isArray(cose) || cose.length !== 4) throw NOT_A_CERTIFICATE();
  const [protectedBytes, , payload, signature] = cose;
  if (!(protectedBytes instanceof Uint8Array) || !(payload instanceof Uint8Array)) throw NOT_A_CERTIFICATE();
  const header = cbor(protectedBytes);
  if (!(header instanceof Map) || header.get(1) !== -7 || header.has(16)) throw NOT_A_CERTIFICATE();
  const kid = utf8.decode(header.get(4) || new Uint8Array());
  const toBeSigned = new Uint8Array([...head(4, 4), ...head(3, 10), ...new TextEncoder().encode('Signature1'),
    ...bstr(protectedBytes), ...bstr(new Uint8Array()), ...bstr(payload)]);
  if (!(await es256(await publicKey(kid, false), signature, toBeSigned))) throw FORGED();
  return { kid, claims: cbor(payload) };
}

const day = (d) => new Date(d * 86400000).toISOString().slice(0, 10);

function facts(claims) {
  const f = claims.get('f');
  const named = (k) => claims.get(k);
  const list = claims.get(65535).get('status_list');
  const cti = [...claims.get(7)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return {
    issuer: claims.get(1),
    certificateId: `${cti.slice(0, 8)}-${cti.slice(8, 12)}-${cti.slice(12, 16)}-${cti.slice(16, 20)}-${cti.slice(20)}`,
    qualification: f ? `${f[1]}` : named('qualification_name'),
    name: f ? `${f[2]} ${f[3]}` : `${named('family_name')} ${named('given_name')}`,
    kana: f ? `${f[4]} ${f[5]}` : `${named('family_name_kana')} ${named('given_name_kana')}`,
    birth: f ? day(f[6]) : named('date_of_birth'),
    number: f ? f[7] : named('registration_number'),
    registered: f ? day(f[8]) : named('registered_on'),
    issued: f ? day(f[9]) : named('issued_on'),
    // A holder who is not a Japanese national: the eleventh fact.
    nationality: f && f.length > 10 ? `${f[10]}` : '',
    // Endorsements (付記事項): [code, name_ja, name_en] each under `e`.
    endorsements: (claims.get('e') || []).map((e) => `${e[1]} (${e[2]})`),
    status: { idx: list.get('idx'), uri: list.get('uri') },
  };
}

// The status list (JWT form) at the certificate's list URI, from this origin.
async function listStatus(status, fresh) {
  const path = new URL(status.uri).pathname;
  let kept = await fetched(path, 'application/statuslist+jwt', fresh);
  let payload;
  const read = async (jwt) => {
    const [h, p, s] = jwt.split('.');
    const header = JSON.parse(utf8.decode(base64urlToBytes(h)));
    if (header.alg !== 'ES256' || header.typ !== 'statuslist+jwt') throw NOT_A_CERTIFICATE();
    const ok = await es256(await publicKey(header.kid, false), base64urlToBytes(s), new TextEncoder().encode(`${h}.${p}`));
    if (!ok) throw new Refusal('状態リストの署名が一致しません。', 'The status list signature does not match.');
    return JSON.parse(utf8.decode(base64urlToBytes(p)));
  };
  payload = await read(kept.body);
  const age = (Date.now() - kept.at) / 1000;
  if (!kept.offline && !fresh && age > payload.ttl) return listStatus(status, true);
  if (payload.sub !== status.uri) throw new Refusal('状態リストが証明書の指すものと違います。', 'The status list is not the one the certificate names.');
  if (payload.exp * 1000 < Date.now()) throw new Refusal('保存された状態リストの有効期限が切れています。', 'The saved status list has expired.');
  const bits = payload.status_list.bits;
  const list = await inflate(base64urlToBytes(payload.status_list.lst), 'deflate');
  const per = 8 / bits;
  const byte = list[Math.floor(status.idx / per)];
  if (byte === undefined) throw new Refusal('状態リストにこの証明書がありません。', 'The status list does not cover this certificate.');
  const value = (byte >> ((status.idx % per) * bits)) & ((1 << bits) - 1);
  return { value, at: kept.at, offline: !!kept.offline, ttl: payload.ttl };
}

const VERDICTS = {
  VALID: ['有効', 'VALID: genuine and current'],
  SUSPENDED: ['停止中', 'SUSPENDED: genuine, but the registration is suspended for now'],
  REVOKED: ['失効', 'REVOKED: genuine, but revoked or replaced by a newer certificate'],
  INVALID: ['無効', 'INVALID: not a genuine certificate of this office'],
};

function show(result, detail) {
  const box = $('browser-result');
  box.replaceChildren();
  const verdict = document.createElement('div');
  verdict.className = `verdict ${result}`;
  verdict.id = 'result';
  verdict.textContent = `${VERDICTS[result][0]} ${result}`;
  const small = document.createElement('small');
  small.textContent = VERDICTS[result][1];
  verdict.append(small);
  box.append(verdict);
  if (detail.reason) {
    const p = document.createElement('p');
    p.id = 'reason';
    p.textContent = `理由 / Reason: ${detail.reason.ja} ${detail.reason.message}`;
    box.append(p);
  }
  if (detail.facts) {
    const f = detail.facts;
    const table = document.createElement('table');
    for (const [ja, en, value] of [['資格', 'Qualification', f.qualification], ['氏名', 'Name', f.name],
      ['フリガナ', 'Name (kana)', f.kana], ['生年月日', 'Date of birth', f.birth], ['国籍', 'Nationality', f.nationality],
      ['登録番号', 'Registration number', f.number],
      ['登録年月日', 'Date of registration', f.registered], ['発行日', 'Date of issue', f.issued],
      ['証明書ID', 'Certificate ID', f.certificateId], ['発行者', 'Issuer', f.issuer],
      ...(f.endorsements || []).map((e) => ['付記事項', 'Endorsement', e])]) {
      // No empty rows: no kana for a name in Latin script, no nationality
      // for a Japanese national.
      if (!`${value ?? ''}`.trim()) continue;
      const tr = table.insertRow();
      const th = document.createElement('th');
      th.textContent = ja;
      const s = document.createElement('small');
      s.textContent = en;
      th.append(s);
      tr.append(th);
      tr.insertCell().textContent = value;
    }
    box.append(table);
  }
  if (detail.list) {
    const p = document.createElement('p');
    p.id = 'freshness';
    const seconds = Math.round((Date.now() - detail.list.at) / 1000);
    p.textContent = `状態リストは${seconds}秒前に取得 / Status list fetched ${seconds} s ago` +
      (detail.list.offline ? '(オフライン / offline)' : '');
    box.append(p);
  }
}

async function verify(text, fresh) {
  let bytes;
  try {
    bytes = /^[0-9]+$/.test(text) ? await inflate(digitsToBytes(text), 'deflate-raw') : base64urlToBytes(text);
    const { claims } = await verifyCose(bytes);
    const f = facts(claims);
    const list = await listStatus(f.status, fresh);
    const result = ['VALID', 'REVOKED', 'SUSPENDED', 'REVOKED'][list.value];
    show(result, { facts: f, list });
  } catch (e) {
    const reason = e instanceof Refusal ? e : NOT_A_CERTIFICATE();
    show('INVALID', { reason });
  }
}

function fromFragment() {
  const match = /(?:^#|&)c=([^&]*)/.exec(location.hash);
  return match ? decodeURIComponent(match[1]).trim() : null;
}

async function run(fresh) {
  const token = fromFragment();
  if (token) {
    $('server-form')?.setAttribute('hidden', '');
    await verify(token, fresh);
  }
  document.body.dataset.verified = token ? 'yes' : 'no';
}

window.addEventListener('hashchange', () => run(false));
$('refresh')?.addEventListener('click', () => run(true));
if ('serviceWorker' in navigator) navigator.serviceWorker.register('/verify-sw.js', { scope: '/verify' }).catch(() => {});
run(false);
