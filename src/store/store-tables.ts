// Physical table names, derived from one prefix so tests (and shared databases) can keep separate table sets.

export interface StoreTables {
  readonly calls: string;
  readonly recordings: string;
  readonly consentEvents: string;
  readonly consentChainHeads: string;
  readonly monitorSessions: string;
  readonly agentConsents: string;
  readonly agentCallCounters: string;
  /** Who listened to, downloaded or exported what (sealed like the evidence). */
  readonly accessLog: string;
  readonly accessLogHeads: string;
  /** Legal holds per call or phone number (src/lifecycle): they block every deletion. */
  readonly legalHolds: string;
  /** The durable mail queue (src/lifecycle): one row per recording to mail. */
  readonly mailQueue: string;
  /** The web back office (src/web/): people, their API tokens, login audit (accesses go to accessLog). */
  readonly webUsers: string;
  readonly webApiTokens: string;
  readonly webAuthEvents: string;
  /** Calls a supervisor shared with their agent for coaching (src/web, the agent role). */
  readonly callShares: string;
  /** knex's own bookkeeping; knex adds `_lock` for its lock table. */
  readonly migrations: string;
}

export function storeTables(prefix = ''): StoreTables {
  if (!/^[A-Za-z0-9_]*$/.test(prefix)) throw new Error(`table prefix may contain only letters, digits and _: ${prefix}`);
  return {
    calls: `${prefix}calls`,
    recordings: `${prefix}recordings`,
    consentEvents: `${prefix}consent_events`,
    consentChainHeads: `${prefix}consent_chain_heads`,
    monitorSessions: `${prefix}monitor_sessions`,
    agentConsents: `${prefix}agent_consents`,
    agentCallCounters: `${prefix}agent_call_counters`,
    accessLog: `${prefix}access_log`,
    accessLogHeads: `${prefix}access_log_heads`,
    legalHolds: `${prefix}legal_holds`,
    mailQueue: `${prefix}mail_queue`,
    webUsers: `${prefix}web_users`,
    webApiTokens: `${prefix}web_api_tokens`,
    webAuthEvents: `${prefix}web_auth_events`,
    callShares: `${prefix}call_shares`,
    migrations: `${prefix}knex_migrations`,
  };
}
