/**
 * AES-256-GCM sealing for the key-based ciphers (file key, OS keyring key).
 *
 * Why hand-written: only the envelope framing (a few bytes) is ours. The cryptography itself is node:crypto
 * (OpenSSL), the well-kept library that ships with Node; nothing here implements a primitive.
 *
 * Envelope (version 1):
 *
 *   offset 0   1 byte   magic 0x4B ('K')
 *   offset 1   1 byte   envelope version (1)
 *   offset 2  12 bytes  IV, random per seal (NIST SP 800-38D §8.2.2: random 96-bit IVs; far below the 2^32
 *                       seals per key that limit allows)
 *   offset 14 16 bytes  GCM authentication tag
 *   offset 30  …        ciphertext
 *
 * The two header bytes and a caller-chosen context string are authenticated as additional data, so a
 * changed header or an envelope made for another purpose fails to open instead of decrypting to garbage.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { StorageInfo } from '../api/contract';
import type { Cipher } from './types';

export const SEALED_KEY_BYTES = 32;
export const SEALED_MAGIC = 0x4b;
export const SEALED_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 2;
/** Bytes a sealed envelope adds to the plaintext. */
export const SEALED_OVERHEAD = HEADER_BYTES + IV_BYTES + TAG_BYTES;

export type UnsealFailure = 'too_short' | 'bad_magic' | 'unsupported_version' | 'auth_failed';

/** Why an envelope did not open. Carries no key or plaintext material. */
export class UnsealError extends Error {
  override readonly name = 'UnsealError';
  constructor(
    readonly reason: UnsealFailure,
    message: string,
  ) {
    super(message);
  }
}

function checkKey(key: Buffer): void {
  if (key.length !== SEALED_KEY_BYTES)
    throw new RangeError(`AES-256-GCM needs a ${SEALED_KEY_BYTES}-byte key`);
}

function aadFor(header: Buffer, context: string): Buffer {
  return Buffer.concat([header, Buffer.from(context, 'utf8')]);
}

/** Encrypts `plain` under `key` (32 bytes) into a version-1 envelope. `context` is bound as additional data. */
export function seal(key: Buffer, plain: Buffer, context = ''): Buffer {
  checkKey(key);
  const header = Buffer.from([SEALED_MAGIC, SEALED_VERSION]);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aadFor(header, context));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([header, iv, cipher.getAuthTag(), body]);
}

/** Opens an envelope made by `seal` with the same key and context; throws UnsealError otherwise. */
export function unseal(key: Buffer, sealed: Buffer, context = ''): Buffer {
  checkKey(key);
  if (sealed.length < SEALED_OVERHEAD) {
    throw new UnsealError('too_short', `The sealed data is too short (${sealed.length} bytes).`);
  }
  if (sealed[0] !== SEALED_MAGIC)
    throw new UnsealError('bad_magic', 'The sealed data has an unknown format.');
  if (sealed[1] !== SEALED_VERSION) {
    throw new UnsealError(
      'unsupported_version',
      `The sealed data has envelope version ${sealed[1]}, not ${SEALED_VERSION}.`,
    );
  }
  const header = sealed.subarray(0, HEADER_BYTES);
  const iv = sealed.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
  const tag = sealed.subarray(HEADER_BYTES + IV_BYTES, SEALED_OVERHEAD);
  const body = sealed.subarray(SEALED_OVERHEAD);
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aadFor(header, context));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new UnsealError(
      'auth_failed',
      'The sealed data did not open with this key (wrong key or damaged data).',
    );
  }
}

/** A Cipher over a fixed 32-byte key. The key is copied, so the caller may wipe its buffer. */
export function createSealedCipher(key: Buffer, info: StorageInfo): Cipher {
  checkKey(key);
  const own = Buffer.from(key);
  // The cipher kind is the context: an envelope sealed for one kind of storage never opens as another.
  const context = `keybridge-vault/${info.kind}`;
  return {
    info,
    encrypt: async (plain) => seal(own, plain, context),
    decrypt: async (sealed) => unseal(own, sealed, context),
  };
}
