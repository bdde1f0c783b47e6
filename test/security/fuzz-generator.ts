import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from 'graphql';
import type {
  GraphQLArgument,
  GraphQLField,
  GraphQLInputType,
  GraphQLObjectType,
  GraphQLSchema,
} from 'graphql';

/** A small seeded PRNG (mulberry32), so a failing run can be replayed with its seed. */
export class Rng {
  constructor(private state: number) {}
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}

/** What one generated request looks like on the wire. */
export interface FuzzRequest {
  kind: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** Query string for GET. */
  search?: string;
  contentType?: string | null;
  /** Extra headers, e.g. the one Apollo's CSRF prevention wants on a GET. */
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Which key to send: a role, none, or a malformed header. */
  auth: 'ADMIN' | 'OPERATOR' | 'VIEWER' | 'none' | 'garbage';
  /** True when the request is well-formed and allowed: it must succeed without errors. */
  valid?: boolean;
}

/** Values the generator uses for ids and strings, so some hit real rows and odd inputs. */
export interface FuzzPools {
  jobIds: string[];
  eventIds: string[];
}

const STRANGE = [
  '',
  ' ',
  '0',
  '-1',
  'null',
  'undefined',
  "' OR 1=1 --",
  '"; DROP TABLE jobs; --',
  '../../../etc/passwd',
  '%00',
  '\u0000',
  '\ud83d\ude80',
  '\u202e',
  '<script>alert(1)</script>',
  '${7*7}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  '9'.repeat(40),
  '1-1',
  '0-0',
  '99999999999999-0',
  'NaN',
  // Lone surrogates (Postgres refuses them in jsonb and text) and long backslash runs (a
  // backtracking sanitizer is quadratic in them).
  '\ud800',
  'x\udc00y',
  'end\ud83d',
  '\\'.repeat(20_000),
  `${'\\'.repeat(50_000)}\udfff`,
];

const INTS = [0, 1, -1, 2, 10, 50, 100, 500, 501, 1000, 1001, 2147483647, -2147483648];

/** Builds random GraphQL operations, valid and broken, from the schema. */
export class OperationGenerator {
  constructor(
    private readonly schema: GraphQLSchema,
    private readonly rng: Rng,
    private readonly pools: FuzzPools,
  ) {}

  private string(): string {
    const r = this.rng.next();
    if (r < 0.3) return this.rng.pick(STRANGE);
    if (r < 0.5 && this.pools.jobIds.length) return this.rng.pick(this.pools.jobIds);
    if (r < 0.6 && this.pools.eventIds.length) return this.rng.pick(this.pools.eventIds);
    if (r < 0.7)
      return this.rng.pick([
        'echo',
        'sleep',
        'flaky',
        'fail',
        'approval',
        'saga',
        'batch',
        'charge',
        'default',
        'nope',
      ]);
    const len = this.rng.pick([1, 5, 36, 200, 5000]);
    let s = '';
    for (let i = 0; i < len; i++) s += String.fromCharCode(32 + this.rng.int(95));
    return s;
  }

  /** A random JSON value, nested up to `depth`. */
  json(depth = 3): unknown {
    const r = this.rng.int(depth > 0 ? 8 : 5);
    switch (r) {
      case 0:
        return null;
      case 1:
        return this.rng.chance(0.5);
      case 2:
        return this.rng.pick([...INTS, 1.5, -0.0, 1e308]);
      case 3:
      case 4:
        return this.string();
      case 5:
      case 6: {
        const o: Record<string, unknown> = {};
        for (let i = this.rng.int(4); i > 0; i--)
          o[
            this.rng.pick([
              'ms',
              'failTimes',
              'message',
              'steps',
              'items',
              'a',
              '__proto__',
              'constructor',
              'amount',
              'cardToken',
            ])
          ] = this.json(depth - 1);
        return o;
      }
      default:
        return Array.from({ length: this.rng.int(4) }, () => this.json(depth - 1));
    }
  }

  /** A value of `type`; with `wrong`, one of the wrong kind at some level. */
  value(type: GraphQLInputType, wrong = false, depth = 0): unknown {
    if (wrong && this.rng.chance(0.4))
      return this.rng.pick<unknown>([{ x: 1 }, [1, 2], 'str', 42, 3.14, true, '', -1]);
    if (isNonNullType(type)) return this.value(type.ofType, wrong, depth);
    if (!wrong && this.rng.chance(0.1)) return null;
    if (isListType(type))
      return Array.from({ length: this.rng.int(depth > 1 ? 2 : 4) }, () =>
        this.value(type.ofType, wrong, depth + 1),
      );
    if (isEnumType(type))
      return wrong && this.rng.chance(0.5) ? 'NOT_A_VALUE' : this.rng.pick(type.getValues()).name;
    if (isInputObjectType(type)) {
      const o: Record<string, unknown> = {};
      for (const f of Object.values(type.getFields())) {
        if (isNonNullType(f.type) || this.rng.chance(0.5))
          o[f.name] = this.value(f.type, wrong && this.rng.chance(0.5), depth + 1);
      }
      if (wrong && this.rng.chance(0.3)) o.unknownField = 1;
      return o;
    }
    if (isScalarType(type)) {
      switch (type.name) {
        case 'Int':
          return this.rng.chance(0.1) ? this.rng.int(2 ** 20) : this.rng.pick(INTS);
        case 'Float':
          return this.rng.pick([0, 0.5, 100, -1, 1e-9]);
        case 'Boolean':
          return this.rng.chance(0.5);
        case 'DateTime':
          return this.rng.pick([
            '2020-01-01T00:00:00Z',
            new Date().toISOString(),
            'yesterday',
            '2020-13-45T99:99:99Z',
            '0',
          ]);
        case 'JSON':
          return this.json();
        default:
          return this.string();
      }
    }
    return null;
  }

  /** A GraphQL literal for `v` (for inline arguments). */
  literal(v: unknown, type?: GraphQLInputType): string {
    const named = type ? getNamedType(type) : undefined;
    if (v === null || v === undefined) return 'null';
    if (named && isEnumType(named) && typeof v === 'string' && /^[A-Z_]+$/.test(v)) return v;
    if (Array.isArray(v))
      return `[${v.map((x) => this.literal(x, type && isListType(getNullableType(type)) ? (getNullableType(type) as { ofType: GraphQLInputType }).ofType : undefined)).join(', ')}]`;
    if (typeof v === 'object') {
      const fields = named && isInputObjectType(named) ? named.getFields() : {};
      return `{${Object.entries(v as Record<string, unknown>)
        .filter(([k]) => /^[_A-Za-z][_0-9A-Za-z]*$/.test(k))
        .map(([k, x]) => `${k}: ${this.literal(x, fields[k]?.type)}`)
        .join(', ')}}`;
    }
    return JSON.stringify(v);
  }

  /** A selection set for `type`, `depth` levels deep at most. */
  selection(type: GraphQLObjectType, depth: number, broken: boolean): string {
    const fields = Object.values(type.getFields());
    const chosen = fields.filter(() => this.rng.chance(0.4));
    if (!chosen.length) chosen.push(this.rng.pick(fields));
    const parts: string[] = [];
    for (const f of chosen) {
      const named = getNamedType(f.type);
      const args = f.args.length && this.rng.chance(0.3) ? this.argText(f.args, false) : '';
      const alias = this.rng.chance(0.05) ? `a${this.rng.int(1000)}: ` : '';
      if (isObjectType(named)) {
        if (depth <= 0) continue;
        parts.push(`${alias}${f.name}${args} { ${this.selection(named, depth - 1, broken)} }`);
      } else {
        parts.push(`${alias}${f.name}${args}`);
      }
    }
    if (!parts.length) parts.push('__typename');
    if (broken && this.rng.chance(0.5))
      parts.push(this.rng.pick(['notAField', 'id { nested }', '__schema', 'password', 'tenant']));
    if (this.rng.chance(0.1)) parts.push('__typename');
    return parts.join(' ');
  }

  private argText(args: readonly GraphQLArgument[], wrong: boolean): string {
    const parts: string[] = [];
    for (const a of args) {
      const required = isNonNullType(a.type);
      if (wrong && required && this.rng.chance(0.3)) continue;
      if (!required && this.rng.chance(0.5)) continue;
      parts.push(`${a.name}: ${this.literal(this.value(a.type, wrong), a.type)}`);
    }
    if (wrong && this.rng.chance(0.3)) parts.push(`unknownArg: ${this.rng.int(10)}`);
    return parts.length ? `(${parts.join(', ')})` : '';
  }

  /** One root-field operation: with variables or inline arguments; `mode` breaks it on purpose. */
  operation(mode: 'valid' | 'wrong-types' | 'missing-args' | 'unknown-fields'): {
    query: string;
    variables?: Record<string, unknown>;
    root: string;
  } {
    const kind = this.rng.pick<'query' | 'mutation' | 'subscription'>([
      'query',
      'query',
      'query',
      'mutation',
      'mutation',
      'subscription',
    ]);
    const rootType =
      kind === 'query'
        ? this.schema.getQueryType()
        : kind === 'mutation'
          ? this.schema.getMutationType()
          : this.schema.getSubscriptionType();
    const field = this.rng.pick(Object.values(rootType!.getFields())) as GraphQLField<
      unknown,
      unknown
    >;
    const named = getNamedType(field.type);
    const sel = isObjectType(named)
      ? ` { ${this.selection(named, this.rng.int(4), mode === 'unknown-fields')} }`
      : '';
    const wrong = mode === 'wrong-types';
    if (this.rng.chance(0.5) && field.args.length) {
      const defs: string[] = [];
      const uses: string[] = [];
      const variables: Record<string, unknown> = {};
      for (const a of field.args) {
        const required = isNonNullType(a.type);
        if (mode === 'missing-args' && required && this.rng.chance(0.7)) continue;
        if (!required && this.rng.chance(0.4)) continue;
        defs.push(`$${a.name}: ${String(a.type)}`);
        uses.push(`${a.name}: $${a.name}`);
        if (!(mode === 'missing-args' && this.rng.chance(0.5)))
          variables[a.name] = this.value(a.type, wrong);
      }
      const d = defs.length ? `(${defs.join(', ')})` : '';
      const u = uses.length ? `(${uses.join(', ')})` : '';
      return {
        query: `${kind} Fuzz${d} { ${field.name}${u}${sel} }`,
        variables,
        root: `${kind}.${field.name}`,
      };
    }
    const args = field.args.length
      ? this.argText(field.args, wrong || mode === 'missing-args')
      : '';
    return { query: `${kind} { ${field.name}${args}${sel} }`, root: `${kind}.${field.name}` };
  }

  /** Syntactically broken or hostile documents. */
  hostileDocument(): string {
    const n = this.rng.pick([10, 100, 1000, 5000]);
    switch (this.rng.int(9)) {
      case 0:
        return `{ ${'a { '.repeat(n)}b${' }'.repeat(n)} }`;
      case 1:
        return `{ jobs { edges { node { events { ${'__typename '.repeat(n)} } } } } }`;
      case 2:
        return `{ ${Array.from({ length: Math.min(n, 2000) }, (_, i) => `a${i}: me { tenant }`).join(' ')} }`;
      case 3:
        return `query Q { ...F } ${Array.from({ length: 50 }, (_, i) => `fragment F${i === 0 ? '' : i} on Query { ...F${i + 1} }`).join(' ')} fragment F50 on Query { me { tenant } }`;
      case 4:
        return 'fragment A on Query { ...B } fragment B on Query { ...A } { ...A }';
      case 5:
        return this.operation('valid').query.slice(0, this.rng.int(60));
      case 6:
        return `{ jobs(first: ${'['.repeat(n)}1${']'.repeat(n)}) { totalCount } }`;
      case 7:
        return `query Q(${Array.from({ length: Math.min(n, 500) }, (_, i) => `$v${i}: Int`).join(', ')}) { me { tenant } }`;
      default:
        return `{ me { tenant } } ${'# '.repeat(n)} query Other { me { role } }`;
    }
  }

  randomBytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.rng.int(256);
    return b;
  }

  /** One request of the fuzz run: valid operations, broken ones, and broken HTTP. */
  request(): FuzzRequest {
    const auth = this.rng.pick<FuzzRequest['auth']>([
      'ADMIN',
      'OPERATOR',
      'VIEWER',
      'VIEWER',
      'OPERATOR',
      'none',
      'garbage',
    ]);
    const r = this.rng.int(100);
    const json = (payload: unknown, kind: string): FuzzRequest => ({
      kind,
      method: 'POST',
      contentType: 'application/json',
      body: JSON.stringify(payload),
      auth,
    });
    if (r < 30) return json(this.operation('valid'), 'valid');
    if (r < 40) return json(this.operation('wrong-types'), 'wrong-types');
    if (r < 48) return json(this.operation('missing-args'), 'missing-args');
    if (r < 56) return json(this.operation('unknown-fields'), 'unknown-fields');
    if (r < 63) return json({ query: this.hostileDocument() }, 'hostile-document');
    if (r < 66) {
      const size = this.rng.pick([100_000, 900_000, 1_100_000, 3_000_000]);
      return json(
        {
          query: 'mutation($i: SubmitJobInput!) { submitJob(input: $i) { id } }',
          variables: { i: { type: 'echo', input: 'x'.repeat(size) } },
        },
        'huge-string',
      );
    }
    if (r < 68)
      return json(
        { query: `{ job(id: "${'x'.repeat(this.rng.pick([10_000, 500_000]))}") { id } }` },
        'huge-string',
      );
    if (r < 72)
      return {
        kind: 'random-bytes',
        method: 'POST',
        contentType: 'application/json',
        body: this.randomBytes(this.rng.pick([1, 16, 1000, 100_000])),
        auth,
      };
    if (r < 77) {
      const op = this.operation('valid');
      const ct = this.rng.pick([
        null,
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
        'application/graphql',
        'application/json; charset=latin1',
        'application/json; charset=utf-16',
        'image/png',
      ]);
      return {
        kind: 'content-type',
        method: 'POST',
        contentType: ct,
        body: this.rng.chance(0.5) ? JSON.stringify(op) : op.query,
        auth,
      };
    }
    if (r < 82) {
      const bodies: unknown[] = [
        null,
        1,
        'string',
        [],
        [{ query: '{ me { tenant } }' }, { query: '{ me { role } }' }],
        {},
        { query: 1 },
        { query: null },
        { query: '{ me { tenant } }', variables: 'x' },
        { query: '{ me { tenant } }', variables: [1] },
        { query: '{ me { tenant } }', operationName: 'Nope' },
        {
          query: '{ me { tenant } }',
          extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } },
        },
        { query: '{ me { tenant } }', extensions: 'x' },
      ];
      return json(this.rng.pick(bodies), 'bad-envelope');
    }
    if (r < 90) {
      const op = this.operation(this.rng.pick(['valid', 'unknown-fields'] as const));
      const q = new URLSearchParams({ query: op.query });
      if (op.variables && this.rng.chance(0.7))
        q.set('variables', this.rng.chance(0.9) ? JSON.stringify(op.variables) : '{broken');
      // Most GETs say they are not a cross-site form (CSRF prevention); the rest must be refused.
      const headers = this.rng.chance(0.7) ? { 'apollo-require-preflight': 'true' } : undefined;
      return {
        kind: headers ? 'get' : 'get-without-preflight',
        method: 'GET',
        search: q.toString(),
        headers,
        auth,
      };
    }
    if (r < 93)
      return {
        kind: 'method',
        method: this.rng.pick(['PUT', 'DELETE', 'PATCH'] as const),
        contentType: 'application/json',
        body: JSON.stringify({ query: '{ me { tenant } }' }),
        auth,
      };
    const broken = JSON.stringify(this.operation('valid'));
    return {
      kind: 'malformed-json',
      method: 'POST',
      contentType: 'application/json',
      body: broken.slice(0, Math.max(1, this.rng.int(broken.length))),
      auth,
    };
  }
}
