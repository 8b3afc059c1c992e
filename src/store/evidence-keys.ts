// The evidence keyring: HMAC-SHA-256 keys by id (the current one seals, older ones still verify); key material never leaves this object.

import { createHmac } from 'node:crypto';

/** Shortest accepted key: 32 bytes, the HMAC-SHA-256 block security level. */
export const MIN_KEY_BYTES = 32;

export class EvidenceKeyError extends Error {
  override name = 'EvidenceKeyError' as const;
}

/**
 * Keys come from config/env (CALLWARDEN_EVIDENCE_KEY, evidence.keys), never from the
 * database, so an administrator of the database cannot compute a seal. Each sealed row names
 * the id of its key: keys can rotate, old rows keep verifying as long as their key is kept.
 */
export class EvidenceKeyring {
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(
    readonly currentKeyId: string,
    keys: Readonly<Record<string, string>>,
  ) {
    const map = new Map<string, Buffer>();
    for (const [id, material] of Object.entries(keys)) {
      if (!/^[A-Za-z0-9_.-]{1,32}$/.test(id)) throw new EvidenceKeyError(`evidence key id "${id}" may hold only letters, digits, _ . - (1-32)`);
      const bytes = decodeKey(material);
      if (bytes.length < MIN_KEY_BYTES) throw new EvidenceKeyError(`evidence key "${id}" is too short: at least ${MIN_KEY_BYTES} bytes`);
      map.set(id, bytes);
    }
    if (!map.has(currentKeyId)) throw new EvidenceKeyError(`evidence.currentKeyId "${currentKeyId}" names no configured key`);
    this.keys = map;
  }

  /** The keyring from config: `key` is the current key (id `currentKeyId`); `keys` adds retired ones for verification. */
  static fromConfig(cfg: { key?: string; currentKeyId?: string; keys?: Readonly<Record<string, string>> }): EvidenceKeyring | undefined {
    const keys: Record<string, string> = { ...(cfg.keys ?? {}) };
    const currentKeyId = cfg.currentKeyId || 'k1';
    if (cfg.key) keys[currentKeyId] = cfg.key;
    if (Object.keys(keys).length === 0) return undefined;
    return new EvidenceKeyring(currentKeyId, keys);
  }

  has(id: string): boolean {
    return this.keys.has(id);
  }

  get ids(): string[] {
    return [...this.keys.keys()];
  }

  /** HMAC-SHA-256 of `text` under key `id` (hex); undefined when that key is not configured. */
  mac(id: string, text: string): string | undefined {
    const key = this.keys.get(id);
    return key ? createHmac('sha256', key).update(text, 'utf8').digest('hex') : undefined;
  }

  /** Never serialise key material (a logged config or error object shows ids only). */
  toJSON(): unknown {
    return { currentKeyId: this.currentKeyId, ids: this.ids };
  }
}

/** `hex:…` and `base64:…` decode; anything else is taken as its UTF-8 bytes. */
function decodeKey(material: string): Buffer {
  if (material.startsWith('hex:')) return Buffer.from(material.slice(4), 'hex');
  if (material.startsWith('base64:')) return Buffer.from(material.slice(7), 'base64');
  return Buffer.from(material, 'utf8');
}
