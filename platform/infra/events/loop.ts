import type { Logger } from '#platform/infra/observability/logger';

/**
 * A background loop: runs `tick` again at once while it reports more work, otherwise waits for
 * `intervalMs` or a `nudge()`, whichever comes first. Errors are logged and waited out.
 * `stop()` resolves once the tick in flight has finished.
 */
export class PollLoop {
  private stopped = true;
  private wake: (() => void) | null = null;
  private nudged = false;
  private running: Promise<void> | null = null;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly tick: () => Promise<boolean>,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.running = this.run();
  }

  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
    this.running = null;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let more = false;
      this.nudged = false;
      try {
        more = await this.tick();
      } catch (err) {
        if (this.stopped) break;
        this.log.error({ err, loop: this.name }, 'event loop iteration failed');
      }
      if (this.stopped) break;
      if (!more && !this.nudged) await this.sleep();
    }
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, this.intervalMs);
      this.wake = done;
    });
  }
}
