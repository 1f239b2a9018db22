import { describe, expect, it } from 'vitest';
import { KeybridgeError, type ErrorCode } from '../errors';
import { checkMethod, parseMessage, parseParams, RpcError, toRpcError } from './jsonrpc';
import { TEST_ACCESS_TOKEN } from '../../test/support/broker-harness';

describe('parseMessage', () => {
  it('reads requests (string, number and null ids) and notifications (no id member)', () => {
    expect(parseMessage('{"jsonrpc":"2.0","id":"a","method":"status.get"}')).toEqual({
      kind: 'request',
      id: 'a',
      method: 'status.get',
      params: undefined,
    });
    expect(parseMessage('{"jsonrpc":"2.0","id":7,"method":"m","params":{"x":1}}')).toMatchObject({
      kind: 'request',
      id: 7,
    });
    expect(parseMessage('{"jsonrpc":"2.0","id":null,"method":"m"}')).toMatchObject({
      kind: 'request',
      id: null,
    });
    expect(parseMessage('{"jsonrpc":"2.0","method":"m","params":{}}')).toEqual({
      kind: 'notification',
      method: 'm',
      params: {},
    });
  });

  it.each([
    ['not JSON', '{"jsonrpc":"2.0",', -32700, null, 'Parse error'],
    [
      'a batch',
      '[{"jsonrpc":"2.0","id":1,"method":"status.get"}]',
      -32600,
      null,
      'Batch requests are not supported',
    ],
    ['a bare value', '42', -32600, null, 'request object'],
    ['a wrong version', '{"jsonrpc":"1.0","id":3,"method":"m"}', -32600, 3, 'jsonrpc'],
    ['a missing method', '{"jsonrpc":"2.0","id":4}', -32600, 4, 'method'],
    ['a non-string method', '{"jsonrpc":"2.0","id":5,"method":5}', -32600, 5, 'method must be a string'],
    ['an object id', '{"jsonrpc":"2.0","id":{},"method":"m"}', -32600, null, 'id'],
    ['scalar params', '{"jsonrpc":"2.0","id":6,"method":"m","params":"x"}', -32600, 6, 'params'],
  ])('answers %s with %i', (_name, line, code, id, words) => {
    const parsed = parseMessage(line);
    expect(parsed).toMatchObject({ kind: 'invalid', id, error: { code } });
    expect((parsed as { error: { message: string } }).error.message).toContain(words);
  });

  it('never echoes the input of a parse error (it may hold a secret)', () => {
    const parsed = parseMessage(`{"refresh_token": "${TEST_ACCESS_TOKEN}"`);
    expect(JSON.stringify(parsed)).not.toContain(TEST_ACCESS_TOKEN.slice(0, 20));
  });
});

describe('parseParams and checkMethod', () => {
  it('returns parsed params that follow the contract', () => {
    expect(parseParams('credentials.get', { minTtlSeconds: 60 })).toEqual({ minTtlSeconds: 60 });
    expect(parseParams('status.get', undefined)).toBeUndefined();
  });

  it('answers -32602 listing every offending field', () => {
    const err = catchIt(() => parseParams('hello', { protocol: 'one', client: { name: '' } }));
    expect(err).toBeInstanceOf(RpcError);
    expect(err.code).toBe(-32602);
    expect(err.message).toContain('protocol');
    expect(err.message).toContain('client.name');
    const extra = catchIt(() => parseParams('credentials.get', { minTtlSeconds: 10, bogus: true }));
    expect(extra.message).toContain('bogus');
    expect(catchIt(() => parseParams('credentials.get', [1])).code).toBe(-32602);
  });

  it('answers -32601 for methods outside the contract or outside the grant', () => {
    expect(catchIt(() => checkMethod('nope', ['status.get'])).code).toBe(-32601);
    expect(catchIt(() => checkMethod('credentials.get', ['status.get'])).code).toBe(-32601);
    expect(catchIt(() => checkMethod('toString', ['toString'])).code).toBe(-32601);
    expect(checkMethod('status.get', ['status.get'])).toBe('status.get');
  });
});

describe('toRpcError', () => {
  const kb = (code: ErrorCode, opts = {}) => new KeybridgeError(code, `message for ${code}`, opts);

  it.each<[ErrorCode, number]>([
    ['not_signed_in', -32001],
    ['access_denied_tool', -32003],
    ['approval_timeout', -32004],
    ['invalid_params', -32602],
  ])('maps %s to %i', (code, rpc) => {
    expect(toRpcError(kb(code))).toEqual({ code: rpc, message: `message for ${code}`, data: { code } });
  });

  it.each<ErrorCode>(['refresh_failed', 'relogin_required', 'network'])(
    'maps %s to -32005 with retry facts',
    (code) => {
      const retryable = code === 'network';
      const reloginRequired = code === 'relogin_required';
      expect(toRpcError(kb(code, { retryable, reloginRequired }))).toEqual({
        code: -32005,
        message: `message for ${code}`,
        data: { reloginRequired, retryable, code },
      });
    },
  );

  it.each<ErrorCode>([
    'state_mismatch',
    'access_denied',
    'missing_codex_entitlement',
    'sign_in_timeout',
    'sign_in_cancelled',
    'port_in_use',
    'no_sign_in_pending',
    'invalid_redirect_url',
    'token_exchange_failed',
  ])('maps sign-in error %s to -32006 with its code', (code) => {
    expect(toRpcError(kb(code))).toEqual({ code: -32006, message: `message for ${code}`, data: { code } });
  });

  it('maps other Keybridge errors and foreign errors to -32603, redacted', () => {
    expect(toRpcError(kb('vault_unreadable'))).toMatchObject({
      code: -32603,
      data: { code: 'vault_unreadable' },
    });
    const foreign = toRpcError(new TypeError(`boom with Bearer ${TEST_ACCESS_TOKEN}`));
    expect(foreign.code).toBe(-32603);
    expect(foreign.message).toContain('boom');
    expect(foreign.message).not.toContain(TEST_ACCESS_TOKEN);
    expect(toRpcError('a string')).toEqual({ code: -32603, message: 'Internal error' });
  });

  it('redacts tokens in every message, whatever the code', () => {
    const e = toRpcError(new KeybridgeError('not_signed_in', `token ${TEST_ACCESS_TOKEN} expired`));
    expect(e.message).not.toContain(TEST_ACCESS_TOKEN);
    const r = toRpcError(new RpcError(-32602, `bad access_token=${'a'.repeat(30)}`));
    expect(r.message).not.toContain('a'.repeat(30));
  });
});

function catchIt(fn: () => unknown): RpcError {
  try {
    fn();
  } catch (e) {
    return e as RpcError;
  }
  throw new Error('expected a throw');
}
