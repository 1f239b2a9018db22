/** Finding an account by what a person or a tool calls it: its ChatGPT account id, or its email. */
import { KeybridgeError } from '../errors';

/** An account id or an email (as `--account`, `switch` and the broker's `account` param take it). */
export type AccountRef = string;

interface Named {
  id: string;
  account: { email: string | null };
}

export function resolveAccount<T extends Named>(accounts: Iterable<T>, ref: AccountRef): T {
  const all = [...accounts];
  const wanted = ref.trim();
  const byId = all.find((a) => a.id === wanted);
  if (byId) return byId;
  const lower = wanted.toLowerCase();
  const byEmail = all.filter((a) => a.account.email?.toLowerCase() === lower);
  if (byEmail.length === 1) return byEmail[0]!;
  const known = all.map((a) => ({ accountId: a.id, email: a.account.email }));
  const list = known.map((k) => (k.email ? `${k.email} (${k.accountId})` : k.accountId)).join(', ');
  throw new KeybridgeError(
    'invalid_params',
    byEmail.length > 1
      ? `More than one account has the email ${ref}: name it by its account id, one of ${byEmail.map((a) => a.id).join(', ')}.`
      : known.length > 0
        ? `No signed-in account is called "${ref}". Known accounts: ${list}.`
        : `No signed-in account is called "${ref}": no account is signed in. Run \`keybridge login\`.`,
    { data: { known } },
  );
}
