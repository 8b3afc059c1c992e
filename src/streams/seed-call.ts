// Seeds a CallState from one row of `show channels as json` (the daemon rebuilding after a reconnect).

import type { CallState, LegRole } from './call-state';
import type { ChannelRow } from './channel-row';
import { rowFacts } from './freeswitch-fields';
import { emptyCall, reduceCall } from './reduce-call';

/**
 * Which call a row belongs to and as what. A b-leg's row names its a-leg in `call_uuid`
 * (consent-bridge-coach/coach-socket: both rows carry the caller's uuid); an a-leg's row
 * names itself, or nothing when it was never bridged (record-api). `eavesdrop` as the
 * running application makes the row a supervisor of the target's call, but which call
 * that is only the table knows, so here it stays its own.
 */
export function rowPlacement(row: ChannelRow): { readonly callId: string; readonly role: LegRole } {
  const callUuid = row.call_uuid;
  if (row.direction === 'outbound' && callUuid !== undefined && callUuid !== '' && callUuid !== row.uuid) {
    return { callId: callUuid, role: 'agent' };
  }
  return { callId: row.uuid, role: 'caller' };
}

/**
 * Folds one row into `call` (or a new call named by rowPlacement). Pure. Rows carry no
 * variables and whole-second times, so the seeded state is coarser than one built from
 * events; the events that follow refine it.
 */
export function seedCall(row: ChannelRow, node: string, call?: CallState): CallState {
  const { callId, role } = rowPlacement(row);
  return reduceCall(call ?? emptyCall(callId, node), rowFacts(row), role, node);
}
