// Checks a certificate's compact JWS (EdDSA / Ed25519) against the
// published JWKS with WebCrypto. Answers 'valid', 'invalid' or
// 'unsupported' (a browser without Ed25519 in WebCrypto).
const b64 = s => {
  s = s.replace(/-/g, '+').replace(/_/g, '/');
  while (s.length % 4) s += '=';
  return Uint8Array.from(atob(s), c => c.charCodeAt(0));
};

export function decodePayload(jws) {
  try { return JSON.parse(new TextDecoder().decode(b64(jws.split('.')[1]))); } catch (e) { return null; }
}

export async function verifyJws(jws, jwks) {
  const parts = String(jws || '').split('.');
  if (parts.length !== 3) return { result: 'invalid' };
  let header;
  try { header = JSON.parse(new TextDecoder().decode(b64(parts[0]))); } catch (e) { return { result: 'invalid' }; }
  if (header.alg !== 'EdDSA') return { result: 'invalid' };
  const jwk = (jwks.keys || []).find(k => k.kid === header.kid && k.kty === 'OKP' && k.crv === 'Ed25519');
  if (!jwk) return { result: 'invalid', kid: header.kid };
  if (!window.crypto || !crypto.subtle) return { result: 'unsupported' };
  let key;
  try {
    key = await crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, { name: 'Ed25519' }, false, ['verify']);
  } catch (e) {
    return { result: 'unsupported' };
  }
  const ok = await crypto.subtle.verify({ name: 'Ed25519' }, key, b64(parts[2]),
    new TextEncoder().encode(parts[0] + '.' + parts[1]));
  return { result: ok ? 'valid' : 'invalid', kid: header.kid };
}
