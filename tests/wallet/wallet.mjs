// A wallet and a verifier built only from independent libraries:
// @openid4vc/openid4vci (OpenID4VCI 1.0 client), @sd-jwt/sd-jwt-vc (SD-JWT
// VC present and verify, reading the status list with @sd-jwt/jwt-status-list)
// and @sd-jwt/crypto-nodejs (ES256, SHA-256). Run by tests/system/wallet.rs.
//
//   node wallet.mjs receive   OFFER_URI, TX_CODE, STATE_FILE: redeem the offer,
//                             prove a fresh key, receive and verify the credential
//   node wallet.mjs present   STATE_FILE: present qualification and registration
//                             number with a key-binding JWT; a verifier checks it
//
// Prints one JSON object on stdout; exits non-zero with the error otherwise.
import { createHash, randomBytes, generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Openid4vciClient } from '@openid4vc/openid4vci';
import { clientAuthenticationAnonymous, setGlobalConfig } from '@openid4vc/oauth2';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { ES256, digest, generateSalt } from '@sd-jwt/crypto-nodejs';

// The test server speaks http on 127.0.0.1; production issuers are https.
setGlobalConfig({ allowInsecureUrls: true });

const b64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const parse = (part) => JSON.parse(Buffer.from(part, 'base64url').toString());

/** Signs a JOSE header and payload with a private JWK (ES256). */
async function signJwt(privateJwk, header, payload) {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const signature = await (await ES256.getSigner(privateJwk))(input);
  return `${input}.${signature}`;
}

/** The issuer's published keys, found from its JWT VC issuer metadata. */
async function issuerKeys(issuer) {
  const meta = await (await fetch(`${issuer}/.well-known/jwt-vc-issuer`)).json();
  if (meta.issuer !== issuer) throw new Error(`issuer metadata names ${meta.issuer}`);
  return (await (await fetch(meta.jwks_uri)).json()).keys;
}

/** A verifier of issuer signatures: the key its header's kid names. */
function issuerVerifier(keys) {
  return async (data, signature) => {
    const { kid } = parse(data.split('.')[0]);
    const jwk = keys.find((k) => k.kid === kid);
    if (!jwk) throw new Error(`unknown issuer key ${kid}`);
    const { kty, crv, x, y } = jwk;
    return (await ES256.getVerifier({ kty, crv, x, y }))(data, signature);
  };
}

/** The holder key in the credential (cnf.jwk) checks the key-binding JWT. */
const kbVerifier = async (data, signature, payload) =>
  (await ES256.getVerifier(payload.cnf.jwk))(data, signature);

async function receive() {
  const { OFFER_URI, TX_CODE, STATE_FILE } = process.env;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privateJwk = privateKey.export({ format: 'jwk' });
  const publicJwk = publicKey.export({ format: 'jwk' });
  const client = new Openid4vciClient({
    callbacks: {
      hash: (data) => createHash('sha256').update(data).digest(),
      generateRandom: (n) => randomBytes(n),
      clientAuthentication: clientAuthenticationAnonymous(),
      signJwt: async (signer, { header, payload }) => ({
        jwt: await signJwt(privateJwk, header, payload),
        signerJwk: signer.publicJwk,
      }),
    },
  });
  const offer = await client.resolveCredentialOffer(OFFER_URI);
  const issuerMetadata = await client.resolveIssuerMetadata(offer.credential_issuer);
  const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer: offer,
    issuerMetadata,
    txCode: TX_CODE,
  });
  const credentialConfigurationId = offer.credential_configuration_ids[0];
  const { c_nonce } = await client.requestNonce({ issuerMetadata });
  const { jwt } = await client.createCredentialRequestJwtProof({
    issuerMetadata,
    credentialConfigurationId,
    nonce: c_nonce,
    signer: { method: 'jwk', alg: 'ES256', publicJwk },
  });
  const response = await client.retrieveCredentials({
    issuerMetadata,
    accessToken: accessTokenResponse.access_token,
    credentialConfigurationId,
    proofs: { jwt: [jwt] },
  });
  const credential = response.credentialResponse.credentials[0].credential;
  // The wallet checks what it stores: the issuer's signature and every disclosure.
  const issuer = offer.credential_issuer;
  const sdjwt = new SDJwtVcInstance({ verifier: issuerVerifier(await issuerKeys(issuer)), hasher: digest });
  const { payload, header } = await sdjwt.verify(credential);
  if (header.typ !== 'dc+sd-jwt') throw new Error(`typ ${header.typ}`);
  const configured = issuerMetadata.credentialIssuer.credential_configurations_supported[credentialConfigurationId];
  if (payload.vct !== configured.vct) throw new Error(`vct ${payload.vct}`);
  if (payload.cnf.jwk.x !== publicJwk.x) throw new Error('the credential is not bound to the wallet key');
  writeFileSync(STATE_FILE, JSON.stringify({ issuer, credential, privateJwk }));
  const signed = parse(credential.split('~')[0].split('.')[1]);
  console.log(JSON.stringify({
    credential_configuration_id: credentialConfigurationId,
    vct: payload.vct,
    claims: payload,
    clear_claims: Object.keys(signed).filter((k) => !k.startsWith('_sd')).sort(),
    type_metadata_vct: (await (await fetch(payload.vct)).json()).vct,
  }));
}

async function present() {
  const { STATE_FILE } = process.env;
  const { issuer, credential, privateJwk } = JSON.parse(readFileSync(STATE_FILE, 'utf8'));
  const holder = new SDJwtVcInstance({
    hasher: digest,
    saltGenerator: generateSalt,
    kbSigner: await ES256.getSigner(privateJwk),
    kbSignAlg: 'ES256',
  });
  const nonce = randomBytes(16).toString('base64url');
  const audience = 'https://employer.example.jp';
  const presentation = await holder.present(
    credential,
    { qualification: true, registration_number: true },
    { kb: { payload: { iat: Math.floor(Date.now() / 1000), aud: audience, nonce } } },
  );
  // The verifier: only the issuer's published keys, the holder key in cnf,
  // and the status list the credential names (fetched as a JWT, verified
  // with the same keys, read at the credential's index).
  let statusValue;
  const verifier = new SDJwtVcInstance({
    hasher: digest,
    verifier: issuerVerifier(await issuerKeys(issuer)),
    kbVerifier,
    statusValidator: async (status) => {
      statusValue = status;
      if (status !== 0) throw new Error(`status list entry is ${status}`);
    },
  });
  let result = 'VALID';
  let claims = {};
  try {
    const verified = await verifier.verify(presentation, {
      keyBindingNonce: nonce,
      requiredClaimKeys: ['qualification', 'registration_number'],
    });
    if (verified.kb?.payload.aud !== audience) throw new Error('key binding for another audience');
    claims = verified.payload;
  } catch (e) {
    // 1 INVALID (revoked), 2 SUSPENDED; anything else wrong is INVALID too.
    result = statusValue === 2 ? 'SUSPENDED' : 'INVALID';
    claims = { error: String(e.message ?? e) };
  }
  console.log(JSON.stringify({ result, status_value: statusValue, claims, disclosures: presentation.split('~').length - 2 }));
}

const command = process.argv[2];
await (command === 'receive' ? receive() : command === 'present' ? present() : Promise.reject(new Error(`unknown command ${command}`)));
