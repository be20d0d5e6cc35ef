// How a dashboard waits before reconnecting: apart from the DOM, so the fleet bench's simulated
// dashboards use the very same policy.

/**
 * The wait before reconnection attempt `retry` (0 first): doubling from 500 ms to 10 s, each drawn in
 * [half, whole] so that the dashboards a stopping instance let go come back as a slope, not a wall.
 */
export function reconnectDelayMs(retry: number, random: () => number = Math.random): number {
  return Math.min(10_000, 500 * 2 ** retry) * (0.5 + random() / 2);
}
