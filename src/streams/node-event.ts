// The input of the stream layer: one FreeSWITCH event tagged with the ESL connection's node.

import type { EslEvent } from '../esl/frame';

/**
 * Events from every ESL connection (the inbound one per node, the outbound per-call
 * sockets) are merged into one stream of these. `node` is the daemon's own name for the
 * FreeSWITCH node the connection belongs to (config), so that a call can be told which
 * switch to send its commands to; the event's own `Core-UUID` names the FreeSWITCH run.
 */
export interface NodeEvent {
  readonly node: string;
  readonly event: EslEvent;
}

export function nodeEvent(node: string, event: EslEvent): NodeEvent {
  return { node, event };
}
