// An event-plain value a call keeps must not keep the whole event's header block alive (V8 keeps string slices as views of their parent).

import { expect } from 'chai';
import { decodePlain } from '../../src/esl/event';
import { channelFacts, type ChannelFacts } from '../../src/streams/freeswitch-fields';
import { heapAfterGc } from '../support/heap';

describe('channel facts from event-plain', () => {
  it('keep strings of their own: 200 events with 40 KB header blocks leave well under 1 MB behind', () => {
    const pad = 'x'.repeat(40_000);
    const bodies = Array.from({ length: 200 }, (_, i) => {
      const uuid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      return Buffer.from(
        `Event-Name: CHANNEL_CREATE\nCore-UUID: 11111111-2222-4333-8444-555555555555\nUnique-ID: ${uuid}\n` +
          `Channel-Name: sofia/internal/1000%40127.0.0.1\nCaller-Caller-ID-Number: %2B4930123456789\n` +
          `Caller-Destination-Number: 5000\nvariable_callwarden_group: hotline\nvariable_pad: ${pad}\n\n`,
      );
    });
    const before = heapAfterGc();
    const kept: ChannelFacts[] = [];
    for (const body of bodies) {
      const facts = channelFacts(decodePlain(body));
      if (facts) kept.push(facts);
    }
    const grown = heapAfterGc() - before;
    expect(kept).to.have.length(200);
    expect(kept[7]).to.include({ channelName: 'sofia/internal/1000@127.0.0.1', destination: '5000', group: 'hotline', eventName: 'CHANNEL_CREATE' });
    // Each block is ~40 KB (8 MB in all): a kept slice would keep its block.
    expect(grown, `${grown} bytes kept for 200 calls' facts`).to.be.below(1_000_000);
  });
});
