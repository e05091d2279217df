/**
 * A plain-text table whose cells may span several lines; long lines wrap at word
 * boundaries so two servers fit side by side in a terminal (pure).
 */

/** A row: a label and one cell (lines) per column. */
export interface TableRow {
  readonly label: string;
  readonly cells: readonly (readonly string[])[];
}

/** A group of rows under a heading ("Disks", "Network"). */
export interface TableSection {
  readonly title: string;
  readonly rows: readonly TableRow[];
}

function wrap(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const indent = /^\s*/.exec(line)?.[0] ?? '';
  const out: string[] = [];
  let current = '';
  for (const word of line.trim().split(/\s+/)) {
    const prefix = out.length === 0 ? '' : `${indent}  `;
    const candidate = current === '' ? `${prefix || indent}${word}` : `${current} ${word}`;
    if (candidate.length > width && current !== '') {
      out.push(current);
      current = `${indent}  ${word}`;
    } else {
      current = candidate;
    }
  }
  if (current !== '') out.push(current);
  return out.flatMap((part) =>
    part.length > width ? (part.match(new RegExp(`.{1,${width}}`, 'g')) ?? [part]) : [part],
  );
}

/** Renders headers and sections into aligned columns separated by two spaces. */
export function renderTable(
  headers: readonly string[],
  sections: readonly TableSection[],
  maxCellWidth = 44,
): string {
  const labelWidth = Math.max(0, ...sections.flatMap((s) => s.rows.map((r) => r.label.length)));
  const columns = headers.length;
  const wrapped = sections.map((section) => ({
    title: section.title,
    rows: section.rows.map((row) => ({
      label: row.label,
      cells: Array.from({ length: columns }, (_, index) =>
        (row.cells[index] ?? []).flatMap((line) => wrap(line, maxCellWidth)),
      ),
    })),
  }));
  const widths = headers.map((header, index) =>
    Math.max(
      header.length,
      ...wrapped.flatMap((s) => s.rows.flatMap((r) => (r.cells[index] ?? []).map((l) => l.length))),
    ),
  );
  const line = (label: string, cells: readonly string[]): string =>
    [label.padEnd(labelWidth), ...cells.map((cell, index) => cell.padEnd(widths[index] ?? 0))]
      .join('  ')
      .trimEnd();
  const out = [
    line('', headers),
    line(
      '',
      widths.map((w) => '─'.repeat(w)),
    ),
  ];
  for (const section of wrapped) {
    out.push('', section.title);
    for (const row of section.rows) {
      const height = Math.max(1, ...row.cells.map((c) => c.length));
      for (let index = 0; index < height; index += 1) {
        out.push(
          line(
            index === 0 ? row.label : '',
            row.cells.map((cell) => cell[index] ?? ''),
          ),
        );
      }
    }
  }
  return `${out.join('\n')}\n`;
}
