import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildJobgateSchema } from './build-schema';

/** The SDL committed as schema/schema.graphql. */
export const printJobgateSchema = (): string =>
  `# Emitted from the type-graphql classes by \`npm run schema\`; a test fails when it drifts.\n\n${printSchema(lexicographicSortSchema(buildJobgateSchema()))}\n`;

if (require.main === module) {
  const target = join(__dirname, '..', '..', 'schema', 'schema.graphql');
  writeFileSync(target, printJobgateSchema());
  console.log(`wrote ${target}`);
}
