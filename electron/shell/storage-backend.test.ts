import { describe, expect, it } from 'vitest';
import { planCipher, safeStorageInfo } from './storage-backend';

describe('safeStorageInfo', () => {
  it('calls a keyring-backed store protected and names it', () => {
    expect(safeStorageInfo('darwin')).toMatchObject({ kind: 'safe-storage', protected: true });
    expect(safeStorageInfo('darwin').description).toMatch(/Keychain/);
    expect(safeStorageInfo('win32').description).toMatch(/DPAPI/);
    expect(safeStorageInfo('linux', 'gnome_libsecret').description).toMatch(/Secret Service/);
    expect(safeStorageInfo('linux', 'kwallet6').description).toMatch(/KWallet/);
  });

  it('never calls basic_text protected', () => {
    expect(safeStorageInfo('linux', 'basic_text')).toMatchObject({ kind: 'basic-text', protected: false });
    expect(safeStorageInfo('linux', 'unknown')).toMatchObject({ kind: 'basic-text', protected: false });
  });
});

describe('planCipher', () => {
  it('uses safeStorage where it is backed by the OS', () => {
    expect(planCipher({ platform: 'darwin', available: true, basicText: 'unasked' })).toMatchObject({
      use: 'safe-storage',
    });
    expect(
      planCipher({ platform: 'linux', available: true, backend: 'kwallet5', basicText: 'unasked' }),
    ).toMatchObject({
      use: 'safe-storage',
    });
  });

  it('asks before using basic_text, then keeps to the answer', () => {
    const linux = { platform: 'linux' as const, available: true, backend: 'basic_text' as const };
    expect(planCipher({ ...linux, basicText: 'unasked' })).toEqual({ use: 'ask' });
    expect(planCipher({ ...linux, basicText: 'accepted' })).toMatchObject({
      use: 'basic-text',
      info: { protected: false },
    });
    expect(planCipher({ ...linux, basicText: 'declined' })).toMatchObject({ use: 'file-key' });
  });

  it('falls back to the key file when safeStorage cannot encrypt at all', () => {
    expect(planCipher({ platform: 'win32', available: false, basicText: 'unasked' })).toMatchObject({
      use: 'file-key',
    });
  });
});
