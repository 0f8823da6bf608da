import { createBatcher } from '../../src/platform/batcher.js';

/** Micro-batching of concurrent calls (the webhook inbox insert, the mirror jobs): batch sizes and who waits for what. */
function recorder(opts: { concurrency: number; minBatch?: number }) {
  const batches: number[][] = [];
  const release: (() => void)[] = [];
  const batcher = createBatcher<number, number>({
    maxSize: 100,
    ...opts,
    run: (items) => {
      batches.push(items);
      return new Promise((resolve) => release.push(() => resolve(items.map((i) => i * 10))));
    },
  });
  return { batcher, batches, release };
}
const turn = () => new Promise((r) => setImmediate(r));

describe('createBatcher', () => {
  test('when one item arrives at an idle batcher with a minimum batch size, then it runs at once, alone', async () => {
    const { batcher, batches, release } = recorder({ concurrency: 4, minBatch: 8 });
    const result = batcher.add(1);
    await turn();
    expect(batches).toEqual([[1]]);
    release.shift()!();
    expect(await result).toBe(10);
  });

  test('when a batch is running, then fewer than minBatch new items wait for it and go together; minBatch items start at once', async () => {
    const { batcher, batches, release } = recorder({ concurrency: 4, minBatch: 3 });
    const first = batcher.add(1);
    await turn();
    const waiting = [batcher.add(2), batcher.add(3)];
    await turn();
    expect(batches).toEqual([[1]]); // two items are below the minimum while [1] runs
    const more = [batcher.add(4)];
    await turn();
    expect(batches).toEqual([[1], [2, 3, 4]]); // the third makes a batch that runs beside the first
    const late = batcher.add(5);
    await turn();
    expect(batches).toHaveLength(2);
    release.shift()!(); // [1] done: 5 still waits, because [2, 3, 4] runs
    await turn();
    expect(batches).toHaveLength(2);
    release.shift()!(); // nothing runs now: 5 goes alone rather than wait
    await turn();
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
    release.shift()!();
    expect(await Promise.all([first, ...waiting, ...more, late])).toEqual([10, 20, 30, 40, 50]);
    await batcher.flushed();
  });

  test('without a minimum, then every I/O turn starts its own batch up to the concurrency, and flushed() waits for all', async () => {
    const { batcher, batches, release } = recorder({ concurrency: 2 });
    const all = [batcher.add(1)];
    await turn();
    all.push(batcher.add(2));
    await turn();
    all.push(batcher.add(3));
    await turn();
    expect(batches).toEqual([[1], [2]]);
    let flushed = false;
    const done = batcher.flushed().then(() => { flushed = true; });
    release.shift()!();
    await turn();
    expect(batches).toEqual([[1], [2], [3]]);
    expect(flushed).toBe(false);
    release.shift()!();
    release.shift()!();
    await done;
    expect(await Promise.all(all)).toEqual([10, 20, 30]);
  });
});
