// The README's configuration table, generated from `configSchema` so that it cannot drift.
//   npm run docs:config              prints the table
//   npm run docs:config -- --write   replaces it in README.md, between the markers
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { configSchema } from '../src/config';

export const CONFIG_START = '<!-- config:start -->';
export const CONFIG_END = '<!-- config:end -->';

/** One environment variable as the table shows it. */
export interface ConfigRow {
  name: string;
  /** The default as set in the environment, or null when there is none. */
  defaultValue: string | null;
  required: boolean;
  description: string;
}

/** Walks the wrappers of a field (default, optional, transform, refine) to what the table needs. */
function describeField(name: string, field: z.ZodTypeAny): ConfigRow {
  let defaultValue: string | null = null;
  let optional = false;
  let t: z.ZodTypeAny = field;
  let description = field.description;
  for (;;) {
    description ??= t.description;
    if (t instanceof z.ZodDefault) {
      defaultValue ??= String(t._def.defaultValue());
      t = t._def.innerType;
    } else if (t instanceof z.ZodOptional || t instanceof z.ZodNullable) {
      optional = true;
      t = t._def.innerType;
    } else if (t instanceof z.ZodEffects) {
      t = t._def.schema;
    } else {
      break;
    }
  }
  if (!description)
    throw new Error(`config ${name} has no .describe(): the README table needs one`);
  return { name, defaultValue, required: defaultValue === null && !optional, description };
}

export function configRows(schema: z.AnyZodObject = configSchema): ConfigRow[] {
  return Object.entries(schema.shape as Record<string, z.ZodTypeAny>).map(([name, field]) =>
    describeField(name, field),
  );
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The markdown table: variable, default, description. */
export function configTable(schema: z.AnyZodObject = configSchema): string {
  const lines = ['| Variable | Default | Description |', '| --- | --- | --- |'];
  for (const r of configRows(schema)) {
    const def =
      r.defaultValue !== null
        ? `\`${cell(r.defaultValue)}\``
        : r.required
          ? '**required**'
          : 'unset';
    lines.push(`| \`${r.name}\` | ${def} | ${cell(r.description)} |`);
  }
  return lines.join('\n');
}

/** The text between the markers of `readme`, trimmed, or null when the markers are missing. */
export function configBlock(readme: string): string | null {
  const start = readme.indexOf(CONFIG_START);
  const end = readme.indexOf(CONFIG_END);
  if (start < 0 || end < start) return null;
  return readme.slice(start + CONFIG_START.length, end).trim();
}

/** `readme` with the generated table between the markers. */
export function withConfigTable(readme: string, table = configTable()): string {
  const start = readme.indexOf(CONFIG_START);
  const end = readme.indexOf(CONFIG_END);
  if (start < 0 || end < start)
    throw new Error(`README has no ${CONFIG_START} ... ${CONFIG_END} block`);
  return `${readme.slice(0, start + CONFIG_START.length)}\n${table}\n${readme.slice(end)}`;
}

if (require.main === module) {
  if (process.argv.includes('--write')) {
    const file = join(process.cwd(), 'README.md');
    writeFileSync(file, withConfigTable(readFileSync(file, 'utf8')));
    console.error(`config table written to ${file}`);
  } else {
    console.log(configTable());
  }
}
