/**
 * The name a push runs under (withTryLock), from loading its record to storing its outcome. Erasure takes the same
 * names (erasure.repository.ts): it waits for a push in flight, whose outcome decides what the processor must be asked
 * to erase, and no push of the person starts until the erasure has committed.
 */
export const PUSH_LOCK = 'push:';
