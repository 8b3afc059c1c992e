// Calls a supervisor shared with the call's own agent for coaching: add, remove, and who a call is shared with now.

import type { Knex } from 'knex';
import type { StoreTables } from '../store/store-tables';

/**
 * One active share per (call, agent): sharing again is a no-op, removing keeps the row
 * with who removed it. Whether a share grants anything is decided by mayAgentReview
 * (src/policies): only the call's own agent is ever let in.
 */
export class CallShares {
  constructor(
    private readonly knex: Knex,
    private readonly tables: StoreTables,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The agent extensions the call is shared with now. */
  async sharedWith(callId: string): Promise<string[]> {
    const rows = (await this.knex(this.tables.callShares).where({ call_id: callId }).whereNull('removed_at').select('agent_extension')) as Array<{ agent_extension: string }>;
    return [...new Set(rows.map((r) => String(r.agent_extension)))];
  }

  /** True when a new share was written, false when it already existed. */
  async share(callId: string, agentExtension: string, by: string): Promise<boolean> {
    return this.knex.transaction(async (trx) => {
      const open = await trx(this.tables.callShares).where({ call_id: callId, agent_extension: agentExtension }).whereNull('removed_at').first();
      if (open) return false;
      await trx(this.tables.callShares).insert({ call_id: callId, agent_extension: agentExtension, shared_by: by, shared_at: this.now().toISOString() });
      return true;
    });
  }

  /** True when an active share was removed. */
  async unshare(callId: string, agentExtension: string, by: string): Promise<boolean> {
    const n = await this.knex(this.tables.callShares)
      .where({ call_id: callId, agent_extension: agentExtension })
      .whereNull('removed_at')
      .update({ removed_by: by, removed_at: this.now().toISOString() });
    return Number(n) > 0;
  }
}
