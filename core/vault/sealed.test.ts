import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SEALED_OVERHEAD, UnsealError, createSealedCipher, seal, unseal } from './sealed';

const key = randomBytes(32);

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UnsealError);
    return (e as UnsealError).reason;
  }
  throw new Error('expected unseal to fail');
}

describe('sealed envelope (AES-256-GCM)', () => {
  it('round-trips any plaintext and adds exactly the envelope overhead', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.string(), (bytes, context) => {
        const plain = Buffer.from(bytes);
        const sealed = seal(key, plain, context);
        expect(sealed.length).toBe(plain.length + SEALED_OVERHEAD);
        expect(unseal(key, sealed, context).equals(plain)).toBe(true);
      }),
    );
  });

  it('uses a fresh IV each time: the same plaintext never seals to the same bytes', () => {
    const plain = Buffer.from('same text');
    expect(seal(key, plain).equals(seal(key, plain))).toBe(false);
  });

  it('refuses any single flipped bit anywhere in the envelope', () => {
    const sealed = seal(key, Buffer.from('{"accessToken":"secret"}'));
    fc.assert(
      fc.property(fc.nat({ max: sealed.length * 8 - 1 }), (bit) => {
        const bad = Buffer.from(sealed);
        bad[bit >> 3]! ^= 1 << (bit & 7);
        expect(() => unseal(key, bad)).toThrow(UnsealError);
      }),
    );
  });

  it('refuses another key, another context, a cut-short or foreign envelope, and says why', () => {
    const sealed = seal(key, Buffer.from('hello'), 'a');
    expect(reasonOf(() => unseal(randomBytes(32), sealed, 'a'))).toBe('auth_failed');
    expect(reasonOf(() => unseal(key, sealed, 'b'))).toBe('auth_failed');
    expect(reasonOf(() => unseal(key, sealed.subarray(0, SEALED_OVERHEAD - 1), 'a'))).toBe('too_short');
    expect(reasonOf(() => unseal(key, sealed.subarray(0, sealed.length - 1), 'a'))).toBe('auth_failed');
    expect(reasonOf(() => unseal(key, Buffer.concat([Buffer.from([0x00]), sealed.subarray(1)]), 'a'))).toBe(
      'bad_magic',
    );
    const v2 = Buffer.from(sealed);
    v2[1] = 2;
    expect(reasonOf(() => unseal(key, v2, 'a'))).toBe('unsupported_version');
  });

  it('rejects keys that are not 32 bytes', () => {
    expect(() => seal(randomBytes(16), Buffer.from('x'))).toThrow(RangeError);
  });

  it('a sealed cipher keeps its own copy of the key and binds its kind', async () => {
    const k = randomBytes(32);
    const a = createSealedCipher(k, { kind: 'file-key', protected: false, description: '' });
    const b = createSealedCipher(k, { kind: 'os-keyring', protected: true, description: '' });
    k.fill(0); // the caller wipes its buffer
    const sealed = await a.encrypt(Buffer.from('tokens'));
    expect((await a.decrypt(sealed)).toString()).toBe('tokens');
    await expect(b.decrypt(sealed)).rejects.toThrow(UnsealError);
  });
});
