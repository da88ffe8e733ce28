import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { KlaxonConfig } from '../config/environment';
import type { PayloadKey } from '../config/payload-keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Which of the operator's keys encrypted a payload, so keys can rotate. */
export const KEY_ID_METADATA = 'encryption-key-id';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** A payload this process cannot decrypt: its key is not configured, or its bytes were changed. */
export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
}

/**
 * Encrypts every payload Klaxon hands Temporal (workflow input, signals, updates, queries,
 * results, activity arguments, memo; never search attributes, which Temporal must read) with
 * AES-256-GCM: the whole payload, its metadata included, under a fresh random 96-bit nonce,
 * with the key id as associated data so a payload cannot be passed off as another key's.
 * Temporal, its UI without a codec server and the history archive see only ciphertext.
 * The newest key encrypts; any configured key decrypts (rotation, see parsePayloadKeys).
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly byId: ReadonlyMap<string, Uint8Array>;
  private readonly newest: PayloadKey;

  constructor(keys: readonly PayloadKey[]) {
    if (keys.length === 0) throw new RangeError('the payload codec needs at least one key');
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
    this.newest = keys[keys.length - 1];
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.newest.key, nonce);
      cipher.setAAD(Buffer.from(this.newest.id));
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(this.newest.id) },
        data: new Uint8Array(data),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      // Payloads written before the codec was configured stay readable as they are.
      if (Buffer.from(payload.metadata?.[METADATA_ENCODING_KEY] ?? []).toString() !== ENCRYPTED_ENCODING) return payload;
      const id = Buffer.from(payload.metadata?.[KEY_ID_METADATA] ?? []).toString();
      const key = this.byId.get(id);
      if (!key) throw new PayloadDecryptionError(`payload encrypted with key "${id}", which KLAXON_PAYLOAD_KEYS_FILE does not hold (it holds ${[...this.byId.keys()].join(', ')})`);
      const data = Buffer.from(payload.data ?? []);
      if (data.length < NONCE_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`payload encrypted with key "${id}" is too short to be one`);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, NONCE_BYTES));
      decipher.setAAD(Buffer.from(id));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new PayloadDecryptionError(`payload encrypted with key "${id}" fails authentication: it was changed, or the key of that id is not the one that encrypted it`);
      }
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/** The data converter of every Temporal client and worker Klaxon makes: the codec when the operator configured keys, Temporal's default otherwise. */
export function dataConverterFor(config: Pick<KlaxonConfig, 'payloadKeys'>): DataConverter | undefined {
  return config.payloadKeys.length ? { payloadCodecs: [new EncryptionCodec(config.payloadKeys)] } : undefined;
}
