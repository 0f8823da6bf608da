import { progressOf, renderBar, type Progress } from '../../src/backfill/progress.js';

/** Pure progress arithmetic of the backfill: percent, rate, ETA and the terminal bar. */
describe('progressOf', () => {
  test('when 4,500 of 10,000 are done in 5 s, then 45 %, 900/s and 6 s to go', () => {
    expect(progressOf('orders', 4500, 10_000, 5000)).toEqual({
      phase: 'orders', processed: 4500, total: 10_000, percent: 45, ratePerSecond: 900, etaSeconds: 6,
    });
  });

  test('when the percentage is fractional, then it is rounded to one decimal', () => {
    expect(progressOf('orders', 1, 3, 1000).percent).toBe(33.3);
    expect(progressOf('orders', 2, 3, 1000).percent).toBe(66.7);
  });

  test('when the rate is fractional, then it is rounded to one decimal and the ETA to whole seconds', () => {
    const p = progressOf('customers', 10, 100, 3000);
    expect(p.ratePerSecond).toBe(3.3);
    expect(p.etaSeconds).toBe(27); // 90 left at 3.333…/s
  });

  test('when a run resumes, then items processed before it do not count towards the rate', () => {
    const p = progressOf('orders', 1200, 3000, 2000, 1000);
    expect(p.ratePerSecond).toBe(100); // 200 new items in 2 s
    expect(p.etaSeconds).toBe(18);
    expect(p.percent).toBe(40);
  });

  test('when nothing has been processed or no time has passed, then the rate is 0 and the ETA unknown', () => {
    expect(progressOf('orders', 0, 3000, 1000)).toMatchObject({ ratePerSecond: 0, etaSeconds: null, percent: 0 });
    expect(progressOf('orders', 100, 3000, 0)).toMatchObject({ ratePerSecond: 0, etaSeconds: null });
    expect(progressOf('orders', 500, 3000, 1000, 500)).toMatchObject({ ratePerSecond: 0, etaSeconds: null });
  });

  test('when the total is not known yet, then 0 % — except a finished run, which is 100 %', () => {
    expect(progressOf('orders', 0, 0, 10).percent).toBe(0);
    expect(progressOf('done', 0, 0, 10).percent).toBe(100);
  });

  test('when more was processed than the estimated total (the shop grew), then 100 % at most and no negative ETA', () => {
    const p = progressOf('customers', 3300, 3200, 1000);
    expect(p.percent).toBe(100);
    expect(p.etaSeconds).toBe(0);
  });
});

describe('renderBar', () => {
  const p = (over: Partial<Progress>): Progress => ({ phase: 'orders', processed: 0, total: 0, percent: 0, ratePerSecond: 0, etaSeconds: null, ...over });

  test('when 45 % is done, then the bar is 45 % filled with counts, rate and ETA as m:ss', () => {
    const line = renderBar(p({ processed: 4500, total: 10_000, percent: 45, ratePerSecond: 812.3, etaSeconds: 68 }), 20);
    expect(line).toBe('orders    [#########-----------]  45.0%  4500/10000  812.3/s  ETA 1:08');
  });

  test('when the bar is empty or full, then it keeps its width', () => {
    const empty = renderBar(p({}), 30);
    const full = renderBar(p({ phase: 'done', percent: 100, processed: 3200, total: 3200, etaSeconds: 0 }), 30);
    expect(empty).toContain(`[${'-'.repeat(30)}]`);
    expect(full).toContain(`[${'#'.repeat(30)}]`);
    expect(full).toMatch(/^done {6}\[/);
    expect(full).toContain('100.0%');
    expect(full).toContain('ETA 0:00');
  });

  test('when the ETA is unknown, then it shows --:--; long ETAs show whole minutes', () => {
    expect(renderBar(p({ etaSeconds: null }))).toMatch(/ETA --:--$/);
    expect(renderBar(p({ etaSeconds: 3725 }))).toMatch(/ETA 62:05$/);
  });

  test('when the phase changes, then the line starts with it padded to one width', () => {
    const a = renderBar(p({ phase: 'orders' }));
    const b = renderBar(p({ phase: 'customers' }));
    expect(a.indexOf('[')).toBe(b.indexOf('['));
    expect(b.startsWith('customers [')).toBe(true);
  });
});
