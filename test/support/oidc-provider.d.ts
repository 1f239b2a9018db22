/**
 * The few parts of oidc-provider (v9, plain JS, no bundled types) that test/support/oidc-server.ts uses.
 * Deliberately loose: the configuration object is checked by oidc-provider itself at construction.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface KoaContextLike {
    method: string;
    path: string;
    status: number;
    oidc?: { params?: Record<string, unknown> };
  }

  export class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    readonly issuer: string;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    use(middleware: (ctx: KoaContextLike, next: () => Promise<void>) => Promise<void>): this;
    on(event: string, listener: (...args: never[]) => void): this;
  }

  export default Provider;
}
