import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

/** What the built renderer is made of; anything else is not served. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** A file of the built renderer, ready to send. */
export interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
  /** Hashed asset names never change: cache them; index.html always revalidates. */
  readonly immutable: boolean;
}

/**
 * Reads a file of the built renderer for a URL path, or undefined. The path is
 * normalised and must stay inside the renderer folder; `/` is index.html.
 */
export async function readStaticFile(root: string, urlPath: string): Promise<StaticFile | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const full = normalize(join(root, relative));
  if (full !== root && !full.startsWith(root.endsWith(sep) ? root : root + sep)) return undefined;
  const contentType = CONTENT_TYPES[extname(full).toLowerCase()];
  if (!contentType) return undefined;
  try {
    const body = await readFile(full);
    return { body, contentType, immutable: relative.startsWith('assets/') };
  } catch {
    return undefined;
  }
}
