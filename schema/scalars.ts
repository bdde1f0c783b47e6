import { DateTimeResolver, JSONResolver } from 'graphql-scalars';

/** `DateTime` (ISO 8601) and `JSON`, as the contract names them. */
export const DateTimeScalar = DateTimeResolver;
export const JSONScalar = JSONResolver;
