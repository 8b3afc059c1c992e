// Reads the extension a bridge dial string (callwarden_target) rings, so a single-agent target is known before the prompt.

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

/**
 * callwarden_target as the call carries it: a dial string with no control characters and no
 * surrounding spaces (it is written to the evidence and read for the agent), else undefined.
 */
export function dialStringOf(value: string | undefined): string | undefined {
  if (value === undefined || value.length === 0 || value.length > 1024) return undefined;
  return /^[^\x00-\x1f\x7f]+$/.test(value) && value.trim() === value ? value : undefined;
}
