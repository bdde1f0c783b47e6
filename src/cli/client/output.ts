/** Text output: tables, key-value blocks, progress bars, colour, JSON. */

const ESC = '\x1b[';
/** An SGR or cursor sequence (built from the code point: no-control-regex forbids ESC in a literal). */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, 'g');

/** Colour only on a terminal, and never when NO_COLOR is set or TERM is dumb. */
export const colorOn = (stream: NodeJS.WriteStream): boolean =>
  !!stream.isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb';

const sgr =
  (code: number) =>
  (s: string, on: boolean): string =>
    on ? `${ESC}${code}m${s}${ESC}0m` : s;
export const green = sgr(32);
export const red = sgr(31);
export const yellow = sgr(33);
export const cyan = sgr(36);
export const dim = sgr(2);

/** A job status coloured by outcome: green done, red failed, yellow cancelled, cyan in flight. */
export function paintStatus(status: string, on: boolean): string {
  if (status === 'SUCCEEDED') return green(status, on);
  if (status === 'FAILED') return red(status, on);
  if (status === 'CANCELLED') return yellow(status, on);
  return cyan(status, on);
}

/** Printable width of a string that may hold colour codes. */
export const visibleWidth = (s: string): number => s.replace(ANSI, '').length;

/** Cuts `s` to `width` visible characters, keeping colour codes intact. */
export function truncate(s: string, width: number): string {
  if (visibleWidth(s) <= width) return s;
  let out = '';
  let seen = 0;
  for (let i = 0; i < s.length && seen < width - 1;) {
    ANSI.lastIndex = i;
    const m = s[i] === '\x1b' ? ANSI.exec(s) : null;
    if (m && m.index === i) {
      out += m[0];
      i += m[0].length;
    } else {
      out += s[i++];
      seen++;
    }
  }
  return `${out}…${s.includes('\x1b') ? `${ESC}0m` : ''}`;
}

/** A bar of `width` cells for a percentage, e.g. `██████░░░░`. */
export function progressBar(percent: number, width: number): string {
  const p = Math.max(0, Math.min(100, percent));
  const full = Math.round((p / 100) * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}

/** `45%`, rounded to a whole percent. */
export const percent = (p: number): string => `${Math.round(p)}%`;

/** ISO time to the second, or '-' when absent. */
export const time = (iso: string | null | undefined): string =>
  iso ? iso.replace(/\.\d+Z$/, 'Z') : '-';

export interface Column<T> {
  header: string;
  value(row: T): string;
  /** @defaultValue 'left' */
  align?: 'left' | 'right';
}

/** A plain-text table with a header row; cells are padded to the widest. */
export function table<T>(columns: Column<T>[], rows: readonly T[]): string {
  const cells = rows.map((r) => columns.map((c) => c.value(r)));
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...cells.map((row) => visibleWidth(row[i]))),
  );
  const line = (values: string[]): string =>
    values
      .map((v, i) => {
        const pad = ' '.repeat(widths[i] - visibleWidth(v));
        return columns[i].align === 'right' ? pad + v : i === values.length - 1 ? v : v + pad;
      })
      .join('  ');
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}

/** `label  value` lines, labels padded; null and undefined values print as '-'. */
export function keyValues(pairs: [string, string | number | boolean | null | undefined][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs
    .map(
      ([k, v]) =>
        `${k.padEnd(width)}  ${v === null || v === undefined || v === '' ? '-' : String(v)}`,
    )
    .join('\n');
}

/** Compact JSON for a value in a text listing. */
export const inlineJson = (v: unknown): string =>
  v === undefined || v === null ? '-' : JSON.stringify(v);

export const printLine = (s = ''): void => {
  process.stdout.write(`${s}\n`);
};

/** One JSON document, indented, for --json. */
export const printJson = (v: unknown): void => printLine(JSON.stringify(v, null, 2));

/** One JSON value per line (NDJSON), for streams printed with --json. */
export const printJsonLine = (v: unknown): void => printLine(JSON.stringify(v));

/** A note for the person at the terminal, on stderr so that stdout stays data. */
export const note = (s: string): void => {
  process.stderr.write(`${s}\n`);
};

/** Lines redrawn in place on a terminal: each render replaces the previous one. */
export class LiveBlock {
  private drawn = 0;

  constructor(private readonly stream: NodeJS.WriteStream = process.stdout) {}

  render(lines: string[]): void {
    const width = Math.max(20, (this.stream.columns || 100) - 1);
    // Up to the first line drawn last time, rewrite each line, clear whatever is left below.
    let out = this.drawn ? `\r${ESC}${this.drawn}A` : '';
    for (const l of lines) out += `${ESC}2K${truncate(l, width)}\n`;
    out += `${ESC}J`;
    this.stream.write(out);
    this.drawn = lines.length;
  }
}
