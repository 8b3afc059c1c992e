// Loads real FreeSWITCH events from the captured traces as stream-layer fixtures.

import type { EslEvent } from '../../src/esl/frame';
import { frameToEvent } from '../../src/esl/event';
import { FrameParser } from '../../src/esl/parser';
import type { ChannelRow } from '../../src/streams/channel-row';
import { parseShowChannels } from '../../src/streams/channel-row';
import type { NodeEvent } from '../../src/streams/node-event';
import { readTrace } from '../support/traces';

export const NODE = 'fs1';

/** Every event of one connection's capture, in wire order. */
export function traceEvents(scenario: string, connection: string): EslEvent[] {
  const trace = readTrace(scenario, connection);
  const events: EslEvent[] = [];
  for (const frame of new FrameParser().push(trace.rx)) {
    const event = frameToEvent(frame);
    if (event !== undefined) events.push(event);
  }
  return events;
}

export function tagged(events: readonly EslEvent[], node = NODE): NodeEvent[] {
  return events.map((event) => ({ node, event }));
}

/** The rows of the first `show channels as json` reply in a capture. */
export function traceChannelRows(scenario: string, connection: string): ChannelRow[] {
  const trace = readTrace(scenario, connection);
  for (const frame of new FrameParser().push(trace.rx)) {
    const body = frame.body?.toString('utf8');
    if (frame.headers['Content-Type'] === 'api/response' && body !== undefined && body.startsWith('{"row_count"')) {
      return parseShowChannels(body);
    }
  }
  throw new Error(`no show channels reply in ${scenario}/${connection}`);
}

/**
 * Several connections' events as one stream would deliver them: ordered by
 * Event-Sequence (FreeSWITCH's own order), duplicates kept — that is what dedup is for.
 */
export function interleaveBySequence(...lists: readonly (readonly EslEvent[])[]): EslEvent[] {
  const seq = (e: EslEvent) => Number(e.headers['Event-Sequence'] ?? 0);
  return lists.flat().sort((a, b) => seq(a) - seq(b));
}

/**
 * The reply to `connect` on an outbound socket, as the ESL layer may hand it on: a
 * command/reply whose headers are the channel's data (Event-Name CHANNEL_DATA, its own
 * Event-Sequence, every variable).
 */
export function readConnectReply(scenario: string, connection: string): EslEvent {
  const trace = readTrace(scenario, connection);
  for (const frame of new FrameParser().push(trace.rx)) {
    if (frame.headers['Content-Type'] === 'command/reply' && frame.headers['Event-Name'] === 'CHANNEL_DATA') {
      return { name: 'CHANNEL_DATA', headers: frame.headers, format: 'plain' };
    }
  }
  throw new Error(`no connect reply in ${scenario}/${connection}`);
}

export const CALLER = '0d2d4bb5-3ac1-4db2-b8c8-e9eb87d35116';
export const AGENT = '3777d9cc-f04d-46d9-ad1c-35190cbcb635';
export const SUPERVISOR = 'fd9e7755-81aa-459e-a680-a8c744f7db93';
