// What the recordings take and will take: bytes used, recordings and minutes per day, measured KB/min, space the retention settings need, days left.

import type { RecordingConfig } from '../policies';
import type { StoreRepository } from '../store';
import type { DiskSpace } from './disk-probe';

export interface DayUsage {
  readonly day: string;
  readonly recordings: number;
  readonly minutes: number;
  readonly bytes: number;
}

export interface StorageReport {
  readonly bytesUsed: number;
  readonly recordingsKept: number;
  readonly days: readonly DayUsage[];
  /** KB per minute of conversation, per format, from kept recordings with a measured length. */
  readonly kbPerMinute: Readonly<Record<string, number>>;
  /** Bytes per day over the window, per group (null = no group). */
  readonly bytesPerDayByGroup: Readonly<Record<string, number>>;
  /** What the current retention settings keep at the current rate: Σ group bytes/day × group retention days. */
  readonly neededBytes: number;
  readonly disk: DiskSpace | null;
  /** Free space ÷ bytes per day; null when nothing was recorded in the window or the disk is unknown. */
  readonly daysLeft: number | null;
  readonly windowDays: number;
}

type Row = Record<string, unknown>;

/** Pure arithmetic of the report, from per-group daily bytes and the retention settings in force now. */
export function plannedStorage(
  bytesPerDayByGroup: Readonly<Record<string, number>>,
  recording: Pick<RecordingConfig, 'retentionDays' | 'groups'>,
  freeBytes: number | null,
): { neededBytes: number; daysLeft: number | null } {
  let needed = 0;
  let perDay = 0;
  for (const [group, bytes] of Object.entries(bytesPerDayByGroup)) {
    const settings = Object.prototype.hasOwnProperty.call(recording.groups, group) ? recording.groups[group] : undefined;
    const days = settings?.retentionDays ?? recording.retentionDays;
    // "Do not keep" groups hold a file only until its mail is delivered: about a day.
    const kept = settings?.keepAfterMail === false ? 1 : days;
    needed += bytes * kept;
    perDay += bytes;
  }
  return { neededBytes: Math.round(needed), daysLeft: freeBytes === null || perDay <= 0 ? null : Math.floor(freeBytes / perDay) };
}

export async function storageReport(
  repo: StoreRepository,
  recording: Pick<RecordingConfig, 'retentionDays' | 'groups'>,
  disk: DiskSpace | null,
  now: Date,
  windowDays = 14,
): Promise<StorageReport> {
  const t = repo.tables.recordings;
  const kept = () => repo.knex(t).whereNot('status', 'deleted');
  const totals = (await kept().count({ n: '*' }).sum({ bytes: 'bytes' }).first()) as Row | undefined;
  const since = new Date(now.getTime() - windowDays * 86_400_000).toISOString();
  const dayExpr = repo.knex.raw('substr(started_at, 1, 10)');
  const days = ((await repo
    .knex(t)
    .where('started_at', '>=', since)
    .select({ day: dayExpr })
    .count({ n: '*' })
    .sum({ ms: 'duration_ms', bytes: 'bytes' })
    .groupBy(dayExpr)
    .orderBy('day')) as Row[]).map((r) => ({ day: String(r.day), recordings: Number(r.n), minutes: Number(r.ms ?? 0) / 60_000, bytes: Number(r.bytes ?? 0) }));
  const rates = (await kept()
    .whereNotNull('duration_ms')
    .where('duration_ms', '>', 0)
    .whereNotNull('bytes')
    .where('status', 'ok')
    .select('format')
    .sum({ ms: 'duration_ms', bytes: 'bytes' })
    .groupBy('format')) as Row[];
  const kbPerMinute: Record<string, number> = {};
  for (const r of rates) kbPerMinute[String(r.format)] = Math.round((Number(r.bytes) / 1024 / (Number(r.ms) / 60_000)) * 10) / 10;
  const groups = (await repo.knex(t).where('started_at', '>=', since).select({ g: 'group_name' }).sum({ bytes: 'bytes' }).groupBy('group_name')) as Row[];
  const bytesPerDayByGroup: Record<string, number> = {};
  for (const g of groups) bytesPerDayByGroup[g.g == null ? '' : String(g.g)] = Number(g.bytes ?? 0) / windowDays;
  const plan = plannedStorage(bytesPerDayByGroup, recording, disk?.freeBytes ?? null);
  return {
    bytesUsed: Number(totals?.bytes ?? 0),
    recordingsKept: Number(totals?.n ?? 0),
    days,
    kbPerMinute,
    bytesPerDayByGroup,
    ...plan,
    disk,
    windowDays,
  };
}

function size(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024).toFixed(1)} KB`;
}

export function storageReportLines(r: StorageReport): string[] {
  const lines = [`recordings kept: ${r.recordingsKept}, ${size(r.bytesUsed)}`];
  const rates = Object.entries(r.kbPerMinute);
  lines.push(`measured: ${rates.length === 0 ? 'no finished recording yet' : rates.map(([f, kb]) => `${kb} KB per minute (${f})`).join(', ')}`);
  lines.push(`last ${r.windowDays} days:`, '  DAY         RECORDINGS  MINUTES  SIZE');
  for (const d of r.days) lines.push(`  ${d.day}  ${String(d.recordings).padStart(10)}  ${d.minutes.toFixed(1).padStart(7)}  ${size(d.bytes)}`);
  lines.push(`space the current retention settings need at this rate: ${size(r.neededBytes)}`);
  if (r.disk) lines.push(`volume (${r.disk.measured}): ${size(r.disk.freeBytes)} free of ${size(r.disk.totalBytes)}`);
  lines.push(`days left on the volume at this rate: ${r.daysLeft === null ? 'unknown (nothing recorded in the window)' : r.daysLeft}`);
  return lines;
}
