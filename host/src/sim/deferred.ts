/** A promise settled from outside, once: later resolve/reject calls are ignored. */
export interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: Error) => void;
  settled: boolean;
}

export function deferred(): Deferred {
  let resolveFn!: () => void;
  let rejectFn!: (e: Error) => void;
  const d: Deferred = {
    promise: new Promise<void>((res, rej) => {
      resolveFn = res;
      rejectFn = rej;
    }),
    resolve: () => {
      if (!d.settled) {
        d.settled = true;
        resolveFn();
      }
    },
    reject: (e) => {
      if (!d.settled) {
        d.settled = true;
        rejectFn(e);
      }
    },
    settled: false,
  };
  d.promise.catch(() => undefined); // a boot nobody awaits must not crash the process
  return d;
}
