import type { Document, LineCounter } from 'yaml';
import { isMap, isScalar, isSeq } from 'yaml';
import type { SitePath } from '../api/site';

/** A 1-based position in a file, as editors and compilers print it. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/**
 * Finds where a path of the site file is written, so that every problem can name its
 * line and column. A field is located at its key (`address:` in `- address: x`), a list
 * item at the item, a missing field at the nearest ancestor that is written.
 */
export function locate(document: Document, lineCounter: LineCounter, path: SitePath): Position {
  let node: unknown = document.contents;
  let position = offsetOf(node) ?? 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) break;
      node = pair.value;
      position = offsetOf(pair.key) ?? position;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) break;
      node = item;
      position = offsetOf(item) ?? position;
    } else {
      break;
    }
  }
  const { line, col } = lineCounter.linePos(position);
  return { line, column: col };
}

function offsetOf(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range?.[0];
}
