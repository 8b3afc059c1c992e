// Shared set-up for the outbound conformance tests: simulator, fake daemon listeners, watcher.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { frameToEvent } from '../../src/esl/event';
import { Simulator } from '../../src/simulator/simulator';
import { TestListener, TestPeer } from './esl-test-client';
import { traceCommands } from './trace-frames';

export interface Harness {
  readonly sim: Simulator;
  readonly consent: TestListener;
  readonly coach: TestListener;
  readonly watch: TestPeer;
  readonly recordings: string;
  close(): Promise<void>;
}

/** A simulator whose 5002 / *97* sockets reach two test listeners, plus a json watcher as in `scenario`. */
export async function startHarness(scenario: string, options: { outbound?: boolean; watch?: boolean } = {}): Promise<Harness> {
  const consent = await TestListener.start();
  // "Nothing listens on 8084": a port that was just free.
  if (options.outbound === false) await consent.close();
  const coach = await TestListener.start();
  const recordings = mkdtempSync(join(tmpdir(), 'sim-rec-'));
  const sim = new Simulator({
    outbound: { host: '127.0.0.1', port: consent.port },
    supervisorOutbound: { host: '127.0.0.1', port: coach.port },
    recordingsDir: recordings,
  });
  const port = await sim.listen(0);
  const watch = await TestPeer.connect(port);
  if (options.watch !== false) for (const cmd of traceCommands(scenario, 'watch-json')) await watch.command(cmd.line);
  return {
    sim, consent, coach, watch, recordings,
    close: async () => {
      await sim.stop();
      if (options.outbound !== false) await consent.close();
      await coach.close();
    },
  };
}

/** Waits until the watcher saw CHANNEL_DESTROY for `uuid`. */
export function watchSawDestroy(watch: TestPeer, uuid: string): Promise<void> {
  return watch.until(
    () => watch.frames.some((f) => {
      const ev = frameToEvent(f);
      return ev?.name === 'CHANNEL_DESTROY' && ev.headers['Unique-ID'] === uuid;
    }),
    `watch: CHANNEL_DESTROY ${uuid}`,
  );
}
