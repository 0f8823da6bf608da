import { Writable } from 'node:stream';
import { createLogger, lazyRequestLogger } from '../../src/platform/logger.js';

/** The webhook route's request logger: pino's child is built only when a line is written, and then it is the same child. */
function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { lines.push(JSON.parse(String(chunk))); cb(); } });
  const parent = createLogger(level, sink);
  const child = jest.spyOn(parent, 'child');
  return { parent, lines, child };
}

describe('lazyRequestLogger', () => {
  test('when nothing is logged at an enabled level, then no pino child is built and nothing is written', () => {
    const { parent, lines, child } = capture('warn');
    const log = lazyRequestLogger(parent, { reqId: 'req-7' }, { level: 'warn' });
    log.info({ route: '/webhooks/woocommerce' }, 'incoming request');
    log.debug('detail');
    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
    expect(log.level).toBe('warn');
  });

  test('P1: when it logs, then the line carries the request id and the redaction still applies; the child is built once', () => {
    const { parent, lines, child } = capture('warn');
    const log = lazyRequestLogger(parent, { reqId: 'req-7' }, { level: 'warn' });
    log.warn({ customer: { email: 'ann@example.com' } }, 'first');
    log.error({ err: new Error('x') }, 'second');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines.map((l) => [l.reqId, l.msg])).toEqual([['req-7', 'first'], ['req-7', 'second']]);
    expect(JSON.stringify(lines)).not.toContain('ann@example.com');
    expect((lines[0]!.customer as { email: string }).email).toBe('[redacted]');
  });

  test('when the route has a level of its own, then it gets pino\'s child at once (laziness needs the parent\'s level)', () => {
    const { parent, lines, child } = capture('warn');
    const log = lazyRequestLogger(parent, { reqId: 'req-8' }, { level: 'info' });
    expect(child).toHaveBeenCalledTimes(1);
    log.info('shown');
    expect(lines.map((l) => [l.reqId, l.msg])).toEqual([['req-8', 'shown']]);
  });
});
