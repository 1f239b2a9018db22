/**
 * What the benches need from the test support, bundled by bench/build.mjs into dist/bench/support.mjs (the
 * benches are plain .mjs run by node, which cannot import TypeScript).
 */
export { startOidcServer, type OidcServer } from '../test/support/oidc-server';
export { signInOverHttp } from '../test/support/http-sign-in';
export { connectBroker, type BrokerClient } from '../core/broker/client';
