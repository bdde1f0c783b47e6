import { ConfigError, loadConfig } from '../../src/config';

describe('loadConfig', () => {
  it('gives the local defaults when nothing is set', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      PORT: 4000,
      REDIS_URL: 'redis://127.0.0.1:6379',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/jobgate',
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      LOG_LEVEL: 'info',
    });
    expect(c.JOBGATE_ADMIN_KEY).toBeUndefined();
  });

  it('names every bad variable in one error', () => {
    expect(() => loadConfig({ PORT: 'eighty', REDIS_URL: 'http://x', LOG_LEVEL: 'loud' })).toThrow(
      ConfigError,
    );
    try {
      loadConfig({ PORT: 'eighty', REDIS_URL: 'http://x', LOG_LEVEL: 'loud' });
    } catch (err) {
      const msg = (err as Error).message;
      expect(msg).toContain('PORT');
      expect(msg).toContain('REDIS_URL');
      expect(msg).toContain('LOG_LEVEL');
    }
  });

  it('refuses a short admin key', () => {
    expect(() => loadConfig({ JOBGATE_ADMIN_KEY: 'short' })).toThrow(/JOBGATE_ADMIN_KEY/);
  });
});
