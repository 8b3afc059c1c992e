// Which call each agent is on and what that call shows them: folds the call controllers' snapshots into one view per agent extension.

import type { CallAgentSnapshot } from '../calls/call-agent-snapshot';
import type { AgentView } from '../mqtt';
import { lampState } from '../policies';

/** An agent between calls. */
export function idleAgent(extension: string): AgentView {
  return {
    extension,
    callId: null,
    group: null,
    recorded: false,
    paused: false,
    pausedSince: null,
    pauseEndsAt: null,
    masked: false,
    consentPending: false,
    lamp: 'off',
    monitored: null,
    monitoredBy: null,
  };
}

/** FreeSWITCH µs → ms for the view. */
const ms = (us: number | undefined): number | null => (us === undefined ? null : Math.floor(us / 1000));

export function agentViewOf(extension: string, s: CallAgentSnapshot): AgentView {
  // A mask the agent did not ask for comes from a supervisor talking to the caller: shown only
  // where the group tells its agents about monitoring, or the lamp would give silent coaching away.
  const masked = s.recordingRunning && (s.paused || (s.masked && s.notifyMonitoring));
  return {
    extension,
    callId: s.callId,
    group: s.group ?? null,
    recorded: s.recordingRunning,
    paused: s.paused,
    pausedSince: s.paused ? ms(s.pausedSince) : null,
    pauseEndsAt: s.paused ? ms(s.resumesAt) : null,
    masked,
    consentPending: s.consentPending,
    lamp: lampState({ inCall: true, recordingRunning: s.recordingRunning, masked, paused: s.paused, consentPending: s.consentPending }),
    // Silent coaching stays silent unless the group tells its agents (notifyAgentOfMonitoring).
    monitored: s.notifyMonitoring ? s.monitors.length > 0 : null,
    monitoredBy: s.notifyMonitoring ? s.monitors.map((m) => ({ supervisor: m.supervisor, mode: m.mode })) : null,
  };
}

/**
 * One agent may appear in several calls (a transfer hands the caller to another agent; a
 * second call may ring while the first ends): the agent's view is their most recently
 * updated live call, and an agent whose last call ended is idle. `update` answers which
 * agents' views changed, with the new views.
 */
export class AgentBoard {
  private readonly calls = new Map<string, { extension: string; snapshot: CallAgentSnapshot; seq: number }>();
  private readonly views = new Map<string, string>();
  private seq = 0;

  update(snapshot: CallAgentSnapshot): AgentView[] {
    const before = this.calls.get(snapshot.callId);
    const touched = new Set<string>();
    if (before) touched.add(before.extension);
    if (snapshot.ended || snapshot.extension === undefined) this.calls.delete(snapshot.callId);
    else {
      this.calls.set(snapshot.callId, { extension: snapshot.extension, snapshot, seq: ++this.seq });
      touched.add(snapshot.extension);
    }
    const changed: AgentView[] = [];
    for (const ext of touched) {
      const view = this.viewOf(ext);
      const key = JSON.stringify(view);
      if (this.views.get(ext) === key) continue;
      this.views.set(ext, key);
      changed.push(view);
    }
    return changed;
  }

  /** The agent's current view (idle when no live call of theirs is known). */
  viewOf(extension: string): AgentView {
    let best: { snapshot: CallAgentSnapshot; seq: number } | undefined;
    for (const c of this.calls.values()) if (c.extension === extension && (best === undefined || c.seq > best.seq)) best = c;
    return best ? agentViewOf(extension, best.snapshot) : idleAgent(extension);
  }

  /** Every agent this board has a view of (for resending lamps). */
  extensions(): string[] {
    return [...this.views.keys()];
  }
}
