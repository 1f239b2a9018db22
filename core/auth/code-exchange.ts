/**
 * The authorization code grant (RFC 6749 §4.1.3, with the PKCE verifier of RFC 7636 §4.5) and the mapping
 * of what can go wrong to KeybridgeErrors. Shared by the browser sign-in (client.ts) and the device-code
 * sign-in (device-code.ts): from the code on, both are the same sign-in.
 */
import * as oauth from 'oauth4webapi';
import { KeybridgeError } from '../errors';
import { hostOf, isNetworkFailure, networkError, requestOptions, type Transport } from './http';
import { AUTHORIZATION_ERROR_MESSAGES, authorizationError, cleanServerText } from './messages';
import { invalidTokenResponse, toTokenSet } from './token-response';
import type { TokenSet } from './types';

export interface CodeExchange {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  /** URLSearchParams obtained from oauth.validateAuthResponse (oauth4webapi accepts no others). */
  validated: URLSearchParams;
  redirectUri: string;
  verifier: string;
  transport: Transport;
  /** Read when the answer arrives: expiresAt counts from then. */
  now: () => number;
}

export async function exchangeCode(x: CodeExchange): Promise<TokenSet> {
  const { as, client, transport } = x;
  // The request, or reading its answer, failed on the way: the same advice either way.
  const unreachable = (e: unknown) =>
    networkError(
      'token_exchange_failed',
      e,
      hostOf(as.token_endpoint),
      transport.timeoutMs,
      'Check your connection and start the sign-in again.',
    );
  let response: Response;
  try {
    response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      x.validated,
      x.redirectUri,
      x.verifier,
      requestOptions(as.token_endpoint, transport),
    );
  } catch (e) {
    if (isNetworkFailure(e)) throw unreachable(e);
    throw unexpectedExchangeError(e);
  }

  let body: oauth.TokenEndpointResponse;
  try {
    body = await oauth.processAuthorizationCodeResponse(as, client, response);
  } catch (e) {
    if (e instanceof oauth.ResponseBodyError) {
      if (Object.hasOwn(AUTHORIZATION_ERROR_MESSAGES, e.error))
        throw authorizationError(e.error, e.error_description);
      const desc = e.error_description ? ` — ${cleanServerText(e.error_description)}` : '';
      throw new KeybridgeError(
        'token_exchange_failed',
        `The server refused to finish the sign-in (${cleanServerText(e.error, 60)}${desc}). Start the sign-in again.`,
        { cause: e },
      );
    }
    if (isNetworkFailure(e)) throw unreachable(e);
    if (e instanceof oauth.OperationProcessingError && e.code === oauth.RESPONSE_IS_NOT_CONFORM) {
      throw new KeybridgeError(
        'token_exchange_failed',
        `The sign-in server answered with HTTP ${response.status} while finishing the sign-in. Wait a moment, then start the sign-in again.`,
        { cause: e },
      );
    }
    throw invalidTokenResponse(cleanServerText(e instanceof Error ? e.message : String(e)), false, e);
  }
  return toTokenSet(body, x.now(), true);
}

export function unexpectedExchangeError(e: unknown): KeybridgeError {
  return new KeybridgeError(
    'token_exchange_failed',
    `Keybridge could not finish the sign-in: ${cleanServerText(e instanceof Error ? e.message : String(e))}. Check the provider settings.`,
    { cause: e },
  );
}
