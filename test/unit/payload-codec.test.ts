import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { cliEnvironment } from '../../client/cli/environment';
import { writeStackFile } from '../../client/cli/stack-file';
import { EncryptionCodec, KEY_ID_METADATA, PayloadDecryptionError } from '../../client/payload-codec';
import { ConfigError, loadConfig } from '../../config/environment';
import { parsePayloadKeys, type PayloadKey } from '../../config/payload-keys';

const key = (id: string): PayloadKey => ({ id, key: new Uint8Array(randomBytes(32)) });
const SECRET = { title: 'Card 4111 1111 1111 1111 of jane.doe@example.com' };

describe('the payload codec', () => {
  const k1 = key('2026-01');
  const k2 = key('2026-07');

  it('encrypts every payload under a fresh nonce, names its key, and decrypts it to the payload it was', async () => {
    const codec = new EncryptionCodec([k1]);
    const plain = defaultPayloadConverter.toPayload(SECRET);
    const [a, b] = await codec.encode([plain, plain]);
    for (const p of [a, b]) {
      expect(Buffer.from(p.metadata!.encoding!).toString()).toBe('binary/encrypted');
      expect(Buffer.from(p.metadata![KEY_ID_METADATA]!).toString()).toBe('2026-01');
      expect(Buffer.from(p.data!).toString('latin1')).not.toContain('4111');
    }
    // Same payload, different bytes: a nonce is never reused.
    expect(Buffer.from(a.data!).equals(Buffer.from(b.data!))).toBe(false);
    const [decoded] = await codec.decode([a]);
    expect(defaultPayloadConverter.fromPayload(decoded)).toEqual(SECRET);
  });

  it('after a rotation encrypts with the newest key and still reads what the older one encrypted', async () => {
    const [old] = await new EncryptionCodec([k1]).encode([defaultPayloadConverter.toPayload(SECRET)]);
    const rotated = new EncryptionCodec([k1, k2]);
    const [fresh] = await rotated.encode([defaultPayloadConverter.toPayload(SECRET)]);
    expect(Buffer.from(fresh.metadata![KEY_ID_METADATA]!).toString()).toBe('2026-07');
    const decoded = await rotated.decode([old, fresh]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([SECRET, SECRET]);
  });

  it('refuses a changed ciphertext, a key id swapped for another, and a key it does not hold, saying which', async () => {
    const codec = new EncryptionCodec([k1, k2]);
    const [p] = await new EncryptionCodec([k1]).encode([defaultPayloadConverter.toPayload(SECRET)]);
    const tampered = Buffer.from(p.data!);
    tampered[20] ^= 1;
    await expect(codec.decode([{ ...p, data: new Uint8Array(tampered) }])).rejects.toThrow(new PayloadDecryptionError('payload encrypted with key "2026-01" fails authentication: it was changed, or the key of that id is not the one that encrypted it'));
    await expect(codec.decode([{ ...p, metadata: { ...p.metadata, [KEY_ID_METADATA]: Buffer.from('2026-07') } }])).rejects.toThrow(/key "2026-07" fails authentication/);
    await expect(new EncryptionCodec([k2]).decode([p])).rejects.toThrow(new PayloadDecryptionError('payload encrypted with key "2026-01", which KLAXON_PAYLOAD_KEYS_FILE does not hold (it holds 2026-07)'));
  });

  it('passes payloads written before it was configured through as they are', async () => {
    const plain = defaultPayloadConverter.toPayload(SECRET);
    expect(await new EncryptionCodec([k1]).decode([plain])).toEqual([plain]);
  });
});

describe('KLAXON_PAYLOAD_KEYS_FILE', () => {
  const b64 = () => randomBytes(32).toString('base64');

  it('lists keys newest last, comments and blank lines aside', () => {
    const keys = parsePayloadKeys(`# rotated each half-year\n2026-01=${b64()}\n\n2026-07 = ${b64()}\n`, 'keys');
    expect(keys.map((k) => [k.id, k.key.length])).toEqual([['2026-01', 32], ['2026-07', 32]]);
  });

  it('refuses a file it cannot use, naming the line and never the key', () => {
    const short = randomBytes(16).toString('base64');
    expect(() => parsePayloadKeys(`a=${short}`, 'keys')).toThrow(new ConfigError('keys:1: key "a" is not the base64 of 32 bytes (AES-256); make one with `openssl rand -base64 32`'));
    expect(() => parsePayloadKeys(`a=${b64()}\na=${b64()}`, 'keys')).toThrow('keys:2: key id "a" is listed twice');
    expect(() => parsePayloadKeys(b64(), 'keys')).toThrow(/^keys:1: expected keyid=/);
    // A bare key whose base64 has no "+" or "/" reads as "<id>=" with nothing after: still refused without quoting it.
    const bare = Buffer.alloc(32, 7).toString('base64');
    expect(bare).toMatch(/^[A-Za-z0-9]+=$/);
    expect(() => parsePayloadKeys(bare, 'keys')).toThrow(/^keys:1: expected keyid=/);
    expect(() => parsePayloadKeys(bare, 'keys')).not.toThrow(bare.slice(0, 20));
    expect(() => parsePayloadKeys('# none yet\n', 'keys')).toThrow('keys: holds no key');
  });

  it('is required by a policy that keeps unredacted alerts: that is never allowed unencrypted', () => {
    const policy = (keep: boolean) => ['name: payments', 'responders: [{ name: alice, slackUserId: U0ALICE, timeZone: UTC }]', 'levels: [{ targets: [alice], timeoutMinutes: 5 }]', 'repeat: 0', `keepUnredactedAlerts: ${keep}`].join('\n');
    const files = (keep: boolean): Record<string, string> => ({ 'policy.yaml': policy(keep), keys: `k=${b64()}` });
    const load = (env: Record<string, string>, keep = true) => loadConfig(env, (path) => files(keep)[path]);
    expect(() => load({ KLAXON_POLICY_FILE: 'policy.yaml' })).toThrow(
      new ConfigError('policy "payments" sets keepUnredactedAlerts, but KLAXON_PAYLOAD_KEYS_FILE is not set: unredacted alerts are kept only encrypted with the operator\'s key'),
    );
    expect(load({ KLAXON_POLICY_FILE: 'policy.yaml', KLAXON_PAYLOAD_KEYS_FILE: 'keys' }).policies.policies[0].keepUnredactedAlerts).toBe(true);
    expect(load({ KLAXON_POLICY_FILE: 'policy.yaml' }, false).payloadKeys).toEqual([]);
  });

  it('reaches the CLI from a running embedded stack that encrypts, unless the caller names another', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'klaxon-stack-'));
    try {
      writeStackFile(dataDir, { apiUrl: 'http://127.0.0.1:1', temporalAddress: '127.0.0.1:2', temporalUiUrl: 'http://127.0.0.1:3', databaseUrl: 'postgres://x', payloadKeysFile: '/etc/klaxon/payload-keys', pid: 1, startedAt: '2026-12-04T00:00:00Z' });
      expect(cliEnvironment({ KLAXON_DATA_DIR: dataDir }).KLAXON_PAYLOAD_KEYS_FILE).toBe('/etc/klaxon/payload-keys');
      expect(cliEnvironment({ KLAXON_DATA_DIR: dataDir, KLAXON_PAYLOAD_KEYS_FILE: 'mine' }).KLAXON_PAYLOAD_KEYS_FILE).toBe('mine');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
