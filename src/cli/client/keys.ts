import type { Command } from 'commander';
import { Role } from '../../model/enums';
import { CliError } from './cli-error';
import { enumArg, run, withClientOptions } from './options';
import type { Invocation } from './options';
import { keyValues, note, printJson, printLine, table, time } from './output';

interface ApiKey {
  id: string;
  tenant: string;
  role: Role;
  revoked: boolean;
  createdAt: string;
  secret?: string | null;
}

async function create(inv: Invocation): Promise<void> {
  const [tenant, role] = inv.args as [string, Role];
  const { createApiKey: key } = await inv
    .gateway()
    .request<{ createApiKey: ApiKey }>(
      'mutation($tenant: String!, $role: Role!) { createApiKey(tenant: $tenant, role: $role) { id tenant role revoked createdAt secret } }',
      { tenant, role },
    );
  if (inv.json) return printJson(key);
  printLine(
    keyValues([
      ['id', key.id],
      ['tenant', key.tenant],
      ['role', key.role],
      ['secret', key.secret],
    ]),
  );
  note('the secret is shown only now: keep it (JOBGATE_KEY or --key)');
}

async function list(inv: Invocation): Promise<void> {
  const { apiKeys } = await inv
    .gateway()
    .request<{ apiKeys: ApiKey[] }>('{ apiKeys { id tenant role revoked createdAt } }');
  if (inv.json) return printJson(apiKeys);
  if (!apiKeys.length)
    return note('no API keys (the admin key from the environment is not listed)');
  printLine(
    table(
      [
        { header: 'ID', value: (k) => k.id },
        { header: 'TENANT', value: (k) => k.tenant },
        { header: 'ROLE', value: (k) => k.role },
        { header: 'STATE', value: (k) => (k.revoked ? 'revoked' : 'active') },
        { header: 'CREATED', value: (k) => time(k.createdAt) },
      ],
      apiKeys,
    ),
  );
}

async function revoke(inv: Invocation): Promise<void> {
  const [id] = inv.args as [string];
  const { revokeApiKey } = await inv
    .gateway()
    .request<{ revokeApiKey: boolean }>('mutation($id: ID!) { revokeApiKey(id: $id) }', { id });
  if (!revokeApiKey)
    throw new CliError(
      `API key ${id} was not found (NOT_FOUND): \`jobgate keys list\` shows the ids`,
    );
  if (inv.json) return printJson({ id, revoked: true });
  printLine(`revoked API key ${id}`);
}

/** keys create|list|revoke (ADMIN). */
export function registerKeyCommands(program: Command): void {
  const keys = withClientOptions(program.command('keys').description('API keys (ADMIN)'));
  withClientOptions(keys.command('create'))
    .description('create a key for a tenant with a role; prints its secret once')
    .argument('<tenant>', 'letters, digits, _, . or -')
    .argument('<role>', Object.values(Role).join(', '), enumArg(Object.values(Role)))
    .action(run(create));
  withClientOptions(keys.command('list'))
    .description('every API key, without secrets')
    .action(run(list));
  withClientOptions(keys.command('revoke <id>'))
    .description('revoke a key: it is refused from now on')
    .action(run(revoke));
}
