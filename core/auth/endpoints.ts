/**
 * Where the authorization server's endpoints are: OIDC discovery at the issuer when the issuer was overridden
 * (OpenID Connect Discovery 1.0 §4), else OpenAI's fixed layout (docs/design.md "Provider profile").
 */
import * as oauth from 'oauth4webapi';
import type { ProviderConfig } from '../config';
import { KeybridgeError } from '../errors';
import { describeNetworkFailure, isNetworkFailure, issuerUrl, requestOptions, type Transport } from './http';

/** OpenAI's endpoints, used without discovery. */
export function defaultServer(issuer: string): oauth.AuthorizationServer {
  const base = issuer.replace(/\/+$/, '');
  return {
    issuer: base,
    authorization_endpoint: `${base}/oauth/authorize`,
    token_endpoint: `${base}/oauth/token`,
    revocation_endpoint: `${base}/oauth/revoke`,
  };
}

/** Returns a getter that resolves the server metadata once and caches the first success. */
export function serverResolver(
  provider: ProviderConfig,
  transport: Transport,
): () => Promise<oauth.AuthorizationServer> {
  if (!provider.discover) {
    const fixed = defaultServer(provider.issuer);
    return () => Promise.resolve(fixed);
  }
  let cached: Promise<oauth.AuthorizationServer> | undefined;
  return () => {
    cached ??= discover(provider.issuer, transport).catch((e: unknown) => {
      cached = undefined; // a failure is not cached: the next call tries again
      throw e;
    });
    return cached;
  };
}

async function discover(issuer: string, transport: Transport): Promise<oauth.AuthorizationServer> {
  const url = issuerUrl(issuer, 'discovery_failed');
  try {
    const response = await oauth.discoveryRequest(url, requestOptions(url, transport));
    return await oauth.processDiscoveryResponse(url, response);
  } catch (e) {
    const why = isNetworkFailure(e)
      ? `could not reach it (${describeNetworkFailure(e, transport.timeoutMs)})`
      : e instanceof Error
        ? e.message
        : String(e);
    throw new KeybridgeError(
      'discovery_failed',
      `Could not read the sign-in settings of ${issuer} (OpenID discovery: ${why}). Check KEYBRIDGE_ISSUER and that the server is running, then try again.`,
      { cause: e, retryable: true },
    );
  }
}
