/**
 * Where Keybridge keeps its data and which provider it talks to (docs/design.md "Provider profile"):
 * defaults, then `config.json` in the data folder, then `KEYBRIDGE_*` environment variables (the environment
 * wins).
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { describeIssues } from './api/contract';
import { KeybridgeError } from './errors';
import { resolveHome, resolveSocketPath, type Env } from './paths';

export const OPENAI_DEFAULTS = {
  issuer: 'https://auth.openai.com',
  clientId: 'app_EMoamEEZ73f0CkXaXp7hrann',
  scope: 'openid profile email offline_access',
  extraAuthorizeParams: {
    id_token_add_organizations: 'true',
    codex_cli_simplified_flow: 'true',
    originator: 'codex_cli_rs',
  } as Record<string, string>,
  loopbackPorts: [1455, 1457],
  loopbackPath: '/auth/callback',
  schemeRedirect: 'keybridge://oauth/callback',
  chatgptBase: 'https://chatgpt.com/backend-api',
} as const;

const KeyedConfig = z
  .object({
    KEYBRIDGE_ISSUER: z.string().url().optional(),
    KEYBRIDGE_CLIENT_ID: z.string().min(1).optional(),
    KEYBRIDGE_REDIRECT: z.enum(['loopback', 'scheme']).optional(),
    KEYBRIDGE_LOOPBACK_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    KEYBRIDGE_CHATGPT_BASE: z.string().url().optional(),
    KEYBRIDGE_SOCKET: z.string().min(1).optional(),
    /** Tool approval: `ask` (the desktop default) or `allow` (the headless default). */
    KEYBRIDGE_TOOL_POLICY: z.enum(['ask', 'allow']).optional(),
    /** How long a tool's first request waits for the user's answer, in seconds (default 120). */
    KEYBRIDGE_APPROVAL_TIMEOUT: z.coerce.number().min(0.05).max(3600).optional(),
    /** Switch to the account with most room when the active one reaches a limit (docs/accounts.md). */
    KEYBRIDGE_AUTO_SWITCH: z.enum(['1', '0', 'true', 'false']).optional(),
  })
  .strict();

/** config.json: the KEYBRIDGE_* keys, and `autoSwitch` (the same as KEYBRIDGE_AUTO_SWITCH, as a boolean). */
const FileConfig = KeyedConfig.extend({ autoSwitch: z.boolean().optional() }).strict();

export interface ProviderConfig {
  issuer: string;
  /** True when `issuer` came from an override: then endpoints come from OIDC discovery. */
  discover: boolean;
  clientId: string;
  scope: string;
  extraAuthorizeParams: Record<string, string>;
  redirect: 'loopback' | 'scheme';
  /** Ports tried in order for the loopback receiver. */
  loopbackPorts: number[];
  chatgptBase: string;
}

export interface KeybridgeConfig {
  home: string;
  socketPath: string;
  provider: ProviderConfig;
  /** Unset: the shell's default (`ask` on the desktop, `allow` for `keybridge serve`). */
  toolPolicy?: 'ask' | 'allow';
  approvalTimeoutMs?: number;
  /** Codex CLI's folder: `CODEX_HOME`, else `~/.codex`. */
  codexHome?: string;
  /** KEYBRIDGE_AUTO_SWITCH or config.json `autoSwitch`; unset: off unless the UI turned it on. */
  autoSwitch?: boolean;
}

export type { Env } from './paths';
export { resolveHome, resolveSocketPath } from './paths';

function readFileConfig(home: string): z.infer<typeof FileConfig> {
  const path = join(home, 'config.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new KeybridgeError('config_invalid', `Cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new KeybridgeError('config_invalid', `${path} is not valid JSON: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const parsed = FileConfig.safeParse(json);
  if (!parsed.success) {
    throw new KeybridgeError(
      'config_invalid',
      `${path} has invalid settings: ${describeIssues(parsed.error)}`,
    );
  }
  return parsed.data;
}

/** Reads the whole configuration. Throws KeybridgeError('config_invalid') with the offending key. */
export function loadConfig(
  env: Env = process.env,
  platform: NodeJS.Platform = process.platform,
): KeybridgeConfig {
  const home = resolveHome(env, platform);
  const file = readFileConfig(home);
  const pick = <K extends keyof z.infer<typeof KeyedConfig>>(key: K): string | undefined =>
    env[key] !== undefined && env[key] !== ''
      ? env[key]
      : file[key] !== undefined
        ? String(file[key])
        : undefined;

  const envChecked = KeyedConfig.partial().safeParse(
    Object.fromEntries(
      Object.keys(KeyedConfig.shape).map((k) => [k, pick(k as keyof z.infer<typeof KeyedConfig>)]),
    ),
  );
  if (!envChecked.success) {
    throw new KeybridgeError(
      'config_invalid',
      `Invalid Keybridge setting: ${describeIssues(envChecked.error)}`,
    );
  }
  const c = envChecked.data;
  const autoSwitch =
    c.KEYBRIDGE_AUTO_SWITCH !== undefined
      ? c.KEYBRIDGE_AUTO_SWITCH === '1' || c.KEYBRIDGE_AUTO_SWITCH === 'true'
      : file.autoSwitch;
  const issuer = (c.KEYBRIDGE_ISSUER ?? OPENAI_DEFAULTS.issuer).replace(/\/+$/, '');
  return {
    home,
    socketPath: c.KEYBRIDGE_SOCKET ?? resolveSocketPath(home, env, platform),
    toolPolicy: c.KEYBRIDGE_TOOL_POLICY,
    approvalTimeoutMs:
      c.KEYBRIDGE_APPROVAL_TIMEOUT === undefined
        ? undefined
        : Math.round(c.KEYBRIDGE_APPROVAL_TIMEOUT * 1000),
    codexHome: env.CODEX_HOME || join(env.HOME || homedir(), '.codex'),
    ...(autoSwitch === undefined ? {} : { autoSwitch }),
    provider: {
      issuer,
      discover: c.KEYBRIDGE_ISSUER !== undefined,
      clientId: c.KEYBRIDGE_CLIENT_ID ?? OPENAI_DEFAULTS.clientId,
      scope: OPENAI_DEFAULTS.scope,
      extraAuthorizeParams: { ...OPENAI_DEFAULTS.extraAuthorizeParams },
      redirect: c.KEYBRIDGE_REDIRECT ?? 'loopback',
      loopbackPorts: c.KEYBRIDGE_LOOPBACK_PORT
        ? [c.KEYBRIDGE_LOOPBACK_PORT]
        : [...OPENAI_DEFAULTS.loopbackPorts],
      chatgptBase: (c.KEYBRIDGE_CHATGPT_BASE ?? OPENAI_DEFAULTS.chatgptBase).replace(/\/+$/, ''),
    },
  };
}
