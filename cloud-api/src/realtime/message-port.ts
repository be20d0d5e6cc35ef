import type { WebSocket } from 'ws';

/**
 * Where a session writes: a socket in production, an array in tests. The session never owns it —
 * the transport edge opens and closes the socket and feeds the session what it receives.
 */
export interface MessagePort {
  /**
   * Sends one text frame; dropped when the port is no longer open. Never waits for the peer: what it
   * has not read yet stays in `bufferedAmount`. Bytes (UTF-8) let a fan-out encode once for everyone.
   */
  send(text: string | Uint8Array): void;
  /** Closes with a WebSocket close code and a reason a person can read. */
  close(code: number, reason: string): void;
  /** Bytes written but not yet on the wire (a slow reader's backlog). */
  readonly bufferedAmount: number;
  /** False once closing or closed. */
  readonly open: boolean;
}

/** A WebSocket as a message port. */
export function socketPort(ws: WebSocket): MessagePort {
  return {
    send: (text) => ws.send(text, { binary: false }),
    close(code, reason) {
      ws.close(code, reason);
      // A peer that never answers the close handshake is cut off, so it cannot hold the slot.
      setTimeout(() => ws.terminate(), 1000).unref();
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    get open() {
      return ws.readyState === ws.OPEN;
    },
  };
}

/** An in-memory port for tests: keeps what was sent (parsed) and how it was closed. */
export class MemoryPort implements MessagePort {
  readonly sent: Array<{ type: string; topic: string; data?: unknown; id?: string | number }> = [];
  closed: { code: number; reason: string } | undefined;
  bufferedAmount = 0;

  get open(): boolean {
    return this.closed === undefined;
  }

  send(text: string | Uint8Array): void {
    if (this.open) this.sent.push(JSON.parse(typeof text === 'string' ? text : Buffer.from(text).toString()));
  }

  close(code: number, reason: string): void {
    this.closed ??= { code, reason };
  }

  /** Messages sent so far of this type (and topic), oldest first. */
  of(type: string, topic?: string) {
    return this.sent.filter((m) => m.type === type && (topic === undefined || m.topic === topic));
  }
}
