/** Exit codes of `hearth`, stable for scripts (also listed in `hearth --help`). */
export const EXIT = {
  OK: 0,
  /** Something failed that the message explains. */
  FAILED: 1,
  /** The command line was wrong. */
  USAGE: 2,
  /** hearth-agent is not running (or its socket cannot be reached). */
  AGENT_NOT_RUNNING: 3,
  /** The cloud could not be reached. */
  CLOUD_UNREACHABLE: 4,
  /** The cloud refused: bad or used pairing code, revoked key. */
  CLOUD_REFUSED: 5,
  /** A diagnosis or sensor test found a problem. */
  CHECK_FAILED: 6,
} as const;

/** A failure the CLI reports to the technician: a message saying what to do, and the exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly code = 'FAILED',
  ) {
    super(message);
  }
}

/** Where a command writes: human lines or one JSON document, chosen by `--json`. */
export class Output {
  constructor(
    readonly json: boolean,
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly err: NodeJS.WritableStream = process.stderr,
  ) {}

  /** A line for people; suppressed with --json. */
  line(text = ''): void {
    if (!this.json) this.out.write(`${text}\n`);
  }

  /** Progress for people while work takes time; on stderr so pipes stay clean. */
  progress(text: string): void {
    if (!this.json) this.err.write(`… ${text}\n`);
  }

  /**
   * Runs `work` while showing `label` with a spinner on a terminal (a plain line otherwise), then
   * marks it done or failed. Returns or throws what `work` does.
   */
  async task<T>(label: string, work: Promise<T>): Promise<T> {
    const tty = !this.json && (this.err as NodeJS.WriteStream).isTTY === true;
    if (!tty) {
      this.progress(label);
      return work;
    }
    const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
    let frame = 0;
    const timer = setInterval(() => this.err.write(`\r${frames[frame++ % frames.length]} ${label}`), 80);
    try {
      const result = await work;
      this.err.write(`\r✓ ${label}\n`);
      return result;
    } catch (error) {
      this.err.write(`\r✗ ${label}\n`);
      throw error;
    } finally {
      clearInterval(timer);
    }
  }

  /** The command's result for scripts; printed only with --json. */
  result(value: unknown): void {
    if (this.json) this.out.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Reports a failure in the chosen form. */
  failure(error: CliError): void {
    if (this.json)
      this.out.write(`${JSON.stringify({ error: { code: error.code, message: error.message } }, null, 2)}\n`);
    else this.err.write(`hearth: ${error.message}\n`);
  }
}
