// A tab's refresh while it is shown: the one loop the access, centre, compliance, parking
// and patrol tabs each used to write for themselves.

/** Poll `fn` every `ms` while started: now, then `ms` after each call settles (a slow
 * server is never asked twice at once); stop() ends it, also between calls. */
export function poller(fn, ms) {
  let timer = null;
  let on = false;
  const tick = () => {
    clearTimeout(timer);
    if (!on) return;
    Promise.resolve()
      .then(fn)
      .finally(() => {
        if (on) timer = setTimeout(tick, ms);
      });
  };
  return {
    start() {
      on = true;
      tick();
    },
    stop() {
      on = false;
      clearTimeout(timer);
    },
  };
}
