// channelMessages, written by hand, against channelStreams + mergeMap: the same messages at the same virtual times; and what a live channel costs.

import { expect } from 'chai';
import fc from 'fast-check';
import { mergeMap, Subject, VirtualTimeScheduler, type Observable, type Subscription } from 'rxjs';
import { channelMessages } from '../../src/streams/channel-messages';
import type { ChannelMessage, ChannelStreamOptions } from '../../src/streams/channel-message';
import { channelStreams } from './channel-streams-oracle';
import type { NodeEvent } from '../../src/streams/node-event';
import { newStreamGauges, type StreamGauges } from '../../src/streams/stream-gauges';
import { heapAfterGc } from '../support/heap';
import { channelEvent, newClock, uuidFor } from './synthetic';

const NAMES = ['CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_HANGUP_COMPLETE', 'CHANNEL_DESTROY', 'CHANNEL_STATE'] as const;

type Step =
  | { readonly after: number; readonly kind: 'event'; readonly leg: number; readonly name: (typeof NAMES)[number]; readonly node: 'fs1' | 'fs1-outbound' }
  | { readonly after: number; readonly kind: 'heartbeat' }
  | { readonly after: number; readonly kind: 'expire'; readonly leg: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ after: fc.nat(12), kind: fc.constant('event' as const), leg: fc.nat(3), name: fc.constantFrom(...NAMES), node: fc.constantFrom('fs1' as const, 'fs1-outbound' as const) }) },
  { weight: 1, arbitrary: fc.record({ after: fc.nat(12), kind: fc.constant('heartbeat' as const) }) },
  { weight: 2, arbitrary: fc.record({ after: fc.nat(12), kind: fc.constant('expire' as const), leg: fc.nat(3) }) },
);

/** What a message shows, with the virtual time it came at. */
const seen = (at: number, m: ChannelMessage): string =>
  m.kind === 'event' ? `${at} ${m.uuid.slice(-1)} ${m.node} ${m.event.name}` : `${at} ${m.uuid.slice(-1)} ${m.node} closed:${m.reason}`;

interface Run {
  readonly out: string[];
  readonly gauges: StreamGauges;
  ended: string;
  sub?: Subscription;
}

describe('streams/channel-messages', () => {
  it('gives what channelStreams + mergeMap give: same messages, same times, same counts (property)', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), fc.constantFrom('complete', 'error', 'unsubscribe'), fc.nat(2), (steps, end, capacity) => {
        const scheduler = new VirtualTimeScheduler();
        const source = new Subject<NodeEvent>();
        const expire$ = new Subject<string>();
        const clock = newClock();
        const run = (operator: (o: ChannelStreamOptions) => (s: Observable<NodeEvent>) => Observable<ChannelMessage>): Run => {
          const r: Run = { out: [], gauges: newStreamGauges(), ended: 'open' };
          // capacity 0: no tombstones, so late events reopen a channel (both must agree on that too).
          r.sub = source.pipe(operator({ scheduler, hangupGraceMs: 10, expire$, gauges: r.gauges, tombstoneCapacity: capacity === 0 ? 0 : 100 })).subscribe({
            next: (m) => r.out.push(seen(scheduler.now(), m)),
            error: (e: Error) => (r.ended = `error ${e.message}`),
            complete: () => (r.ended = 'complete'),
          });
          return r;
        };
        const flat = run((o) => channelMessages(o));
        const grouped = run((o) => (s) => s.pipe(channelStreams(o), mergeMap((ch) => ch.messages$)));
        let at = 0;
        for (const s of steps) {
          at += s.after;
          scheduler.schedule(() => {
            if (s.kind === 'expire') expire$.next(uuidFor(s.leg, 'a'));
            else if (s.kind === 'heartbeat') source.next({ node: 'fs1', event: { name: 'HEARTBEAT', format: 'plain', headers: { 'Event-Name': 'HEARTBEAT' } } });
            else source.next({ node: s.node, event: channelEvent(clock, s.name, uuidFor(s.leg, 'a')) });
          }, at);
        }
        scheduler.schedule(() => {
          if (end === 'complete') source.complete();
          else if (end === 'error') source.error(new Error('boom'));
          else {
            flat.sub!.unsubscribe();
            grouped.sub!.unsubscribe();
          }
        }, at + 25);
        scheduler.flush();
        expect(flat.out).to.deep.equal(grouped.out);
        expect(flat.ended).to.equal(grouped.ended);
        const counts = (g: StreamGauges) => [g.closedByDestroy, g.closedByGrace, g.closedByExpiry, g.lateEvents];
        expect(counts(flat.gauges)).to.deep.equal(counts(grouped.gauges));
        // Nothing left open, however it ended (groupBy's gauges keep a group after an unsubscribe).
        expect([flat.gauges.openGroups, flat.gauges.activeSubscriptions]).to.deep.equal([0, 0]);
      }),
      { numRuns: 300 },
    );
  });

  it('a live channel is one small record: 2,000 open channels keep well under 512 bytes each', () => {
    const source = new Subject<NodeEvent>();
    const gauges = newStreamGauges();
    let messages = 0;
    const sub = source.pipe(channelMessages({ gauges })).subscribe(() => messages++);
    const clock = newClock();
    const N = 2000;
    // The events are made first: only what the channel layer keeps of them is measured.
    const events = Array.from({ length: N }, (_, i) => channelEvent(clock, 'CHANNEL_CREATE', uuidFor(i, 'a')));
    const before = heapAfterGc();
    for (const event of events) source.next({ node: 'fs1', event });
    const perChannel = (heapAfterGc() - before) / N;
    expect(gauges.openGroups).to.equal(N);
    expect(messages).to.equal(N);
    expect(events).to.have.length(N); // kept until measured: only the channel layer's own share counts
    // groupBy → mergeMap held ≈2 KiB per channel (Subject, grouped observable, three subscribers, closures).
    expect(perChannel, `${perChannel.toFixed(0)} bytes per open channel`).to.be.below(512);
    sub.unsubscribe();
    expect(gauges.openGroups).to.equal(0);
  });
});
