// Web Crypto only, so it runs on the Edge and in Node alike.

const encoder = new TextEncoder();
/** Spelt from `crypto` itself: the repository's tsconfig has no DOM lib, and Node's types name the key differently. */
type HmacKey = ReturnType<typeof crypto.subtle.importKey>;
let cachedKey: { secret: string; key: HmacKey } | undefined;

function hmacKey(secret: string): HmacKey {
  if (cachedKey?.secret !== secret) {
    cachedKey = { secret, key: crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']) };
  }
  return cachedKey.key;
}

const toHex = (bytes: ArrayBuffer): string => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * `klaxon-signature: t=<unix seconds>,v1=<lowercase hex HMAC-SHA256(secret, "<t>." + raw body)>`,
 * byte for byte what Klaxon's klaxonSignatureHeader (core/shared/signature.ts) computes and
 * verifyKlaxonSignature accepts; test/unit/next/web-signature.test.ts holds the two together.
 */
export async function klaxonSignatureHeader(secret: string, rawBody: string, timestamp: number): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(`${timestamp}.${rawBody}`));
  return `t=${timestamp},v1=${toHex(mac)}`;
}

/** SHA-256 of text, lowercase hex. */
export async function sha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}
