import { request } from 'node:http';

/** Thrown when the agent cannot be reached or refused a request; `code` tells which. */
export class AgentUnreachable extends Error {
  constructor(
    message: string,
    readonly code: 'AGENT_NOT_RUNNING' | 'AGENT_ERROR',
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Talks to a running agent over its control socket. */
export class AgentClient {
  constructor(readonly socketPath: string) {}

  /** GET or POST a JSON resource; throws AgentUnreachable when nothing listens or the agent refuses. */
  async call<T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
    timeoutMs = 5000,
  ): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<T>((resolve, reject) => {
      const req = request(
        {
          socketPath: this.socketPath,
          path,
          method,
          timeout: timeoutMs,
          headers: payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = JSON.parse(text);
            } catch {
              return reject(
                new AgentUnreachable(
                  `the agent answered ${res.statusCode} with a non-JSON body`,
                  'AGENT_ERROR',
                ),
              );
            }
            if ((res.statusCode ?? 500) >= 400) {
              const message = (parsed as { error?: { message?: string } }).error?.message ?? text;
              return reject(new AgentUnreachable(message, 'AGENT_ERROR', res.statusCode));
            }
            resolve(parsed as T);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (error) => reject(this.unreachable(error)));
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** Streams committed entries (NDJSON) to `onEntry` until `signal` aborts; throws if the agent is not running. */
  async stream(
    path: string,
    onEntry: (entry: Record<string, unknown>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const req = request({ socketPath: this.socketPath, path, method: 'GET', signal }, (res) => {
        let buffered = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          let newline = buffered.indexOf('\n');
          while (newline >= 0) {
            const line = buffered.slice(0, newline);
            buffered = buffered.slice(newline + 1);
            if (line.trim()) onEntry(JSON.parse(line) as Record<string, unknown>);
            newline = buffered.indexOf('\n');
          }
        });
        res.on('end', () => resolve());
        res.on('error', () => resolve());
      });
      req.on('error', (error) => {
        if (signal.aborted) resolve();
        else reject(this.unreachable(error));
      });
      req.end();
    });
  }

  private unreachable(error: Error): AgentUnreachable {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ECONNREFUSED') {
      return new AgentUnreachable(
        `hearth-agent is not running (no answer on ${this.socketPath}); start it with \`systemctl start hearth-agent\``,
        'AGENT_NOT_RUNNING',
      );
    }
    if (code === 'EACCES') {
      return new AgentUnreachable(
        `no permission to talk to hearth-agent on ${this.socketPath}; run as root or a member of the hearth group`,
        'AGENT_ERROR',
      );
    }
    return new AgentUnreachable(`cannot talk to hearth-agent: ${error.message}`, 'AGENT_ERROR');
  }
}
