// Searching the calls table for the back office: filters, scope and paging as one SQL query, on SQLite and MySQL alike.

import type { Knex } from 'knex';
import type { StoreTables } from '../store/store-tables';
import type { Scope } from './web-roles';

export type ConsentFilter = 'given' | 'refused' | 'timeout' | 'invalid' | 'not-asked';
export type RecordingFilter = 'recorded' | 'not-recorded';

export interface CallSearch {
  readonly from?: Date;
  readonly to?: Date;
  /** Part of the caller's number (digits and +). */
  readonly caller?: string;
  readonly agent?: string;
  readonly group?: string;
  readonly consent?: ConsentFilter;
  readonly recording?: RecordingFilter;
  readonly page: number;
  readonly pageSize: number;
}

export interface CallSummary {
  readonly callId: string;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly caller: string | null;
  readonly destination: string | null;
  readonly agentExtension: string | null;
  readonly group: string | null;
  readonly recordings: number;
}

/** '!' as the LIKE escape: a backslash means different things in MySQL and SQLite string literals. */
const likeEscape = (text: string): string => text.replace(/[!%_]/g, (c) => `!${c}`);

/**
 * The scope is part of the WHERE clause, so a page never holds a call the user may not
 * see and the total counts only theirs. Consent is read from the evidence rows (kind
 * "consent", canonical JSON, so the LIKE pattern is exact).
 */
export async function searchCalls(knex: Knex, t: StoreTables, scope: Scope, search: CallSearch): Promise<{ total: number; calls: CallSummary[] }> {
  const base = (): Knex.QueryBuilder => {
    const q = knex(`${t.calls} as c`);
    if (!scope.all && scope.agent) {
      // The agent's own calls, of a self-review group or actively shared with them (mayAgentReview).
      const { extension, selfReviewGroups } = scope.agent;
      if (extension === '') q.whereRaw('1 = 0');
      q.where('c.agent_extension', extension).andWhere((w) => {
        w.whereRaw('1 = 0');
        if (selfReviewGroups.length > 0) w.orWhereIn('c.call_group', selfReviewGroups as string[]);
        w.orWhereExists(
          knex(t.callShares)
            .select(knex.raw('1'))
            .whereRaw(`${t.callShares}.call_id = c.call_id`)
            .andWhere(`${t.callShares}.agent_extension`, extension)
            .whereNull(`${t.callShares}.removed_at`),
        );
      });
    } else if (!scope.all) {
      const { groups, extensions } = scope;
      q.where((w) => {
        w.whereRaw('1 = 0');
        if (groups.length > 0) w.orWhereIn('c.call_group', groups as string[]);
        if (extensions.length > 0) w.orWhereIn('c.agent_extension', extensions as string[]);
      });
    }
    if (search.from) q.andWhere('c.started_at', '>=', search.from.toISOString());
    if (search.to) q.andWhere('c.started_at', '<', search.to.toISOString());
    if (search.caller) q.andWhereRaw(`c.caller like ? escape '!'`, [`%${likeEscape(search.caller)}%`]);
    if (search.agent) q.andWhere('c.agent_extension', search.agent);
    if (search.group) q.andWhere('c.call_group', search.group);
    if (search.recording === 'recorded') q.whereExists(knex(t.recordings).select(knex.raw('1')).whereRaw(`${t.recordings}.call_id = c.call_id`));
    if (search.recording === 'not-recorded') q.whereNotExists(knex(t.recordings).select(knex.raw('1')).whereRaw(`${t.recordings}.call_id = c.call_id`));
    if (search.consent) {
      const consentRows = knex(t.consentEvents).select(knex.raw('1')).whereRaw(`${t.consentEvents}.call_id = c.call_id`).andWhere(`${t.consentEvents}.kind`, 'consent');
      if (search.consent === 'not-asked') q.whereNotExists(consentRows);
      else q.whereExists(consentRows.clone().andWhere(`${t.consentEvents}.detail`, 'like', `%"outcome":"${search.consent}"%`));
    }
    return q;
  };
  const countRow = (await base().count({ n: '*' }).first()) as { n: number | string } | undefined;
  const rows = (await base()
    .select('c.call_id', 'c.started_at', 'c.ended_at', 'c.caller', 'c.destination', 'c.agent_extension', 'c.call_group')
    .select(knex(t.recordings).count('*').whereRaw(`${t.recordings}.call_id = c.call_id`).as('recordings'))
    .orderBy([{ column: 'c.started_at', order: 'desc' }, { column: 'c.call_id', order: 'asc' }])
    .limit(search.pageSize)
    .offset((search.page - 1) * search.pageSize)) as Array<Record<string, unknown>>;
  return {
    total: Number(countRow?.n ?? 0),
    calls: rows.map((r) => ({
      callId: String(r.call_id),
      startedAt: r.started_at == null ? null : String(r.started_at),
      endedAt: r.ended_at == null ? null : String(r.ended_at),
      caller: r.caller == null ? null : String(r.caller),
      destination: r.destination == null ? null : String(r.destination),
      agentExtension: r.agent_extension == null ? null : String(r.agent_extension),
      group: r.call_group == null ? null : String(r.call_group),
      recordings: Number(r.recordings ?? 0),
    })),
  };
}
