// The alarm tone, synthesised with WebAudio (no audio file to serve).

let ctx = null;

/** Create or resume the AudioContext; browsers allow this only after a user gesture. */
export function unlockAudio() {
  try {
    ctx ??= new AudioContext();
    if (ctx.state === "suspended") ctx.resume();
  } catch {
    ctx = null;
  }
}

let playCount = 0;

/** How many tones were started (tests and diagnostics read it). */
export function tonesPlayed() {
  return playCount;
}

/** A two-tone "dee-daa" burst, repeated twice (~1.2 s). */
export function playAlarmTone() {
  playCount += 1;
  document.documentElement.dataset.tones = String(playCount);
  if (!ctx) return;
  const start = ctx.currentTime + 0.02;
  const out = ctx.createGain();
  out.gain.value = 0.25;
  out.connect(ctx.destination);
  const notes = [880, 660, 880, 660];
  notes.forEach((freq, i) => {
    const t0 = start + i * 0.3;
    const osc = ctx.createOscillator();
    const env = ctx.createGain();
    osc.type = "square";
    osc.frequency.value = freq;
    // Short attack and release avoid clicks.
    env.gain.setValueAtTime(0, t0);
    env.gain.linearRampToValueAtTime(1, t0 + 0.02);
    env.gain.setValueAtTime(1, t0 + 0.24);
    env.gain.linearRampToValueAtTime(0, t0 + 0.28);
    osc.connect(env).connect(out);
    osc.start(t0);
    osc.stop(t0 + 0.3);
  });
}
