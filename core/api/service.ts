import type {
  EventName,
  EventPayload,
  MethodName,
  ParamsOf,
  ResultOf,
  Status,
  TransportMethodName,
} from './contract';

/** The process at the other end of a broker connection. */
export interface PeerInfo {
  pid: number;
  executable?: string;
  /** True when the OS told the pid (the socket's peer); false when the tool only reported it in hello. */
  verified: boolean;
}

/** Who is calling, as the transport knows it. */
export interface CallContext {
  transport: 'broker' | 'ipc' | 'websocket';
  /** From the broker's `hello`. */
  client?: { name: string; version?: string };
  /** Peer process id, where the OS tells. */
  pid?: number;
  /** Broker: finds the peer process (lazily: it may ask the OS), or what the tool said in hello. */
  peer?: () => Promise<PeerInfo | undefined>;
  /** Broker: the pid the tool reported in hello (unverified). */
  reportedPid?: number;
  /** Broker: the caller came through SSH (its peer is an OpenSSH process): a tool on another machine. */
  via?: 'ssh';
}

/**
 * A broker notification whose content depends on the connection: `paramsFor` is asked once per greeted
 * connection (subscribed to `topic`, when one is given) and skips it by returning undefined. This is how
 * only approved tools receive a token in `credentials.changed`.
 */
export interface BrokerNotice {
  method: string;
  topic?: 'status' | 'credentials';
  paramsFor(client: { name: string }): unknown;
  /** True for connections to close after the notice (whatever their topics): a revoked remote is cut off. */
  closes?(client: { name: string }): boolean;
}

/** A renderer event other than `status.changed` (which has its own stream). */
export type ServiceEvent = {
  [E in Exclude<EventName, 'status.changed'>]: { name: E; payload: EventPayload<E> };
}[Exclude<EventName, 'status.changed'>];

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
  /** Per-connection broker notifications (`credentials.changed`, `approval.pending`). */
  onBrokerNotice?(listener: (notice: BrokerNotice) => void): () => void;
  /** Renderer events beyond status: `tools.changed`, `codex.changed`. */
  onEvent?(listener: (event: ServiceEvent) => void): () => void;
  /** The broker reports greeted connections opening and closing ("Connected tools" shows them). */
  brokerConnection?(client: { name: string }, open: boolean): void;
}
