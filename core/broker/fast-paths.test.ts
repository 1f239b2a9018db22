/**
 * The broker's request path skips work only where the answer cannot differ: each shortcut is held here to the
 * very answer of the full check it stands in for (the zod envelope, the params schema, JSON.stringify).
 */
import { describe, expect, it } from 'vitest';
import { checkEnvelope, checkMethod, parseMessage, parseParams, resultLine, resultResponse } from './jsonrpc';
import { grants } from '../api/contract';
import { TEST_ACCESS_TOKEN } from '../../test/support/broker-harness';

/** Every kind of member the envelope can hold, valid or not. */
const IDS: unknown[] = [1, 0, -3, 2.5, 1e300, 'a', '', 'é"\n\\', null, true, {}, [], [1], { id: 1 }];
const METHODS: unknown[] = ['credentials.get', 'm', '', 5, null, {}, ['x']];
const VERSIONS: unknown[] = ['2.0', '1.0', 2, null, '2.0 '];
const PARAMS: unknown[] = [{}, { minTtlSeconds: 5 }, [], [1], 'x', 0, null, true];

function* envelopes(): Generator<Record<string, unknown>> {
  for (const jsonrpc of [...VERSIONS, undefined]) {
    for (const method of [...METHODS, undefined]) {
      for (const id of [...IDS, undefined]) {
        for (const params of [...PARAMS, undefined]) {
          const o: Record<string, unknown> = {};
          if (jsonrpc !== undefined) o.jsonrpc = jsonrpc;
          if (id !== undefined) o.id = id;
          if (method !== undefined) o.method = method;
          if (params !== undefined) o.params = params;
          yield o;
        }
      }
    }
  }
}

describe('the envelope check', () => {
  it('answers every envelope exactly as the schemas do', () => {
    let plain = 0;
    for (const o of envelopes()) {
      const line = JSON.stringify(o);
      const expected = checkEnvelope(JSON.parse(line) as object);
      expect(parseMessage(line), line).toEqual(expected);
      if (expected.kind !== 'invalid') plain += 1;
    }
    // The corpus holds valid requests and notifications, not only errors.
    expect(plain).toBeGreaterThanOrEqual(50);
  });

  it('keeps extra members and odd ids as the schemas do', () => {
    for (const line of [
      '{"jsonrpc":"2.0","id":1e999,"method":"m"}', // Infinity: not a JSON-RPC id
      '{"jsonrpc":"2.0","id":-0,"method":"m"}',
      '{"jsonrpc":"2.0","id":1,"method":"m","extra":{"a":1}}',
      '{"jsonrpc":"2.0","id":1,"method":"m","__proto__":{"id":2}}',
      '{"__proto__":{"jsonrpc":"2.0","method":"m"},"id":1}',
    ]) {
      expect(parseMessage(line), line).toEqual(checkEnvelope(JSON.parse(line) as object));
    }
    expect(parseMessage('{"jsonrpc":"2.0","id":1e999,"method":"m"}')).toMatchObject({
      kind: 'invalid',
      id: null,
      error: { code: -32600 },
    });
  });
});

describe('params and grants', () => {
  it('answers absent params as the schema does, every time', () => {
    for (let i = 0; i < 3; i += 1) {
      expect(parseParams('credentials.get', undefined)).toBeUndefined();
      expect(parseParams('status.get', undefined)).toBeUndefined();
      // Methods whose params are required still refuse a request without them.
      expect(() => parseParams('credentials.invalidate', undefined)).toThrow(/Invalid params/);
      expect(() => parseParams('hello', undefined)).toThrow(/Invalid params/);
    }
  });

  it('grants exactly the listed methods', () => {
    for (const method of [...grants.broker, 'tools.decide', 'tools.revoke', 'nope', 'toString', '']) {
      const granted = grants.broker.includes(method as never);
      if (granted) expect(checkMethod(method, grants.broker)).toBe(method);
      else expect(() => checkMethod(method, grants.broker)).toThrow(/Method not found/);
    }
  });
});

describe('resultLine', () => {
  const reference = (id: string | number | null, result: unknown) =>
    JSON.stringify(resultResponse(id, result)) + '\n';
  const creds = () =>
    Object.freeze({
      accessToken: TEST_ACCESS_TOKEN,
      tokenType: 'Bearer',
      expiresAt: '2030-01-01T00:00:00.000Z',
      accountId: 'acc-"1"',
      planType: null,
    });

  it('writes the same line as JSON.stringify, for any id and result', () => {
    const frozen = creds();
    for (const id of [1, 0, -7, 2.5, 'a', 'é"\n\\\u2028', null]) {
      for (const result of [frozen, { ...frozen }, undefined, null, 'x', [1], { a: { b: 1 } }]) {
        expect(resultLine(id, result)).toBe(reference(id, result));
        // Asked again (now from the cache, where there is one): still the same.
        expect(resultLine(id, result)).toBe(reference(id, result));
      }
    }
  });

  it('never serves an old text for a result that can still change', () => {
    // Frozen, but holding an object freezing does not reach.
    const inner = { n: 1 };
    const nested = Object.freeze({ inner });
    expect(resultLine(1, nested)).toBe(reference(1, nested));
    inner.n = 2;
    expect(resultLine(1, nested)).toContain('"n":2');
    // Frozen, but with a getter that answers differently each time.
    let n = 0;
    const getter = Object.freeze({
      get n() {
        n += 1;
        return n;
      },
    });
    expect(resultLine(1, getter)).not.toBe(resultLine(1, getter));
    // Not frozen: changed in place.
    const open: Record<string, unknown> = { a: 1 };
    expect(resultLine(1, open)).toBe(reference(1, open));
    open.a = 2;
    expect(resultLine(1, open)).toBe(reference(1, open));
  });

  it('throws where JSON.stringify throws, so the broker can answer with an error', () => {
    expect(() => resultLine(1, Object.freeze({ big: 1n }))).toThrow();
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => resultLine(1, cycle)).toThrow();
  });
});
