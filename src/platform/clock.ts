/** "Now", injectable: retention decisions read the clock through this so tests can move time. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests can set and advance. */
export function manualClock(start: Date | string): Clock & { set(t: Date | string): void; advance(ms: number): void } {
  let t = new Date(start);
  return {
    now: () => new Date(t),
    set: (v) => { t = new Date(v); },
    advance: (ms) => { t = new Date(t.getTime() + ms); },
  };
}
