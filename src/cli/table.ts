/**
 * Aligned text tables that fit the terminal. On a terminal (or with `COLUMNS` set) a table wider than the
 * screen narrows its widest columns and wraps their cells inside the column (at spaces, commas, hyphens and
 * slashes, else mid-word), so that the terminal never wraps a row mid-cell; piped output is never
 * wrapped or cut, one row per line, for grep and awk. A small renderer rather than a table library: the
 * ones at hand (cli-table3 and kin) draw boxes and take fixed column widths, while the work here is
 * choosing the widths.
 */

const GAP = '  ';
/** A column is not narrowed below this (or its header, when longer). */
const MIN_WIDTH = 8;

/** The width to fit: `COLUMNS` when set, else the terminal's, else none (piped). */
export function outputWidth(
  env: NodeJS.ProcessEnv = process.env,
  stdout: { isTTY?: boolean; columns?: number } = process.stdout,
): number | undefined {
  const fromEnv = Number(env.COLUMNS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return stdout.isTTY && stdout.columns ? stdout.columns : undefined;
}

/** Column widths that fit `width`: the widest column gives a character until the row fits. */
function fitWidths(natural: number[], headers: string[], width: number | undefined): number[] {
  const widths = [...natural];
  if (width === undefined) return widths;
  const budget = width - GAP.length * (widths.length - 1);
  const floor = widths.map((w, i) => Math.min(w, Math.max(MIN_WIDTH, headers[i]?.length ?? 0)));
  let total = widths.reduce((a, b) => a + b, 0);
  while (total > budget) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++)
      if ((widths[i] ?? 0) > (floor[i] ?? 0) && (widest < 0 || (widths[i] ?? 0) > (widths[widest] ?? 0)))
        widest = i;
    if (widest < 0) break; // every column at its floor: the terminal wraps what is left
    widths[widest] = (widths[widest] ?? 0) - 1;
    total--;
  }
  return widths;
}

/** The lines of one cell at `width`, broken after a space, comma, slash or hyphen when one is in reach. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width) {
    const head = rest.slice(0, width);
    const cut = Math.max(...[' ', ',', '/', '-'].map((c) => head.lastIndexOf(c)));
    const at = cut > 0 ? cut + 1 : width;
    lines.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
  }
  lines.push(rest);
  return lines;
}

export function formatTable(
  columns: string[],
  rows: (string | number | undefined)[][],
  width?: number,
): string {
  const cells = [columns, ...rows.map((r) => r.map((c) => (c === undefined ? '-' : String(c))))];
  const natural = columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const widths = fitWidths(natural, columns, width);
  const out: string[] = [];
  for (const r of cells) {
    const wrapped = r.map((c, i) => wrap(c, widths[i] ?? c.length));
    const height = Math.max(...wrapped.map((w) => w.length));
    for (let line = 0; line < height; line++) {
      out.push(
        wrapped
          .map((w, i) =>
            i === wrapped.length - 1 ? (w[line] ?? '') : (w[line] ?? '').padEnd(widths[i] ?? 0),
          )
          .join(GAP)
          .trimEnd(),
      );
    }
  }
  return `${out.join('\n')}\n`;
}
