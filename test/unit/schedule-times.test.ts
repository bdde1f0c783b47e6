import {
  cronProblem,
  instantsOfWallTime,
  nextCronTimes,
  nextRunTimes,
} from '../../src/model/schedule-times';

const iso = (ms: number[]): string[] => ms.map((m) => new Date(m).toISOString());
const BERLIN = 'Europe/Berlin';

describe('nextRunTimes across daylight saving in Europe/Berlin', () => {
  it('skips a local time that does not exist (spring forward, 29 March 2026)', () => {
    // 02:30 local does not happen on 29 March: clocks go from 02:00 CET to 03:00 CEST.
    expect(iso(nextCronTimes('30 2 * * *', BERLIN, Date.parse('2026-03-27T12:00:00Z'), 4))).toEqual(
      [
        '2026-03-28T01:30:00.000Z', // 02:30 CET
        '2026-03-30T00:30:00.000Z', // 02:30 CEST; the 29th has none
        '2026-03-31T00:30:00.000Z',
        '2026-04-01T00:30:00.000Z',
      ],
    );
  });

  it('fires twice at a local time that happens twice (fall back, 25 October 2026)', () => {
    expect(iso(nextCronTimes('30 2 * * *', BERLIN, Date.parse('2026-10-23T12:00:00Z'), 5))).toEqual(
      [
        '2026-10-24T00:30:00.000Z', // 02:30 CEST
        '2026-10-25T00:30:00.000Z', // 02:30 CEST, first time
        '2026-10-25T01:30:00.000Z', // 02:30 CET, second time
        '2026-10-26T01:30:00.000Z',
        '2026-10-27T01:30:00.000Z',
      ],
    );
  });

  it('keeps an hourly cron hourly through both changes, in order', () => {
    expect(iso(nextCronTimes('0 * * * *', BERLIN, Date.parse('2026-10-24T22:30:00Z'), 5))).toEqual([
      '2026-10-24T23:00:00.000Z', // 01:00 CEST
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T01:00:00.000Z', // 02:00 CET
      '2026-10-25T02:00:00.000Z', // 03:00 CET
      '2026-10-25T03:00:00.000Z',
    ]);
    expect(
      iso(nextCronTimes('*/30 * * * *', BERLIN, Date.parse('2026-03-29T00:00:00Z'), 4)),
    ).toEqual([
      '2026-03-29T00:30:00.000Z', // 01:30 CET
      '2026-03-29T01:00:00.000Z', // 03:00 CEST (02:00 and 02:30 skipped)
      '2026-03-29T01:30:00.000Z',
      '2026-03-29T02:00:00.000Z',
    ]);
  });

  it('maps a wall time to zero, one or two instants', () => {
    expect(instantsOfWallTime(BERLIN, Date.parse('2026-03-29T02:30:00Z'))).toHaveLength(0);
    expect(instantsOfWallTime(BERLIN, Date.parse('2026-10-25T02:30:00Z'))).toHaveLength(2);
    expect(iso(instantsOfWallTime(BERLIN, Date.parse('2026-07-01T12:00:00Z')))).toEqual([
      '2026-07-01T10:00:00.000Z',
    ]);
  });

  it('reads 6 fields as seconds first', () => {
    expect(
      iso(nextCronTimes('*/20 * * * * *', 'UTC', Date.parse('2026-01-01T00:00:05Z'), 3)),
    ).toEqual(['2026-01-01T00:00:20.000Z', '2026-01-01T00:00:40.000Z', '2026-01-01T00:01:00.000Z']);
  });

  it('keeps interval times on their grid, within start and end', () => {
    const t = {
      cron: null,
      everyMs: 1000,
      timezone: 'UTC',
      startAt: new Date(5000),
      endAt: new Date(7000),
    };
    expect(nextRunTimes(t, 0, 5).map((d) => d.getTime())).toEqual([5000, 6000, 7000]);
  });

  it('names what is wrong with a bad cron', () => {
    expect(cronProblem('* * *')).toMatch(/5 fields/);
    expect(cronProblem('61 * * * *')).toBeTruthy();
    expect(cronProblem('*/5 * * * *')).toBeNull();
  });
});

describe('nextCronTimes cost', () => {
  it('lists times of a cron that fires every second in a few milliseconds', () => {
    const t0 = Date.now();
    for (let i = 0; i < 20; i++)
      expect(
        nextCronTimes('* * * * * *', BERLIN, Date.parse('2026-10-25T00:59:58Z'), 5),
      ).toHaveLength(5);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
