/**
 * A closed-loop HTTP load generator: `connections` concurrent loops issue requests back to back for
 * `seconds`, recording each latency. Runs in its own process (bench/lib/loadProcess.ts) so the server under
 * test does not share an event loop with it.
 */
export type LoadResult = { requests: number; errors: number; seconds: number; rps: number; p50: number; p99: number };

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function runLoad(options: { url: string; headers?: Record<string, string>; connections: number; seconds: number }): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + options.seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          const response = await fetch(options.url, { headers: options.headers });
          await response.arrayBuffer();
          if (!response.ok) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    seconds,
    rps: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

if (import.meta.main) {
  const options = JSON.parse(process.argv[2]!);
  console.log(JSON.stringify(await runLoad(options)));
}
