// Live hop lines for `packetwalk diagnose` in a terminal (issue 9): one line per hop, redrawn in place as
// events arrive (a spinner on the running ones), then replaced by the full report. Only used when stdout is
// a TTY and --json is off, so pipes and --json print exactly what they printed before.
import type { DiagnosisEvent } from '../../lib/events';
import type { Hop, HopStatus } from '../../lib/model';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** Each hop status as the terminal shows it (four columns; the words of the Diagnosis, a failure in capitals), and its colour: the live lines' and the report's. */
export const MARK: Record<HopStatus, string> = { pass: 'pass', fail: 'FAIL', warn: 'warn', skip: 'skip', pending: '··· ', running: '>>> ' };
export const COLOUR: Record<HopStatus, string> = { pass: '\x1b[32m', fail: '\x1b[31m', warn: '\x1b[33m', skip: '\x1b[90m', pending: '\x1b[90m', running: '\x1b[36m' };

export interface ProgressSink {
  write(text: string): void;
  columns?: number;
}

/**
 * A live view of one diagnosis: feed it the engine's events (`onEvent`), call `stop()` before printing the
 * final report (it erases what it drew). Clean text only: hop labels and summaries pass through `clean`
 * (the caller's terminal sanitizer) and are cut to the terminal width, so nothing wraps and redraws stay exact.
 */
export class LiveHops {
  private hops: Hop[] = [];
  private drawn = 0;
  private frame = 0;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly out: ProgressSink, private readonly clean: (s: string) => string = (s) => s) {}

  onEvent = (ev: DiagnosisEvent): void => {
    if (ev.type === 'diagnosis:plan') this.hops = ev.payload.diagnosis.hops.map((h) => ({ ...h }));
    else if (ev.type === 'hop:update') {
      const i = this.hops.findIndex((h) => h.id === ev.payload.hop.id);
      if (i >= 0) this.hops[i] = ev.payload.hop;
      else this.hops.push(ev.payload.hop);
    } else return;
    if (!this.timer) this.timer = setInterval(() => this.draw(), 100);
    this.draw();
  };

  private draw(): void {
    const width = Math.max(40, (this.out.columns ?? 100) - 1);
    const w = Math.max(0, ...this.hops.map((h) => h.id.length));
    const spin = SPINNER[this.frame++ % SPINNER.length];
    const lines = this.hops.map((h) => {
      const mark = h.status === 'running' ? ` ${spin}  ` : MARK[h.status];
      const text = `${h.id.padEnd(w)}  ${this.clean(h.summary || h.label)}`;
      const cut = text.length > width - 8 ? `${text.slice(0, width - 9)}…` : text;
      return `  ${COLOUR[h.status]}${mark}\x1b[0m  ${cut}`;
    });
    let s = this.drawn ? `\x1b[${this.drawn}A` : '';
    for (const l of lines) s += `\r\x1b[2K${l}\n`;
    this.out.write(s);
    this.drawn = lines.length;
  }

  /** Stops the spinner and erases the live lines. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.drawn) this.out.write(`\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }
}
