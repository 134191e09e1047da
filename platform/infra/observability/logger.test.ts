import { Writable } from 'node:stream';
import { createLogger, lazyChild } from '#platform/infra/observability/logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, stream };
}

describe('a lazy child logger', () => {
  it('writes the lines a child writes, bindings redacted as a child’s are', async () => {
    const { lines, stream } = capture();
    const log = createLogger('test', 'debug', stream);
    const bindings = { eventId: 'e-1', consumer: 'c', password: 'hunter2' };
    log.child(bindings).info({ n: 1 }, 'eager');
    lazyChild(log, bindings).info({ n: 1 }, 'lazy');
    await new Promise((r) => setImmediate(r));
    const strip = ({ time: _t, msg: _m, ...rest }: Record<string, unknown>) => rest;
    expect(lines).toHaveLength(2);
    expect(strip(lines[1])).toEqual(strip(lines[0]));
    expect(lines[1]).toMatchObject({ eventId: 'e-1', consumer: 'c', password: '[redacted]', msg: 'lazy' });
  });

  it('makes no child until a line is written, and one child however many are', () => {
    const log = createLogger('test', 'info', capture().stream);
    const child = jest.spyOn(log, 'child');
    const lazy = lazyChild(log, { eventId: 'e-2' });
    expect(lazy.isLevelEnabled('debug')).toBe(false);
    expect(lazy.level).toBe('info');
    lazy.debug({ n: 1 }, 'below the level: not written');
    expect(child).not.toHaveBeenCalled();
    lazy.info('one');
    lazy.warn('two');
    expect(child).toHaveBeenCalledTimes(1);
  });

  it('follows a level set on it, as a child does', async () => {
    const { lines, stream } = capture();
    const log = createLogger('test', 'info', stream);
    const lazy = lazyChild(log, { requestId: 'r-1' });
    lazy.level = 'debug';
    lazy.debug('now written');
    expect(log.isLevelEnabled('debug')).toBe(false);
    await new Promise((r) => setImmediate(r));
    expect(lines).toEqual([expect.objectContaining({ requestId: 'r-1', msg: 'now written', level: 'debug' })]);
  });

  it('makes no child at all when nothing is written', () => {
    const log = createLogger('test', 'info', capture().stream);
    const child = jest.spyOn(log, 'child');
    const lazy = lazyChild(log, { eventId: 'e-3' });
    if (lazy.isLevelEnabled('debug')) lazy.debug('never');
    expect(child).not.toHaveBeenCalled();
  });
});
