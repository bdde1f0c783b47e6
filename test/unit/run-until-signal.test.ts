import { waitForSignal } from '../../src/cli/run-until-signal';

describe('waitForSignal', () => {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  let before: Map<string, ((...args: unknown[]) => void)[]>;
  let exit: jest.SpyInstance;
  const log = { info: jest.fn(), warn: jest.fn() };

  beforeEach(() => {
    before = new Map(signals.map((s) => [s, process.listeners(s) as never]));
    exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    jest.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    for (const s of signals)
      for (const l of process.listeners(s))
        if (!before.get(s)?.includes(l as never)) process.removeListener(s, l);
    exit.mockRestore();
    jest.useRealTimers();
    log.info.mockClear();
    log.warn.mockClear();
  });

  it('takes one Ctrl-C delivered twice (by the terminal and by npm) as one', async () => {
    const stop = waitForSignal(log);
    process.emit('SIGINT', 'SIGINT');
    process.emit('SIGINT', 'SIGINT');
    await expect(stop).resolves.toBe('SIGINT');
    expect(exit).not.toHaveBeenCalled();
    expect(log.info).toHaveBeenCalledTimes(1);
  });

  it('exits at once at a second Ctrl-C', async () => {
    const stop = waitForSignal(log);
    process.emit('SIGINT', 'SIGINT');
    await stop;
    jest.setSystemTime(1_000_000 + 1500);
    process.emit('SIGINT', 'SIGINT');
    expect(exit).toHaveBeenCalledWith(130);
    expect(log.warn).toHaveBeenCalledWith('SIGINT again: exiting now');
  });
});
