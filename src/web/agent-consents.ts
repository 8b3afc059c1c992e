// Agents' signed recording consents as people manage them: enter, revoke, list — each with who did it.

import type { Knex } from 'knex';
import type { StoreTables } from '../store/store-tables';
import { EXTENSION } from './user-directory';

export interface AgentConsentEntry {
  readonly id: number;
  readonly extension: string;
  readonly signedAt: string;
  readonly documentRef: string;
  readonly enteredBy: string | null;
  readonly revokedAt: string | null;
  readonly revokedBy: string | null;
}

export class AgentConsentError extends Error {
  override name = 'AgentConsentError' as const;
}

/**
 * Writes the same agent_consents rows src/policies/agent-consent-on-file.ts is fed from (via
 * StoreRepository.getAgentConsent), adding who entered or revoked them.
 */
export class AgentConsents {
  constructor(
    private readonly knex: Knex,
    private readonly tables: StoreTables,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async consent(extension: string, signedAt: Date, documentRef: string, by: string): Promise<number> {
    if (!EXTENSION.test(extension)) throw new AgentConsentError(`extension "${extension}": 2-10 digits`);
    if (Number.isNaN(signedAt.getTime())) throw new AgentConsentError('the signing date is not a date');
    if (signedAt.getTime() > this.now().getTime() + 60_000) throw new AgentConsentError('the signing date is in the future');
    if (!/^[^\r\n]{1,255}$/.test(documentRef)) throw new AgentConsentError('the document reference must be 1-255 characters on one line');
    const [id] = await this.knex(this.tables.agentConsents).insert({
      extension,
      signed_at: signedAt.toISOString(),
      revoked_at: null,
      document_ref: documentRef,
      entered_by: by,
    });
    return Number(id);
  }

  /** Revokes every open consent of the extension now; returns how many were open. */
  async revoke(extension: string, by: string): Promise<number> {
    if (!EXTENSION.test(extension)) throw new AgentConsentError(`extension "${extension}": 2-10 digits`);
    return this.knex(this.tables.agentConsents).where({ extension }).whereNull('revoked_at').update({ revoked_at: this.now().toISOString(), revoked_by: by });
  }

  async list(): Promise<AgentConsentEntry[]> {
    const rows = await this.knex(this.tables.agentConsents).orderBy([{ column: 'extension' }, { column: 'signed_at' }, { column: 'id' }]);
    return rows.map((r: Record<string, unknown>) => ({
      id: Number(r.id),
      extension: String(r.extension),
      signedAt: String(r.signed_at),
      documentRef: String(r.document_ref),
      enteredBy: r.entered_by == null ? null : String(r.entered_by),
      revokedAt: r.revoked_at == null ? null : String(r.revoked_at),
      revokedBy: r.revoked_by == null ? null : String(r.revoked_by),
    }));
  }
}
