// Channel lifecycles in virtual time (RxJS TestScheduler): DESTROY, grace, late events, expiry.

import { expect } from 'chai';
import { endWith, ignoreElements, map, mergeMap, Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { EslEvent } from '../../src/esl/frame';
import { channelMessages } from '../../src/streams/channel-messages';
import type { ChannelMessage, ChannelStreamOptions } from '../../src/streams/channel-message';
import { channelStreams } from './channel-streams-oracle';
import { dedupEvents } from '../../src/streams/dedup-events';
import type { NodeEvent } from '../../src/streams/node-event';
import { newStreamGauges } from '../../src/streams/stream-gauges';
import { tracesAvailable } from '../support/traces';
import { CALLER, traceEvents } from './fixtures';
import { channelEvent, newClock } from './synthetic';

const label = (m: ChannelMessage) => (m.kind === 'event' ? m.event.name : `closed:${m.reason}`);

const LABELS = {
  c: 'CHANNEL_CREATE',
  h: 'CHANNEL_HANGUP_COMPLETE',
  d: 'CHANNEL_DESTROY',
  s: 'CHANNEL_STATE',
  x: 'closed:destroy',
  g: 'closed:grace',
  e: 'closed:expired',
};

(tracesAvailable() ? describe : describe.skip)('streams/channel-streams', () => {
  // The caller leg of consent-bridge-coach, from the plain ALL capture: it has the
  // CHANNEL_STATE that FreeSWITCH sends after CHANNEL_DESTROY.
  const plain = traceEvents('consent-bridge-coach', 'watch-plain').filter((e) => e.headers['Unique-ID'] === CALLER);
  const bySeq = (n: number): EslEvent => plain.find((e) => e.headers['Event-Sequence'] === String(n))!;
  const ev = (e: EslEvent): NodeEvent => ({ node: 'fs1', event: e });
  const values = {
    c: ev(bySeq(506)), // CHANNEL_CREATE
    h: ev(bySeq(656)), // CHANNEL_HANGUP_COMPLETE
    d: ev(bySeq(657)), // CHANNEL_DESTROY
    s: ev(bySeq(658)), // CHANNEL_STATE, after DESTROY
  };

  it('the capture really has an event after CHANNEL_DESTROY', () => {
    const names = plain.map((e) => e.name);
    expect(names.lastIndexOf('CHANNEL_DESTROY')).to.be.lessThan(names.length - 1);
    expect(values.s.event.name).to.equal('CHANNEL_STATE');
  });

  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected);
    });
  });
  const options = (extra: Partial<ChannelStreamOptions> = {}): ChannelStreamOptions => ({ scheduler, hangupGraceMs: 10, ...extra });

  it('completes the channel on CHANNEL_DESTROY, and the event after it does not reopen it', () => {
    const gauges = newStreamGauges();
    scheduler.run(({ hot, expectObservable }) => {
      const source = hot<NodeEvent>('-c-h-d-s-|', values);
      expectObservable(source.pipe(channelMessages(options({ gauges })), map(label))).toBe('-c-h-(dx)|', LABELS);
    });
    expect(gauges).to.include({ openGroups: 0, activeSubscriptions: 0, closedByDestroy: 1, lateEvents: 1 });
  });

  it('the group itself completes at DESTROY, not at the end of the source', () => {
    scheduler.run(({ hot, expectObservable }) => {
      const source = hot<NodeEvent>('-c-h-d-----|', values);
      const ends = source.pipe(
        channelStreams(options()),
        mergeMap((ch) => ch.messages$.pipe(ignoreElements(), endWith(ch.uuid))),
      );
      expectObservable(ends).toBe('-----u-----|', { u: CALLER });
    });
  });

  it('falls back to the grace after CHANNEL_HANGUP_COMPLETE when DESTROY never comes', () => {
    const gauges = newStreamGauges();
    scheduler.run(({ hot, expectObservable }) => {
      const source = hot<NodeEvent>('-c-h', values); // never completes: only the grace can end it
      expectObservable(source.pipe(channelMessages(options({ gauges })), map(label))).toBe('-c-h 9ms g', LABELS);
    });
    expect(gauges).to.include({ openGroups: 0, closedByGrace: 1 });
  });

  it('a DESTROY inside the grace wins, and no second close follows', () => {
    scheduler.run(({ hot, expectObservable }) => {
      const source = hot<NodeEvent>('-c-h-d 20ms |', values);
      expectObservable(source.pipe(channelMessages(options()), map(label))).toBe('-c-h-(dx) 17ms |', LABELS);
    });
  });

  it('a DESTROY that arrives after the grace is a late event', () => {
    const gauges = newStreamGauges();
    scheduler.run(({ hot, expectObservable }) => {
      const source = hot<NodeEvent>('-c-h 20ms d-|', values);
      expectObservable(source.pipe(channelMessages(options({ gauges })), map(label))).toBe('-c-h 9ms g 10ms --|', LABELS);
    });
    expect(gauges.lateEvents).to.equal(1);
  });

  it('without tombstones a late event opens a new group: groupBy really forgot the old one', () => {
    scheduler.run(({ hot, expectObservable }) => {
      const source = hot<NodeEvent>('-c-h-d---s-|', values);
      expectObservable(source.pipe(channelMessages(options({ tombstoneCapacity: 0 })), map(label))).toBe('-c-h-(dx)s-|', LABELS);
    });
  });

  it('drops the duplicate an outbound socket delivers', () => {
    const outbound = { ...values.c, node: 'fs1-outbound' };
    scheduler.run(({ hot, expectObservable }) => {
      const source = hot<NodeEvent>('-c-C-d---|', { ...values, C: outbound });
      expectObservable(source.pipe(dedupEvents(), channelMessages(options()), map(label))).toBe('-c---(dx)|', LABELS);
    });
  });

  it('expire$ closes a channel whatever its state, then unsubscribes from expire$', () => {
    const expire$ = new Subject<string>();
    scheduler.run(({ hot, expectObservable }) => {
      const source = hot<NodeEvent>('-c-------|', values);
      hot('----u', { u: CALLER }).subscribe(expire$);
      expectObservable(source.pipe(channelMessages(options({ expire$ })), map(label))).toBe('-c--e----|', LABELS);
    });
    expect(expire$.observed).to.equal(false);
  });

  it('the source completing (shutdown) completes channels without claiming they closed', () => {
    const gauges = newStreamGauges();
    scheduler.run(({ hot, expectObservable }) => {
      const source = hot<NodeEvent>('-c-|', values);
      expectObservable(source.pipe(channelMessages(options({ gauges })), map(label))).toBe('-c-|', LABELS);
    });
    expect(gauges).to.include({ openGroups: 0, activeSubscriptions: 0, closedByDestroy: 0, closedByGrace: 0 });
  });

  it('events without Unique-ID (HEARTBEAT) open no channel', () => {
    const heartbeat: NodeEvent = { node: 'fs1', event: { name: 'HEARTBEAT', format: 'plain', headers: { 'Event-Name': 'HEARTBEAT' } } };
    const gauges = newStreamGauges();
    scheduler.run(({ hot, expectObservable }) => {
      expectObservable(hot<NodeEvent>('-b-|', { b: heartbeat }).pipe(channelMessages(options({ gauges })))).toBe('---|');
    });
    expect(gauges.openGroups).to.equal(0);
  });
});

describe('streams/channel-streams: the close reason', () => {
  it('reaches every consumer of a channel even when one of them closes another channel on the spot', () => {
    // The reason is handed from the lifetime to the consumers while groupBy completes the
    // group; a consumer reacting to 'closed' by ending another channel must not lose it
    // for the consumers after it.
    const clock = newClock();
    const [a, b] = ['aaaaaaaa-0000-4000-8000-000000000001', 'bbbbbbbb-0000-4000-8000-000000000002'];
    const source = new Subject<NodeEvent>();
    const send = (name: string, uuid: string): void => source.next({ node: 'fs1', event: channelEvent(clock, name, uuid) });
    const seen: string[] = [];
    source.pipe(channelStreams()).subscribe((channel) => {
      for (const consumer of ['first', 'second']) {
        channel.messages$.subscribe((m) => {
          seen.push(`${consumer} ${m.uuid.slice(0, 1)} ${label(m)}`);
          if (consumer === 'first' && m.uuid === a && m.kind === 'closed') send('CHANNEL_DESTROY', b);
        });
      }
    });
    send('CHANNEL_CREATE', a);
    send('CHANNEL_CREATE', b);
    send('CHANNEL_DESTROY', a);
    source.complete();
    expect(seen.filter((line) => line.includes('closed'))).to.deep.equal([
      'first a closed:destroy',
      'first b closed:destroy',
      'second b closed:destroy',
      'second a closed:destroy',
    ]);
  });
});
