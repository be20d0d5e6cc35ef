/**
 * A small Prometheus registry (text exposition format 0.0.4): counters, gauges and histograms with
 * labels. Enough for the cloud's own figures without another dependency.
 */
type Labels = Record<string, string>;

const key = (labels: Labels) =>
  Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');

interface Metric {
  render(): string;
}

export class Counter implements Metric {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    private readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const [k, v] of this.values) lines.push(`${this.name}${k ? `{${k}}` : ''} ${v}`);
    return lines.join('\n');
  }
}

/** A gauge whose values are read at scrape time. */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly read: () => Promise<[Labels, number][]> | [Labels, number][],
  ) {}
  private last: [Labels, number][] = [];
  async collect(): Promise<void> {
    this.last = await this.read();
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const [labels, v] of this.last) {
      const k = key(labels);
      lines.push(`${this.name}${k ? `{${k}}` : ''} ${v}`);
    }
    return lines.join('\n');
  }
}

export class Histogram implements Metric {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly buckets: number[],
  ) {}
  observe(labels: Labels, value: number): void {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    this.buckets.forEach((b, i) => {
      if (value <= b) s.counts[i]!++;
    });
    s.sum += value;
    s.count++;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const sep = k ? ',' : '';
      this.buckets.forEach((b, i) => {
        lines.push(`${this.name}_bucket{${k}${sep}le="${b}"} ${s.counts[i]}`);
      });
      lines.push(`${this.name}_bucket{${k}${sep}le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`);
      lines.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
    return lines.join('\n');
  }
}

/** The cloud's metrics. Gauges are read from their sources when /metrics is scraped. */
export class CloudMetrics {
  readonly httpRequests = new Counter(
    'hearth_http_requests_total',
    'HTTP requests by method, route and status.',
  );
  readonly httpDuration = new Histogram(
    'hearth_http_request_duration_seconds',
    'HTTP request latency by method and route.',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  );
  readonly ingestRows = new Counter(
    'hearth_ingest_rows_total',
    'Sensor events stored (duplicates not counted).',
  );
  readonly auditFailures = new Counter(
    'hearth_audit_write_failures_total',
    'Audit log entries that could not be written, by action (security actions then failed too).',
  );
  readonly wsMessages = new Counter('hearth_ws_messages_sent_total', 'Messages sent to dashboards.');
  readonly busLag = new Histogram(
    'hearth_bus_lag_seconds',
    'Time from ringing the bus to an instance receiving the ring.',
    [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
  );
  private readonly gauges: Gauge[] = [];

  /** Adds a gauge read at scrape time. */
  gauge(name: string, help: string, read: () => Promise<[Labels, number][]> | [Labels, number][]): void {
    this.gauges.push(new Gauge(name, help, read));
  }

  /** The exposition text. A gauge whose source fails is left out rather than failing the scrape. */
  async render(): Promise<string> {
    await Promise.all(this.gauges.map((g) => g.collect().catch(() => {})));
    const all: Metric[] = [
      this.httpRequests,
      this.httpDuration,
      this.ingestRows,
      this.auditFailures,
      this.wsMessages,
      this.busLag,
      ...this.gauges,
    ];
    return `${all.map((m) => m.render()).join('\n')}\n`;
  }
}
