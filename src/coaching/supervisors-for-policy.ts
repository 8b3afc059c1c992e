// CallState.monitors as the recording policy needs them: who listens, and the mode seen from the agent's leg.

import { legOf, type CallState, type MonitorMode } from '../streams';

export interface SupervisorForPolicy {
  readonly supervisorLeg: string;
  /** The supervisor's extension as coaching authorised it (daemon.annotationsOf(callId).supervisors); undefined when unknown. */
  readonly supervisor: string | undefined;
  /**
   * The mode as if the agent's leg were the target (src/policies' SupervisorMode): talk-target
   * = only the agent hears the supervisor, talk-partner = the caller hears them.
   */
  readonly mode: MonitorMode;
}

/**
 * eavesdrop's modes are named from its target's side. Coaching always targets the agent's
 * leg, but an eavesdrop started outside the daemon may target the caller's leg, where "talk
 * to the target" is heard by the caller and lands in the caller-leg recording. This turns
 * every active monitor into the agent-side view the policy assumes; a target the call table
 * cannot place counts as the worst case (three-way: the caller hears the supervisor).
 */
export function supervisorsForPolicy(call: CallState, supervisors: Readonly<Record<string, string>> = {}): SupervisorForPolicy[] {
  return call.monitors
    .filter((m) => m.active)
    .map((m) => {
      const role = legOf(call, m.targetLeg)?.role;
      let mode: MonitorMode = m.mode;
      if (role === 'caller') mode = m.mode === 'talk-target' ? 'talk-partner' : m.mode === 'talk-partner' ? 'talk-target' : m.mode;
      else if (role !== 'agent' && m.mode !== 'listen') mode = 'three-way';
      const leg = legOf(call, m.supervisorLeg);
      return { supervisorLeg: m.supervisorLeg, supervisor: supervisors[m.supervisorLeg] ?? leg?.callerNumber, mode };
    });
}
