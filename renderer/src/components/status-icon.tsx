import { ThemeIcon } from '@mantine/core';

/** The look of a result everywhere: pass, info, warn, fail, running, pending, skipped, will change. */
export type StatusKind = 'pass' | 'info' | 'warn' | 'fail' | 'running' | 'pending' | 'skipped' | 'change';

const LOOK: Record<StatusKind, { color: string; glyph: string; label: string; variant: 'filled' | 'light' }> = {
  pass: { color: 'teal', glyph: '✓', label: 'Pass', variant: 'filled' },
  info: { color: 'blue', glyph: 'i', label: 'Note', variant: 'light' },
  warn: { color: 'yellow', glyph: '!', label: 'Warning', variant: 'filled' },
  fail: { color: 'red', glyph: '✕', label: 'Fail', variant: 'filled' },
  running: { color: 'indigo', glyph: '…', label: 'Running', variant: 'light' },
  pending: { color: 'gray', glyph: '·', label: 'Waiting', variant: 'light' },
  skipped: { color: 'gray', glyph: '–', label: 'Skipped', variant: 'light' },
  change: { color: 'indigo', glyph: '→', label: 'Will change', variant: 'light' },
};

/** A round icon whose meaning is also its accessible name (colour is never the only cue). */
export function StatusIcon({ kind, label, size = 22 }: { kind: StatusKind; label?: string; size?: number }) {
  const look = LOOK[kind];
  return (
    <ThemeIcon
      size={size}
      radius="xl"
      color={look.color}
      variant={look.variant}
      role="img"
      aria-label={label ?? look.label}
      style={{ flexShrink: 0, fontWeight: 700, fontSize: size * 0.55 }}
    >
      <span aria-hidden>{look.glyph}</span>
    </ThemeIcon>
  );
}

/** The words of a status kind ("Pass", "Warning"…). */
export function statusLabel(kind: StatusKind): string {
  return LOOK[kind].label;
}
