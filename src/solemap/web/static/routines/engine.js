// The session engine and breathing pacer, a line-for-line port of solemap/routines/engine.py and
// pacer.py. The browser player runs the session locally (it must keep time with the network gone
// and animate at 60 frames a second), so the logic is ported rather than called over HTTP. The
// browser tests replay one scripted session through both versions and compare every state.

export class Pacer {
  constructor(breathsPerMin = 6.0, inhaleShare = 0.4) {
    if (!(breathsPerMin >= 2 && breathsPerMin <= 30)) throw new RangeError("breaths_per_min must be between 2 and 30");
    if (!(inhaleShare >= 0.2 && inhaleShare <= 0.8)) throw new RangeError("inhale_share must be between 0.2 and 0.8");
    this.breathsPerMin = breathsPerMin;
    this.inhaleShare = inhaleShare;
  }

  static fromRatio(breathsPerMin, inhale, exhale) {
    if (inhale <= 0 || exhale <= 0) throw new RangeError("inhale and exhale must both be positive");
    return new Pacer(breathsPerMin, inhale / (inhale + exhale));
  }

  get periodS() { return 60.0 / this.breathsPerMin; }
  get inhaleS() { return this.periodS * this.inhaleShare; }
  get exhaleS() { return this.periodS - this.inhaleS; }

  /** The breath at t seconds of active time: {phase, progress, level, remaining_s, breath_index}. */
  at(t) {
    t = Math.max(0.0, t);
    const period = this.periodS;
    const index = Math.floor(t / period);
    const within = t - index * period;
    const inhale = this.inhaleS;
    if (within < inhale) {
      const progress = within / inhale;
      return { phase: "inhale", progress, level: (1 - Math.cos(Math.PI * progress)) / 2,
               remaining_s: inhale - within, breath_index: index };
    }
    const progress = (within - inhale) / this.exhaleS;
    return { phase: "exhale", progress, level: (1 + Math.cos(Math.PI * progress)) / 2,
             remaining_s: period - within, breath_index: index };
  }

  toJSON() { return { breaths_per_min: this.breathsPerMin, inhale_share: this.inhaleShare }; }
}

export const DEFAULT_STOP_AT = 8;

const ev = (kind, blockIndex) => ({ kind, block_index: blockIndex });

export class SessionEngine {
  /**
   * blocks: [{step_index, step_id, side, duration_s, pain_ceiling}]; clock: () => epoch seconds.
   */
  constructor(routineId, blocks, clock, pacer = null, stopAt = DEFAULT_STOP_AT) {
    if (!blocks.length) throw new RangeError("a session needs at least one block");
    this.routineId = routineId;
    this.blocks = blocks.slice();
    this.pacer = pacer || new Pacer();
    this.stopAt = stopAt;
    this._clock = clock;
    this.status = "ready";
    this.index = 0;
    this._activeBefore = 0.0;
    this._runSince = null;
    this._blockStart = 0.0;
    this._startedAt = null;
    this._endedAt = null;
    this._completed = new Set();
    this._skipped = new Set();
    this.painReports = [];
    this.totalS = this.blocks.reduce((sum, b) => sum + b.duration_s, 0);
    // _remaining[i]: seconds from the start of block i to the end of the session.
    this._remaining = this.blocks.map((_, i) => this.blocks.slice(i).reduce((sum, b) => sum + b.duration_s, 0));
  }

  activeS() {
    if (this._runSince === null) return this._activeBefore;
    const raw = this._activeBefore + Math.max(0.0, this._clock() - this._runSince);
    // Between the end of the last block and the next update() the session is over: time stops there.
    return Math.min(raw, this._blockStart + this._remaining[this.index]);
  }

  get block() { return this.blocks[this.index]; }

  start() {
    if (this.status !== "ready") return [];
    const now = this._clock();
    this._startedAt = now;
    this._runSince = now;
    this.status = "running";
    return [ev("step", 0)];
  }

  pause() {
    if (this.status !== "running") return [];
    const events = this.update();
    if (this.status !== "running") return events;
    this._activeBefore = this.activeS();
    this._runSince = null;
    this.status = "paused";
    return [...events, ev("paused", this.index)];
  }

  resume() {
    if (this.status !== "paused") return [];
    this._runSince = this._clock();
    this.status = "running";
    return [ev("resumed", this.index)];
  }

  toggle() {
    if (this.status === "ready") return this.start();
    if (this.status === "running") return this.pause();
    return this.resume();
  }

  next() {
    if (this.status !== "running" && this.status !== "paused") return [];
    const events = this.update();
    if (this.status !== "running" && this.status !== "paused") return events;
    this._skipped.add(this.index);
    return [...events, ...this._enter(this.index + 1, this.activeS())];
  }

  back() {
    if (this.status !== "running" && this.status !== "paused") return [];
    const events = this.update();
    if (this.status !== "running" && this.status !== "paused") return events;
    const target = Math.max(0, this.index - 1);
    this._completed.delete(target);
    this._skipped.delete(target);
    return [...events, ...this._enter(target, this.activeS())];
  }

  quit() {
    if (this.status === "finished" || this.status === "abandoned") return [];
    if (this.status === "ready") {
      this._startedAt = this._clock();
    } else {
      const events = this.update();
      if (this.status === "finished") return events;
    }
    this._activeBefore = this.activeS();
    this._runSince = null;
    this._endedAt = this._clock();
    this.status = "abandoned";
    return [ev("abandoned", this.index)];
  }

  update() {
    const events = [];
    if (this.status !== "running") return events;
    const active = this.activeS();
    while (this.status === "running" && active - this._blockStart >= this.block.duration_s) {
      const end = this._blockStart + this.block.duration_s;
      this._completed.add(this.index);
      events.push(...this._enter(this.index + 1, end));
    }
    return events;
  }

  reportPain(value) {
    if (!(Number.isInteger(value) && value >= 0 && value <= 10)) throw new RangeError(`pain must be 0–10, got ${value}`);
    this.update();
    const block = this.block;
    let verdict = "ok";
    if (value >= this.stopAt) verdict = "stop";
    else if (value > block.pain_ceiling) verdict = "ease-off";
    const report = { step_id: block.step_id, side: block.side, value, ceiling: block.pain_ceiling,
                     verdict, at_s: this.activeS() };
    this.painReports.push(report);
    if (verdict === "stop") this.pause();
    return report;
  }

  state() {
    const active = this.activeS();
    const block = this.block;
    const elapsed = this.status === "finished" ? block.duration_s
      : Math.min(block.duration_s, Math.max(0.0, active - this._blockStart));
    return {
      status: this.status,
      block_index: this.index,
      step_index: block.step_index,
      step_id: block.step_id,
      side: block.side,
      block_elapsed_s: elapsed,
      block_remaining_s: block.duration_s - elapsed,
      block_duration_s: block.duration_s,
      elapsed_s: this.status === "finished" ? Math.min(active, this.totalS) : active,
      total_s: this.totalS,
      breath: this.pacer.at(active),
    };
  }

  record() {
    if ((this.status !== "finished" && this.status !== "abandoned") || this._startedAt === null) {
      throw new Error(`no record yet: the session is ${this.status}`);
    }
    const done = [], skipped = [];
    const stepIndices = [...new Set(this.blocks.map((b) => b.step_index))].sort((a, b) => a - b);
    for (const stepIndex of stepIndices) {
      const indices = [];
      this.blocks.forEach((b, i) => { if (b.step_index === stepIndex) indices.push(i); });
      const stepId = this.blocks[indices[0]].step_id;
      if (indices.every((i) => this._completed.has(i))) done.push(stepId);
      else if (indices.some((i) => this._skipped.has(i))) skipped.push(stepId);
    }
    return {
      routine_id: this.routineId,
      started_at: isoUtc(this._startedAt),
      ended_at: isoUtc(this._endedAt),
      duration_s: Math.round(this.activeS() * 1000) / 1000,
      steps_total: stepIndices.length,
      steps_done: done,
      steps_skipped: skipped,
      pain_reports: this.painReports.slice(),
      outcome: this.status === "finished" ? "finished" : "abandoned",
      pace: this.pacer.toJSON(),
    };
  }

  _enter(index, atActive) {
    if (index >= this.blocks.length) {
      if (this._runSince !== null) this._endedAt = this._runSince + (atActive - this._activeBefore);
      else this._endedAt = this._clock();
      this._activeBefore = atActive;
      this._runSince = null;
      this.status = "finished";
      return [ev("finished", this.index)];
    }
    const previous = this.blocks[this.index];
    this.index = index;
    this._blockStart = atActive;
    const sameStep = this.blocks[index].step_index === previous.step_index && index !== 0;
    return [ev(sameStep ? "side" : "step", index)];
  }
}

/** Epoch seconds → ISO 8601 with a +00:00 offset, the form Python's isoformat() writes. */
export function isoUtc(epochS) {
  const d = new Date(epochS * 1000);
  const micro = Math.round((epochS - Math.floor(epochS)) * 1e6);
  const base = d.toISOString().slice(0, 19);
  return (micro ? `${base}.${String(micro).padStart(6, "0")}` : base) + "+00:00";
}

/** A clock running `scale` times faster than real time (the player's ?speed= option, for tests). */
export function scaledClock(scale = 1) {
  const origin = Date.now() / 1000;
  if (scale === 1) return () => Date.now() / 1000;
  return () => origin + (Date.now() / 1000 - origin) * scale;
}
