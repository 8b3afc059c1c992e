// Replays a trace's client commands against the simulator with the trace's own pacing.

import { readTrace } from '../support/traces';
import type { TestPeer } from './esl-test-client';
import { traceCommands } from './trace-frames';

export interface DriveOptions {
  /** Trace UUID → simulator UUID, applied to every command (filled in lazily). */
  readonly uuids: Map<string, string>;
  /** Called before sending command `index` (0-based), once the capture's earlier frames arrived. */
  readonly before?: (index: number, line: string) => Promise<void> | void;
  /** Called before waiting for those frames (e.g. to place the call they are about). */
  readonly beforeWait?: (index: number, line: string) => Promise<void> | void;
}

function substitute(text: string, uuids: Map<string, string>): string {
  let out = text;
  for (const [from, to] of uuids) out = out.split(from).join(to);
  return out;
}

/**
 * Sends each command of NAME.tx once as many frames have arrived as the capture had before
 * it (NAME.log order), then closes the socket after a linger notice, as the capturing client
 * did, and waits for the simulator to close.
 */
export async function drive(peer: TestPeer, scenario: string, connection: string, options: DriveOptions): Promise<void> {
  await send(peer, scenario, connection, options);
  await peer.until(
    () => peer.closed || peer.frames.some((f) => f.headers['Content-Disposition'] === 'linger'),
    `${scenario}/${connection}: the linger notice`,
  );
  if (!peer.closed) peer.close();
  await peer.whenClosed();
}

/** Sends every command of NAME.tx with the capture's pacing (no close at the end). */
export async function send(peer: TestPeer, scenario: string, connection: string, options: DriveOptions): Promise<void> {
  const trace = readTrace(scenario, connection);
  const commands = traceCommands(scenario, connection);
  let framesBefore = 0;
  let index = 0;
  for (const entry of trace.log) {
    if (entry.dir === '<') {
      framesBefore++;
      continue;
    }
    const cmd = commands[index];
    if (cmd === undefined) break;
    const n = framesBefore;
    await options.beforeWait?.(index, cmd.line);
    await peer.until(() => peer.frames.length >= n, `${scenario}/${connection}: ${n} frames before "${cmd.line}"`);
    await options.before?.(index, cmd.line);
    const headers = Object.entries(cmd.headers).map(([k, v]) => `${k}: ${substitute(v, options.uuids)}\n`).join('');
    peer.send(`${substitute(cmd.line, options.uuids)}\n${headers}\n`);
    index++;
  }
}
