// The topic tree under callwarden/<node>/; one place so docs, publisher and tests agree.

import type { CallEventKind } from './call-view';

export const TOPIC_ROOT = 'callwarden';

/** A node name is one topic level: no separators, no wildcards, nothing that needs escaping. */
const NODE_NAME = /^[A-Za-z0-9_.-]+$/;

export function assertNodeName(node: string): void {
  if (!NODE_NAME.test(node)) {
    throw new Error(`MQTT node name ${JSON.stringify(node)} must match ${NODE_NAME} (it becomes one topic level)`);
  }
}

/**
 * Call ids come from FreeSWITCH (UUIDs), but a channel variable can override them; a `/`, `+`
 * or `#` would split the level or make the topic unpublishable, so those are percent-encoded.
 */
export function encodeTopicLevel(value: string): string {
  const encoded = value.replace(/[%/+#\u0000]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return encoded.length > 0 ? encoded : '%00';
}

export interface NodeTopics {
  /** `callwarden/<node>/#`: everything this daemon publishes (what ops subscribe to). */
  all: string;
  status: string;
  /** `callwarden/<node>/calls/+` */
  callsWildcard: string;
  call(callId: string): string;
  event(kind: CallEventKind): string;
  /** `callwarden/<node>/events/+` */
  eventsWildcard: string;
  /** `callwarden/<node>/agents/<ext>`: one agent's desk (retained). */
  agent(extension: string): string;
  /** `callwarden/<node>/agents/+` */
  agentsWildcard: string;
}

export function nodeTopics(node: string): NodeTopics {
  assertNodeName(node);
  const base = `${TOPIC_ROOT}/${node}`;
  return {
    all: `${base}/#`,
    status: `${base}/status`,
    callsWildcard: `${base}/calls/+`,
    call: (callId) => `${base}/calls/${encodeTopicLevel(callId)}`,
    event: (kind) => `${base}/events/${kind}`,
    eventsWildcard: `${base}/events/+`,
    agent: (extension) => `${base}/agents/${encodeTopicLevel(extension)}`,
    agentsWildcard: `${base}/agents/+`,
  };
}
