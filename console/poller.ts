import { ApiError } from './api';
import { h, replaceChildren } from './dom';
import { failureNotice } from './failure';
import { clockTime } from './time';

export interface PollerOptions<T> {
  /** One read of the API. */
  read(): Promise<T>;
  /** Shows an answer that differs from the one on the page (compared as JSON). */
  show(answer: T): void;
  /** The session ended: polling stops for good, and the page says so. */
  stopped(err: ApiError): void;
  /** Says when the last answer came (`Updated 22:17:05 CET`). */
  updated: HTMLElement;
  /** Holds the last read's failure while the reads fail; polling goes on. */
  problem: HTMLElement;
  intervalMs: number;
}

/**
 * Reads the API again and again, one read at a time, and redraws only when the answer changed,
 * so a refresh neither flickers nor takes the keyboard focus away. `restart` starts over at once
 * (new filters); an answer to a read from before it is dropped.
 */
export class Poller<T> {
  private shown: string | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;

  constructor(private readonly options: PollerOptions<T>) {}

  restart(): void {
    this.shown = undefined;
    void this.poll();
  }

  private async poll(): Promise<void> {
    const mine = ++this.generation;
    clearTimeout(this.timer);
    const o = this.options;
    try {
      const answer = await o.read();
      if (mine !== this.generation) return;
      const key = JSON.stringify(answer);
      if (key !== this.shown) {
        o.show(answer);
        this.shown = key;
      }
      replaceChildren(o.problem);
      const now = new Date();
      replaceChildren(o.updated, 'Updated ', h('time', { datetime: now.toISOString() }, clockTime(now)), ` · refreshes every ${o.intervalMs / 1000} seconds`);
    } catch (err) {
      if (mine !== this.generation) return;
      if (err instanceof ApiError && err.sessionEnded) return o.stopped(err);
      replaceChildren(o.problem, failureNotice(err));
    }
    this.timer = setTimeout(() => void this.poll(), o.intervalMs);
  }
}
