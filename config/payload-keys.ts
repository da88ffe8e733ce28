import { ConfigError } from '../core/shared/config-error';

/** A key of the Temporal payload codec (client/payload-codec.ts): its id, recorded beside every payload it encrypts, and its 32 bytes. */
export interface PayloadKey {
  id: string;
  key: Uint8Array;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The operator's payload keys (the file KLAXON_PAYLOAD_KEYS_FILE names): one `keyid=<base64 of
 * 32 random bytes>` a line, the newest last, `#` comments and blank lines ignored. The newest
 * encrypts; every key listed decrypts, so a key is rotated by appending a new line and retired
 * only once no payload Temporal or the history archive keeps was encrypted with it. Problems
 * name the line, never a key's bytes.
 */
export function parsePayloadKeys(text: string, file: string): PayloadKey[] {
  const keys: PayloadKey[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const where = `${file}:${i + 1}`;
    const eq = line.indexOf('=');
    const id = eq > 0 ? line.slice(0, eq).trim() : '';
    const encoded = line.slice(eq + 1).trim();
    // A bare key ends in "=" padding, which would read as a key id of the key's own bytes with
    // nothing after it: quoting that id would print the key.
    if (!KEY_ID.test(id) || !encoded) throw new ConfigError(`${where}: expected keyid=<base64 of 32 bytes>, the key id of letters, digits, ".", "_" or "-" (at most 64)`);
    if (keys.some((k) => k.id === id)) throw new ConfigError(`${where}: key id "${id}" is listed twice`);
    const key = /^[A-Za-z0-9+/]+={0,2}$/.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
    if (key.length !== 32) throw new ConfigError(`${where}: key "${id}" is not the base64 of 32 bytes (AES-256); make one with \`openssl rand -base64 32\``);
    keys.push({ id, key: new Uint8Array(key) });
  });
  if (keys.length === 0) throw new ConfigError(`${file}: holds no key; add a line keyid=<base64 of 32 bytes> (\`openssl rand -base64 32\`)`);
  return keys;
}
