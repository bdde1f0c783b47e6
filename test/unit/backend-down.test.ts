import { locatedError } from 'graphql';
import { isBackendDown } from '../../src/server/client-error';

describe('isBackendDown', () => {
  it('sees a driver that rejected with a plain object, as GraphQL wraps it', () => {
    // pg rejects a query whose socket Postgres reset with the socket's error object.
    const wrapped = locatedError(
      { errno: -104, code: 'ECONNRESET', syscall: 'read' },
      [],
      ['submitJob'],
    );
    expect(wrapped.originalError?.name).toBe('NonErrorThrown');
    expect(isBackendDown(wrapped.originalError)).toBe(true);
  });

  it('leaves other values alone', () => {
    expect(isBackendDown(locatedError({ code: 'XX' }, [], ['x']).originalError)).toBe(false);
    expect(isBackendDown(new Error('boom'))).toBe(false);
  });
});
