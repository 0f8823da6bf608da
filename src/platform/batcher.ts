/**
 * Collects calls made in the same moment into one batch (one SQL statement, one transaction), so concurrent
 * requests or jobs share a round trip. Each caller gets its own result or error back.
 */
export interface BatcherOptions<I, O> {
  maxSize: number;
  /** Batches running at once; callers arriving meanwhile form the next batch. */
  concurrency: number;
  /**
   * While a batch is running, another starts only once this many items wait (default 1). Under load, items that
   * trickle in one I/O turn at a time then form one batch instead of many tiny ones; an idle batcher still starts
   * at once, so a lone item is never delayed.
   */
  minBatch?: number;
  run: (items: I[]) => Promise<O[]>;
}

export function createBatcher<I, O>(opts: BatcherOptions<I, O>) {
  let pending: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  let running = 0;
  let scheduled = false;
  const idle: (() => void)[] = [];
  const minBatch = opts.minBatch ?? 1;

  function drain(): void {
    scheduled = false;
    while (running < opts.concurrency && pending.length && (running === 0 || pending.length >= minBatch)) {
      const batch = pending.slice(0, opts.maxSize);
      pending = pending.slice(batch.length);
      running++;
      opts
        .run(batch.map((b) => b.item))
        .then(
          (out) => batch.forEach((b, i) => b.resolve(out[i]!)),
          (err) => batch.forEach((b) => b.reject(err)),
        )
        .finally(() => {
          running--;
          if (pending.length) drain();
          else if (running === 0) idle.splice(0).forEach((f) => f());
        });
    }
  }

  return {
    add(item: I): Promise<O> {
      return new Promise<O>((resolve, reject) => {
        pending.push({ item, resolve, reject });
        // setImmediate lets every request already read in this I/O turn join the batch.
        if (!scheduled) {
          scheduled = true;
          setImmediate(drain);
        }
      });
    },
    /** Resolves once nothing is pending or running (graceful shutdown). */
    async flushed(): Promise<void> {
      if (running === 0 && pending.length === 0) return;
      await new Promise<void>((r) => idle.push(r));
    },
  };
}
