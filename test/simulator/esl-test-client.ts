// A minimal ESL peer for the simulator tests: sends raw commands, collects parsed frames.

import { createServer, connect, type Server, type Socket } from 'node:net';
import { FrameParser } from '../../src/esl/parser';
import type { EslFrame } from '../../src/esl/frame';

export class TestPeer {
  readonly frames: EslFrame[] = [];
  /** Every byte received, to check Content-Length against raw bytes. */
  readonly raw: Buffer[] = [];
  private readonly parser = new FrameParser();
  private waiters: Array<() => void> = [];
  closed = false;
  /** Index of the next frame `next()` returns. */
  cursor = 0;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.raw.push(chunk);
      this.frames.push(...this.parser.push(chunk));
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number): Promise<TestPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new TestPeer(socket)));
      socket.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits (event-driven, with a real-time guard) until `pred` holds. */
  until(pred: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`test peer: timed out waiting for ${what}`)), timeoutMs);
      const check = (): void => {
        if (pred()) {
          clearTimeout(guard);
          resolve();
        } else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }

  send(text: string): void {
    this.socket.write(text.endsWith('\n\n') ? text : `${text}\n\n`);
  }

  /** The next frame after the cursor that matches `pred` (skipping others). */
  async next(pred: (f: EslFrame) => boolean = () => true, what = 'a frame'): Promise<EslFrame> {
    let found = -1;
    await this.until(() => {
      for (let i = this.cursor; i < this.frames.length; i++) {
        if (pred(this.frames[i] as EslFrame)) {
          found = i;
          return true;
        }
      }
      return false;
    }, what);
    this.cursor = found + 1;
    return this.frames[found] as EslFrame;
  }

  /** Sends a command and waits for its reply (command/reply or api/response). */
  async command(text: string): Promise<EslFrame> {
    const type = text.startsWith('api ') ? 'api/response' : 'command/reply';
    this.send(text);
    return this.next((f) => f.headers['Content-Type'] === type, `reply to ${text.split('\n')[0]}`);
  }

  close(): void {
    this.socket.end();
  }

  whenClosed(): Promise<void> {
    return this.until(() => this.closed, 'close');
  }
}

/** A stand-in for the daemon's outbound listener: each connection becomes a TestPeer. */
export class TestListener {
  readonly peers: TestPeer[] = [];
  private waiters: Array<() => void> = [];
  private constructor(readonly server: Server, readonly port: number) {}

  static async start(): Promise<TestListener> {
    let listener: TestListener | undefined;
    const server = createServer((socket) => {
      listener?.peers.push(new TestPeer(socket));
      const w = listener?.waiters ?? [];
      if (listener !== undefined) listener.waiters = [];
      for (const f of w) f();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    listener = new TestListener(server, typeof address === 'object' && address !== null ? address.port : 0);
    return listener;
  }

  /** The n-th connection (0-based), waiting for it to arrive. */
  async peer(n: number, timeoutMs = 5000): Promise<TestPeer> {
    if (this.peers[n] !== undefined) return this.peers[n] as TestPeer;
    await new Promise<void>((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`no outbound connection #${n}`)), timeoutMs);
      const check = (): void => {
        if (this.peers[n] !== undefined) {
          clearTimeout(guard);
          resolve();
        } else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
    return this.peers[n] as TestPeer;
  }

  close(): Promise<void> {
    for (const p of this.peers) p.socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
