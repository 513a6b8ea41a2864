// The alarm tones, synthesised with WebAudio (no audio file to serve): one pattern per
// priority, and a visible warning whenever the browser keeps the sound off.

let ctx = null;
const listeners = new Set();

/** Create or resume the AudioContext; browsers allow this only after a user gesture. */
export function unlockAudio() {
  try {
    if (!ctx) {
      ctx = new AudioContext();
      ctx.addEventListener("statechange", notify);
    }
    if (ctx.state === "suspended") ctx.resume().then(notify, notify);
  } catch {
    ctx = null;
  }
  notify();
}

/** Whether the browser is keeping the sound off (no gesture yet after a reload). */
export function audioBlocked() {
  return !ctx || ctx.state !== "running";
}

/** Call `fn` whenever audioBlocked() may have changed. */
export function onAudioState(fn) {
  listeners.add(fn);
}

function notify() {
  for (const fn of listeners) fn(audioBlocked());
}

let playCount = 0;

/** How many tones were started (tests and diagnostics read it). */
export function tonesPlayed() {
  return playCount;
}

// priority → [frequencies, note length s, repeats]: P1 a fast high siren, P2 the two-tone
// "dee-daa", P3 and lower a single soft chime.
const PATTERNS = {
  1: { notes: [1040, 780, 1040, 780, 1040, 780], len: 0.18, gain: 0.3 },
  2: { notes: [880, 660, 880, 660], len: 0.3, gain: 0.25 },
  3: { notes: [660, 880], len: 0.35, gain: 0.18 },
};

/** Play the tone of an alarm of `priority` (1 most urgent). */
export function playAlarmTone(priority = 2) {
  playCount += 1;
  document.documentElement.dataset.tones = String(playCount);
  document.documentElement.dataset.lastTone = String(Math.min(Math.max(priority, 1), 3));
  if (!ctx || ctx.state !== "running") return;
  const p = PATTERNS[Math.min(Math.max(priority, 1), 3)];
  const start = ctx.currentTime + 0.02;
  const out = ctx.createGain();
  out.gain.value = p.gain;
  out.connect(ctx.destination);
  p.notes.forEach((freq, i) => {
    const t0 = start + i * p.len;
    const osc = ctx.createOscillator();
    const env = ctx.createGain();
    osc.type = priority <= 1 ? "sawtooth" : "square";
    osc.frequency.value = freq;
    // Short attack and release avoid clicks.
    env.gain.setValueAtTime(0, t0);
    env.gain.linearRampToValueAtTime(1, t0 + 0.02);
    env.gain.setValueAtTime(1, t0 + p.len - 0.06);
    env.gain.linearRampToValueAtTime(0, t0 + p.len - 0.02);
    osc.connect(env).connect(out);
    osc.start(t0);
    osc.stop(t0 + p.len);
  });
}
