import { checkCron, checkScheduleName, checkTimeZone, DrillScheduleError, scheduleNameOf } from '../../core/drills/drill-schedule';

const refusal = (run: () => unknown): { field: string; message: string } => {
  try {
    run();
  } catch (err) {
    if (err instanceof DrillScheduleError) return { field: err.field, message: err.message };
    throw err;
  }
  throw new Error('not refused');
};

describe('a drill schedule’s cron expression', () => {
  it('takes the five standard fields, names given on as numbers', () => {
    expect(checkCron('0 10 1 */3 *')).toBe('0 10 1 */3 *');
    expect(checkCron('  0  10 1 jan,Apr,JUL,oct  MON-FRI ')).toBe('0 10 1 1,4,7,10 1-5');
    expect(checkCron('0-30/15 8-18 1,15 * SUN')).toBe('0-30/15 8-18 1,15 * 0');
  });

  it.each([
    ['0 10 1 */3', 'has 4 field(s); it needs 5: minute hour day-of-month month day-of-week'],
    ['0 10 1 */3 * 2027', 'has 6 field(s)'],
    ['@quarterly', 'has 1 field(s)'],
    ['61 * * * *', 'minute "61" is not 0–59'],
    ['0 24 * * *', 'hour "24" is not 0–23'],
    ['0 0 0 * *', 'day of month "0" is not 1–31'],
    ['0 0 1 13 *', 'month "13" is not 1–12 or a name (JAN…)'],
    ['0 0 * * 7', 'day of week "7" is not 0–6 or a name (SUN…)'],
    ['0 0 * * FUN', 'day of week "FUN" is not 0–6'],
    ['30-5 * * * *', 'minute range "30-5" ends before it starts'],
    ['*/0 * * * *', 'minute step "/0" is not 1–59'],
    ['0 10 L * *', 'day of month "L" is not 1–31'],
    ['0 10 1,,2 * *', 'day of month "" is not *, a number, a range a-b or a list'],
    ['0 10 ? * *', 'day of month "?" is not *, a number'],
  ])('refuses %j, saying why', (cron, why) => {
    const r = refusal(() => checkCron(cron));
    expect(r.field).toBe('cron');
    expect(r.message).toContain(why);
  });

  it('refuses an expression longer than any real one before it splits it', () => {
    expect(refusal(() => checkCron(`${'1,'.repeat(200)}1 * * * *`)).message).toBe('a cron expression is at most 100 characters');
  });
});

describe('a drill schedule’s zone and name', () => {
  it('takes IANA zones only', () => {
    expect(checkTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(refusal(() => checkTimeZone('Europe/Berln'))).toEqual({ field: 'timeZone', message: 'time zone "Europe/Berln" is not an IANA zone (e.g. Europe/Berlin)' });
    expect(refusal(() => checkTimeZone('x'.repeat(500))).message).toContain(`"${'x'.repeat(64)}" is not`);
  });

  it('takes names of lower-case letters, digits and inner dashes, given bare or as the schedule id', () => {
    expect(checkScheduleName('quarterly-pii')).toBe('quarterly-pii');
    expect(scheduleNameOf('drill-schedule-quarterly-pii')).toBe('quarterly-pii');
    for (const bad of ['', 'Quarterly', '-x', 'x-', 'a b', 'a/b', 'x'.repeat(49)]) expect(refusal(() => checkScheduleName(bad)).field).toBe('name');
  });
});
