// A sealed append-only log over one table: HMAC chain per chain id, sealed head, anchor, verification and erasure of personal values.

import { randomUUID } from 'node:crypto';
import { Knex } from 'knex';
import { canonicalJson } from './canonical-json';
import { CompiledSql } from './compiled-sql';
import type { AnchoredLog, ChainAnchor } from './chain-anchor';
import { isConflictError, retryOnConflict, StoreConflictError } from './db-errors';
import { AnchoredHead, ChainHead, evidenceHash, GENESIS_HASH, headMacText, sealHash, StoredEvidenceRow, verifyEvidenceChain } from './evidence-chain';
import type { EvidenceKeyring } from './evidence-keys';
import { KeyedMutex } from './keyed-mutex';
import { inTransaction, type Transacting } from './lean-transaction';
import { eraseWithSalt, hasPersonalData, newSalt, sealedView } from './personal-data';
import { firstRow } from './store-knex';
import { EvidenceRecord, EvidenceVerification } from './store-types';
import { TimeInput, toIso } from './time';

type Row = Record<string, unknown>;

export interface SealedLogSpec {
  readonly log: AnchoredLog;
  readonly table: string;
  /** Column holding the chain id in `table` and in `heads`. */
  readonly chainColumn: string;
  readonly heads: string;
  readonly personalFields: ReadonlySet<string>;
  /** Indexed copies of detail fields (for queries); checked against the sealed detail on verify. */
  readonly columns?: (detail: unknown) => Row;
}

export interface SealingOptions {
  /** Without keys rows are hash-chained only (test/demo); the daemon refuses to record then. */
  readonly keys?: EvidenceKeyring;
  /** Where chain heads are anchored (the daemon's writer); absent in CLI processes. */
  readonly anchor?: ChainAnchor;
}

export interface AppendOptions {
  at?: TimeInput;
  /** Idempotency key: a second append with the same writeId returns the first row. */
  writeId?: string;
}

export interface PseudonymiseResult {
  /** Rows whose personal values were replaced. */
  rows: number;
  /** Values replaced. */
  values: number;
  /** Rows written before sealing, whose personal values cannot be erased without breaking them (left as they are). */
  legacy: number;
}

export class SealedLog {
  private readonly writes = new CompiledSql();

  constructor(
    private readonly knex: Knex,
    readonly spec: SealedLogSpec,
    private readonly sealing: SealingOptions,
    private readonly locks: KeyedMutex,
    private readonly now: () => Date,
  ) {}

  get sealed(): boolean {
    return this.sealing.keys !== undefined;
  }

  /**
   * Appends one row. Appends to one chain are serialised in this process by a mutex and
   * across daemons by the unique (chain, seq) index plus a compare-and-swap on the head.
   */
  async append(chain: string, kind: string, detail: unknown, options: AppendOptions = {}): Promise<EvidenceRecord> {
    const row = this.newRow(kind, detail, options);
    return this.locks.run(`${this.spec.table}:${chain}`, async () => {
      const written = await retryOnConflict(() =>
        this.writeOrReplay(row.writeId, () =>
          inTransaction(this.knex, async (tx) => {
            const head = await this.readHead(tx, chain);
            return this.write(tx, chain, head, row);
          }),
        ),
      );
      return written.record;
    });
  }

  /**
   * Appends rows, each to its own chain (several rows of one chain in their order), in one
   * transaction: per chain one head read and one head move for all its rows. The write queue
   * hands over the evidence rows that wait together — a call's four RECORD_* setvars and its
   * uuid_record, other calls' rows beside them — and on MariaDB every statement is a round trip.
   * All or nothing: when the transaction fails for any reason (a replayed write id, a head moved
   * by another daemon, a deadlock, the database), nothing of it stays and the rows are appended
   * one by one with `append`'s replay and conflict handling — so each chain ends as single appends
   * would have made it. Chains are locked and written in sorted order (no other path holds two).
   */
  async appendBatch(entries: ReadonlyArray<{ readonly chain: string; readonly kind: string; readonly detail: unknown; readonly options?: AppendOptions }>): Promise<EvidenceRecord[]> {
    if (entries.length === 1) return [await this.append(entries[0]!.chain, entries[0]!.kind, entries[0]!.detail, entries[0]!.options)];
    const rows = entries.map((e) => ({ chain: e.chain, row: this.newRow(e.kind, e.detail, e.options ?? {}) }));
    const chains = [...new Set(rows.map((r) => r.chain))].sort();
    const together = await this.lockedAll(chains, () =>
      inTransaction(this.knex, async (tx) => {
        const records: EvidenceRecord[] = new Array(rows.length);
        for (const chain of chains) {
          const head = await this.readHead(tx, chain);
          let prev = head ?? (await this.lastRow(tx, chain));
          for (let i = 0; i < rows.length; i++) {
            if (rows[i]!.chain !== chain) continue;
            const record = await this.insertAfter(tx, chain, prev, rows[i]!.row);
            records[i] = record;
            prev = { seq: record.seq, hash: record.hash };
          }
          await this.moveHead(tx, chain, head, prev);
        }
        return records;
      }),
    ).catch(() => undefined);
    if (together) return together;
    const records: EvidenceRecord[] = [];
    for (const { chain, row } of rows) records.push(await this.append(chain, row.kind, row.detailValue, { at: row.at, writeId: row.writeId }));
    return records;
  }

  /** Runs `fn` holding the append lock of every chain in `chains` (taken in the order given). */
  private lockedAll<T>(chains: readonly string[], fn: () => Promise<T>): Promise<T> {
    if (chains.length === 0) return fn();
    return this.locks.run(`${this.spec.table}:${chains[0]}`, () => this.lockedAll(chains.slice(1), fn));
  }

  /**
   * Appends one row only if the chain has no head yet (closing a call nobody wrote evidence
   * for), under the same lock and guards as `append`. Returns the head as it then stands,
   * or undefined when that is not known without reading it again (the row was a replay).
   */
  async appendIfHeadless(chain: string, kind: string, detail: unknown, options: AppendOptions = {}): Promise<ChainHead | undefined> {
    const row = this.newRow(kind, detail, options);
    return this.locks.run(`${this.spec.table}:${chain}`, () =>
      retryOnConflict(async () => {
        const found = await this.head(chain);
        if (found) return found;
        // The head was read outside the transaction: if another writer creates it meanwhile,
        // the head insert fails on its primary key and the retry finds the head.
        const written = await this.writeOrReplay(row.writeId, () => inTransaction(this.knex, (tx) => this.write(tx, chain, undefined, row)));
        return written.head;
      }),
    );
  }

  private newRow(kind: string, detail: unknown, options: AppendOptions): NewRow {
    const detailText = canonicalJson(detail);
    return {
      at: toIso(options.at ?? this.now()),
      kind,
      detailText,
      detailValue: JSON.parse(detailText) as unknown,
      writeId: options.writeId ?? randomUUID(),
    };
  }

  /**
   * Runs one append attempt. Replays are told by the unique index on write_id: the insert of a
   * write that was applied before fails, the transaction rolls back, and the row stored the
   * first time is returned (whatever chain or position it has). Other conflicts are rethrown
   * for retryOnConflict to rerun the attempt.
   */
  private async writeOrReplay(writeId: string, attempt: () => Promise<Written>): Promise<{ record: EvidenceRecord; head?: ChainHead }> {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof StoreConflictError || isConflictError(err))) throw err;
      const replay = await firstRow(this.knex(this.spec.table).where({ write_id: writeId }));
      if (!replay) throw err;
      return { record: this.toRecord(replay) };
    }
  }

  /** Inserts the row after `head` (or, without a head, after the chain's last row) and moves or creates the head. */
  private async write(trx: Transacting, chain: string, head: ChainHead | undefined, row: NewRow): Promise<Written> {
    // The head, not the last row, is the predecessor: a deleted tail row then stays a visible gap.
    const record = await this.insertAfter(trx, chain, head ?? (await this.lastRow(trx, chain)), row);
    return { record, head: await this.moveHead(trx, chain, head, { seq: record.seq, hash: record.hash }) };
  }

  /** A headless chain's predecessor: its last row (rows written before heads existed), or genesis. */
  private async lastRow(trx: Transacting, chain: string): Promise<{ seq: number; hash: string }> {
    const last = await firstRow(trx(this.spec.table).where({ [this.spec.chainColumn]: chain }).orderBy('seq', 'desc'));
    return last ? { seq: Number(last.seq), hash: String(last.hash) } : { seq: 0, hash: GENESIS_HASH };
  }

  /** Inserts `row` as the successor of `prev`. */
  private async insertAfter(trx: Transacting, chain: string, prev: { seq: number; hash: string }, row: NewRow): Promise<EvidenceRecord> {
    const { table, chainColumn: col } = this.spec;
    const keys = this.sealing.keys;
    const seq = prev.seq + 1;
    const salt = keys ? newSalt() : null;
    const content = { callId: chain, seq, at: row.at, kind: row.kind, detail: sealedView(row.detailValue, salt, this.spec.personalFields) };
    const hash = keys ? sealHash(keys, keys.currentKeyId, prev.hash, content)! : evidenceHash(prev.hash, content);
    await this.writes.insert(trx, table, {
      [col]: chain,
      seq,
      at: row.at,
      kind: row.kind,
      detail: row.detailText,
      prev_hash: prev.hash,
      hash,
      key_id: keys?.currentKeyId ?? null,
      salt,
      write_id: row.writeId,
      ...(this.spec.columns?.(row.detailValue) ?? {}),
    });
    return { callId: chain, seq, at: row.at, kind: row.kind, detail: row.detailValue, prevHash: prev.hash, hash };
  }

  /** Moves the head from `head` to `to` (compare-and-swap on its seq), or creates it. */
  private async moveHead(trx: Transacting, chain: string, head: ChainHead | undefined, to: { seq: number; hash: string }): Promise<ChainHead> {
    const { heads, chainColumn: col } = this.spec;
    const keys = this.sealing.keys;
    const { seq, hash } = to;
    const keyId = keys?.currentKeyId ?? null;
    const updated = toIso(this.now());
    const mac = keys ? keys.mac(keys.currentKeyId, headMacText(chain, seq, hash))! : null;
    if (head) {
      const moved = await this.writes.changes(trx, 'move head', { chain, was: head.seq, seq, hash, key_id: keyId, mac, updated_at: updated }, (value) =>
        trx(heads)
          .where({ [col]: value('chain'), seq: value('was') })
          .update({ seq: value('seq'), hash: value('hash'), key_id: value('key_id'), mac: value('mac'), updated_at: value('updated_at') }),
      );
      if (moved !== 1) throw new StoreConflictError(`${this.spec.log} head of ${chain} moved concurrently`);
    } else {
      await this.writes.insert(trx, heads, { [col]: chain, seq, hash, key_id: keyId, mac, updated_at: updated });
    }
    return { seq, hash, keyId, mac };
  }

  async list(chain: string): Promise<EvidenceRecord[]> {
    const rows = await this.knex(this.spec.table).where({ [this.spec.chainColumn]: chain }).orderBy('seq');
    return rows.map((r: Row) => this.toRecord(r));
  }

  async head(chain: string): Promise<ChainHead | undefined> {
    return this.readHead(this.knex, chain);
  }

  /** The chain's head row, read on `db` (a transaction's connection, or the pool). Every append reads it: compiled once. */
  private async readHead(db: Knex | Transacting, chain: string): Promise<ChainHead | undefined> {
    // Built once for its SQL only (the same whichever connection runs it).
    const [h] = await this.writes.rows(db, 'head', { chain }, (value) =>
      this.knex(this.spec.heads)
        .where({ [this.spec.chainColumn]: value('chain') })
        .limit(1, { skipBinding: true }),
    );
    return h ? toHead(h) : undefined;
  }

  /** Verifies seals, links, the sealed head, the indexed columns, and the anchored head when given. */
  async verify(chain: string, anchored?: AnchoredHead): Promise<EvidenceVerification> {
    const [raw, head] = await Promise.all([this.knex(this.spec.table).where({ [this.spec.chainColumn]: chain }).orderBy('seq'), this.head(chain)]);
    const rows: StoredEvidenceRow[] = raw.map((r: Row) => ({
      callId: String(r[this.spec.chainColumn]),
      seq: Number(r.seq),
      at: String(r.at),
      kind: String(r.kind),
      detailText: String(r.detail),
      prevHash: String(r.prev_hash),
      hash: String(r.hash),
      keyId: str(r.key_id),
      salt: str(r.salt),
    }));
    const result = verifyEvidenceChain(rows, head, {
      ...(this.sealing.keys ? { keys: this.sealing.keys, requireSealed: true } : {}),
      personalFields: this.spec.personalFields,
      ...(anchored ? { anchored } : {}),
    });
    if (!result.ok || !this.spec.columns) return result;
    for (const r of raw as Row[]) {
      const want = this.spec.columns(JSON.parse(String(r.detail)));
      for (const [k, v] of Object.entries(want)) {
        if ((r[k] ?? null) !== (v ?? null)) return { ...result, ok: false, brokenAt: Number(r.seq), reason: `column ${k} of seq ${String(r.seq)} differs from the sealed row (edited to hide it from queries)` };
      }
    }
    return result;
  }

  /** Writes the chain's current head (`known`: as just read or written under the chain's lock) to the anchor file (no-op without an anchor or a chain). */
  async anchorHead(chain: string, known?: ChainHead): Promise<void> {
    if (!this.sealing.anchor) return;
    const head = known ?? (await this.head(chain));
    if (!head) return;
    await this.sealing.anchor.append({ log: this.spec.log, chain, seq: head.seq, hash: head.hash });
  }

  /**
   * Replaces every personal value in the chain's rows by its commitment and `pseudonym`, and
   * destroys each row's salt. The seals covered the commitments, so the chain still verifies;
   * the values are gone for everybody.
   */
  async pseudonymise(chain: string, pseudonym: string): Promise<PseudonymiseResult> {
    const { table, chainColumn: col, personalFields } = this.spec;
    return this.locks.run(`${table}:${chain}`, () =>
      this.knex.transaction(async (trx) => {
        const result: PseudonymiseResult = { rows: 0, values: 0, legacy: 0 };
        const rows = (await trx(table).where({ [col]: chain }).orderBy('seq')) as Row[];
        for (const r of rows) {
          const detail: unknown = JSON.parse(String(r.detail));
          const salt = str(r.salt);
          if (salt === null) {
            if (hasPersonalData(detail, personalFields)) result.legacy++;
            continue;
          }
          const erased = eraseWithSalt(detail, salt, personalFields, pseudonym);
          await trx(table)
            .where({ [col]: chain, seq: Number(r.seq) })
            .update({ detail: canonicalJson(erased.detail), salt: null, ...(this.spec.columns?.(erased.detail) ?? {}) });
          if (erased.erased > 0) result.rows++;
          result.values += erased.erased;
        }
        return result;
      }),
    );
  }

  private toRecord(r: Row): EvidenceRecord {
    return {
      callId: String(r[this.spec.chainColumn]),
      seq: Number(r.seq),
      at: String(r.at),
      kind: String(r.kind),
      detail: JSON.parse(String(r.detail)) as unknown,
      prevHash: String(r.prev_hash),
      hash: String(r.hash),
    };
  }
}

interface NewRow {
  readonly at: string;
  readonly kind: string;
  readonly detailText: string;
  readonly detailValue: unknown;
  readonly writeId: string;
}

interface Written {
  record: EvidenceRecord;
  /** The chain's head after the write. */
  head: ChainHead;
}

function toHead(h: Row): ChainHead {
  return { seq: Number(h.seq), hash: String(h.hash), keyId: str(h.key_id), mac: str(h.mac) };
}

function str(v: unknown): string | null {
  return v == null ? null : String(v);
}
