// A call's controller follows that call's own stream: the callbacks one event costs do not grow with the number of live calls.

import { expect } from 'chai';
import { Subject, tap, type Observable } from 'rxjs';
import { CallController } from '../../src/calls/call-controller';
import type { Daemon } from '../../src/daemon';
import type { RecordingConfig } from '../../src/policies';
import type { Recorder } from '../../src/recorder';
import { CallRegistry, type CallWatcher } from '../../src/streams/call-registry';
import type { CallUpdate } from '../../src/streams/call-table';
import type { NodeEvent } from '../../src/streams/node-event';
import { captureLogger } from '../support/capture-logger';
import { newClock, onNode, twoLegCall, uuidFor } from '../streams/synthetic';

/**
 * Real controllers over a real registry whose streams count every delivery to a subscriber
 * (a delivery is a callback run: the work a subscriber does per event, whatever it then
 * does with it). The recorder's sync never settles, so each controller stays live and
 * stops at the first step: only the stream wiring is measured, never the machine's speed.
 */
function callbacksPerEvent(liveCalls: number): { callbacks: number; updates: number } {
  const registry = new CallRegistry();
  const source = new Subject<NodeEvent>();
  registry.attach(source);
  let callbacks = 0;
  const count = <T>(o: Observable<T>): Observable<T> => o.pipe(tap(() => callbacks++));
  const counted = {
    get: (id: string) => registry.get(id),
    get calls$(): Observable<CallUpdate> {
      return count(registry.calls$);
    },
    call$: (id: string) => count(registry.call$(id)),
    // What a controller follows its call with: each update it is told counts as a callback.
    watch: (id: string, w: CallWatcher) => registry.watch(id, { callUpdated: (u) => (callbacks++, w.callUpdated(u)), callClosed: () => w.callClosed() }),
    unwatch: () => undefined,
  };
  const daemon = { registry: counted, annotate: () => undefined, annotationsOf: () => ({}) } as unknown as Daemon;
  const recorder = {
    watchGate: () => undefined,
    unwatchGate: () => undefined,
    sync: () => new Promise<never>(() => undefined),
    observed: () => ({ running: [] }),
    forget: () => undefined,
  } as unknown as Recorder;
  const { logger } = captureLogger();
  const clock = newClock();
  const lives = Array.from({ length: liveCalls }, (_, i) => twoLegCall(clock, i + 1));
  // Every call answered and bridged (live), each with its controller.
  for (const life of lives) for (const e of onNode(life.slice(0, 5))) source.next(e);
  expect(registry.size).to.equal(liveCalls);
  for (let i = 0; i < liveCalls; i++) {
    new CallController(uuidFor(i + 1, 'a'), { daemon, recorder, recording: {} as RecordingConfig, logger }).start();
  }
  let updates = 0;
  registry.calls$.subscribe(() => updates++);
  callbacks = 0;
  // One more event of call 1 (its agent hangs up).
  for (const e of onNode(lives[0]!.slice(5, 6))) source.next(e);
  return { callbacks, updates };
}

describe('calls/per-call work', () => {
  it('one event runs the same number of controller callbacks with 1 or 500 live calls', () => {
    const one = callbacksPerEvent(1);
    const many = callbacksPerEvent(500);
    // The event is an update of call 1 that its controller must see…
    expect(one.updates).to.be.greaterThan(0);
    expect(one.callbacks).to.equal(one.updates);
    // …and the 499 other controllers are never woken for it.
    expect(many).to.deep.equal(one);
  });
});
