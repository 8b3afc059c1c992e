// A call socket's claim is checked against FreeSWITCH's own answer; peers are compared by normalised address.

import { expect } from 'chai';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import type { EslEvent } from '../../src/esl/frame';
import { normalisePeer } from '../../src/esl/outbound-server';
import { concernsChannel, verifyOutboundSession } from '../../src/esl/verify-outbound-session';

const UUID = '0d2d4bb5-3ac1-4db2-b8c8-e9eb87d35116';
const TOKEN = '7f1c2a9e-5b3d-4e8f-9a0b-1c2d3e4f5a6b';
const data = (headers: Record<string, string>): EslEvent => ({ name: 'CHANNEL_DATA', headers, format: 'plain' });
const claim = (token = TOKEN, uuid = UUID) => data({ 'Unique-ID': uuid, variable_callwarden_token: token });

describe('verifyOutboundSession', () => {
  it('believes a socket whose token FreeSWITCH confirms for that channel, asking exactly uuid_getvar', async () => {
    const asked: string[] = [];
    const verdict = await verifyOutboundSession(claim(), async (c) => {
      asked.push(c);
      return TOKEN;
    });
    expect(verdict).to.deep.equal({ ok: true });
    expect(asked).to.deep.equal([`uuid_getvar ${UUID} callwarden_token`]);
  });

  it('refuses: no token, a malformed token, no such channel, another token, an unreachable inbound connection', async () => {
    const reasons = await Promise.all([
      verifyOutboundSession(data({ 'Unique-ID': UUID }), async () => TOKEN),
      verifyOutboundSession(claim('short'), async () => 'short'),
      verifyOutboundSession(claim(), async () => '-ERR No such channel!\n'),
      verifyOutboundSession(claim(), async () => randomUUID()),
      verifyOutboundSession(claim(), async () => '_undef_'),
      verifyOutboundSession(claim(), async () => {
        throw new Error('not connected');
      }),
      verifyOutboundSession(claim(TOKEN, 'x\ny'), async () => TOKEN),
    ]);
    expect(reasons.map((r) => r.ok)).to.deep.equal([false, false, false, false, false, false, false]);
    const text = reasons.map((r) => (r.ok ? '' : r.reason));
    expect(text[0]).to.contain('no callwarden_token');
    expect(text[2]).to.contain('no such channel');
    expect(text[3]).to.contain('differs');
    expect(text[5]).to.contain('not connected');
  });

  it('never believes a claim FreeSWITCH does not echo exactly (any reply, any claimed token)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 80 }), fc.stringMatching(/^[A-Za-z0-9-]{16,64}$/), async (reply, token) => {
        const verdict = await verifyOutboundSession(claim(token), async () => reply);
        expect(verdict.ok).to.equal(reply.trim() === token);
      }),
      { numRuns: 300 },
    );
  });
});

describe('concernsChannel and normalisePeer', () => {
  it('takes a socket\'s own channel and the legs linked to it, nothing else', () => {
    const ev = (h: Record<string, string>): EslEvent => ({ name: 'CHANNEL_ANSWER', headers: h, format: 'plain' });
    expect(concernsChannel(ev({ 'Unique-ID': UUID }), UUID)).to.equal(true);
    expect(concernsChannel(ev({ 'Unique-ID': 'agent', 'Other-Leg-Unique-ID': UUID }), UUID)).to.equal(true);
    expect(concernsChannel(ev({ 'Unique-ID': 'agent', variable_call_uuid: UUID }), UUID)).to.equal(true);
    expect(concernsChannel(ev({ 'Unique-ID': 'other-call' }), UUID)).to.equal(false);
    expect(concernsChannel(ev({}), UUID)).to.equal(false);
  });

  it('reads an IPv4 peer on a dual-stack socket as IPv4', () => {
    expect(normalisePeer('::ffff:127.0.0.1')).to.equal('127.0.0.1');
    expect(normalisePeer('::1')).to.equal('::1');
    expect(normalisePeer('FD00::2')).to.equal('fd00::2');
    expect(normalisePeer(undefined)).to.equal('unknown');
  });
});
