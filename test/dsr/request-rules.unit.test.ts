import { addAmsterdamDays, dueAtOf } from '../../src/dsr/request-rules.js';

/** Art. 12(3) deadlines count calendar days in Amsterdam: the date the requester is told is the 30th day. */
describe('P14-P21 the 30-day answer term', () => {
  const local = (d: Date) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Amsterdam', dateStyle: 'short', timeStyle: 'short' }).format(d);

  test('when a request arrives in winter and is due in summer, then it is due on the 30th day at the same Amsterdam time (719 hours)', () => {
    const received = new Date('2026-03-10T22:30:00Z'); // 23:30 on 10 March, CET
    const due = dueAtOf(received);
    expect(local(due)).toBe('09/04/2026, 23:30');
    expect(due.toISOString()).toBe('2026-04-09T21:30:00.000Z');
    expect((due.getTime() - received.getTime()) / 3_600_000).toBe(719);
  });

  test('when it arrives in summer and is due in winter, then too (721 hours)', () => {
    const received = new Date('2026-10-10T08:00:00Z'); // 10:00 CEST
    expect(local(dueAtOf(received))).toBe('09/11/2026, 10:00');
    expect((dueAtOf(received).getTime() - received.getTime()) / 3_600_000).toBe(721);
  });

  test('when no clock change lies between, then it is 30 × 24 hours; an extension adds calendar days the same way', () => {
    const received = new Date('2026-11-26T09:15:00Z');
    expect(dueAtOf(received).getTime() - received.getTime()).toBe(30 * 86_400_000);
    expect(local(addAmsterdamDays(new Date('2027-03-01T12:00:00Z'), 61))).toBe('01/05/2027, 13:00');
  });

  test('when the wall-clock time does not exist on the due day (the spring gap), then it moves on by the hour the clocks skip', () => {
    const received = new Date('2026-02-27T01:30:00Z'); // 02:30 CET; 29 March 2026 has no 02:30
    expect(local(dueAtOf(received))).toBe('29/03/2026, 03:30');
  });
});
