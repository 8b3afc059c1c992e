// Reads the extension a bridge dial string rings, so a single-agent target is known before the bridge.

/**
 * `user/1001`, `sofia/internal/1001@10.0.0.5:5080`, `{leg_timeout=20}user/1001@domain` → "1001".
 * Several endpoints (`,` or `|`) ring several agents: no single extension, undefined.
 */
export function extensionOfDialString(target: string | undefined): string | undefined {
  if (target === undefined) return undefined;
  const clean = target.replace(/^(\{[^}]*\}|\[[^\]]*\])+/, '');
  if (/[,|:]/.test(clean.split('@')[0] ?? '') || /[,|]/.test(clean)) return undefined;
  const last = clean.slice(clean.lastIndexOf('/') + 1).split('@')[0] ?? '';
  return /^[A-Za-z0-9_+.-]{1,64}$/.test(last) ? last : undefined;
}
