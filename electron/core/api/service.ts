import type { MethodName, ParamsOf, ResultOf, Status, TransportMethodName } from './contract';

/** Who is calling, as the transport knows it. */
export interface CallContext {
  transport: 'broker' | 'ipc' | 'websocket';
  /** From the broker's `hello`. */
  client?: { name: string; version?: string };
  /** Peer process id, where the OS tells. */
  pid?: number;
}

export type MethodHandlers = {
  [M in Exclude<MethodName, TransportMethodName>]: (
    params: ParamsOf<M>,
    ctx: CallContext,
  ) => Promise<ResultOf<M>>;
};

/**
 * The host as every transport sees it: the contract's methods (params already schema-checked by the
 * transport) and the status event stream.
 */
export interface Service extends MethodHandlers {
  onStatus(listener: (status: Status) => void): () => void;
}
