/** Small helpers shared by the fact parsers (pure). */
import { FactParseError } from './types';

/** Parses JSON printed by a tool, naming the tool when it is not JSON. */
export function parseJson(text: string, tool: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new FactParseError(`${tool} did not print JSON (got ${JSON.stringify(text.slice(0, 80))})`);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string field, or null when absent/empty. */
export function str(value: unknown): string | null {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? null : trimmed;
  }
  if (typeof value === 'number') return String(value);
  return null;
}

/** A number from JSON that older util-linux prints as a string ("512"). */
export function num(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return null;
}

/** A boolean from JSON that older util-linux prints as "0"/"1". */
export function bool(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === '1' || value === 1) return true;
  if (value === '0' || value === 0) return false;
  return null;
}

/** `KEY=value` lines (os-release, timedatectl show); surrounding quotes removed. */
export function keyValueLines(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_.]*)=(.*)$/.exec(line.trim());
    if (!match) continue;
    let value = match[2] ?? '';
    if (
      value.length >= 2 &&
      (value.startsWith('"') || value.startsWith("'")) &&
      value.endsWith(value[0] ?? '')
    ) {
      value = value.slice(1, -1).replace(/\\(["'$`\\])/g, '$1');
    }
    map.set(match[1] ?? '', value);
  }
  return map;
}

/** Non-empty lines, trimmed at the end. */
export function lines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '');
}
