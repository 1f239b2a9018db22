/**
 * Whether tests can use a real OS keyring (the Secret Service on Linux), decided once per test file, and what
 * to do without one: skip with the reason printed — or, under test/keyring/with-keyring.sh (CI), which sets
 * KEYBRIDGE_TEST_REQUIRE_KEYRING=1, fail, so the keyring-backed cipher can never "pass" by being skipped.
 */
import { randomBytes } from 'node:crypto';
import { createKeyringCipher, deleteKeyringKey } from '../../core/vault/keyring-cipher';

export const TEST_KEYRING_SERVICE = 'KeybridgeTest';

/** True when the environment promises a keyring (with-keyring.sh). */
export const keyringRequired = process.env.KEYBRIDGE_TEST_REQUIRE_KEYRING === '1';

/**
 * Makes, reads back and deletes a throwaway key. Resolves null when the keyring works, else why it does not.
 * Throws when a keyring is required and does not work.
 */
export async function probeKeyring(label: string): Promise<string | null> {
  const account = `probe-${process.pid}-${randomBytes(4).toString('hex')}`;
  let reason: string | null = null;
  try {
    await createKeyringCipher({ service: TEST_KEYRING_SERVICE, account });
    await deleteKeyringKey({ service: TEST_KEYRING_SERVICE, account });
  } catch (e) {
    reason = e instanceof Error ? e.message : String(e);
  }
  if (reason !== null && keyringRequired) {
    throw new Error(
      `[${label}] KEYBRIDGE_TEST_REQUIRE_KEYRING=1 but the OS keyring does not work: ${reason}`,
    );
  }
  if (reason !== null) console.log(`[${label}] no OS keyring reachable here, skipped: ${reason}`);
  return reason;
}
