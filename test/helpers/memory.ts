/**
 * Samples this process's memory while work runs (the test stack's gateway and subgraphs all live in
 * the jest worker, so this is every service at once).
 */
export interface MemoryPeak {
  baselineRssMb: number;
  baselineHeapMb: number;
  peakRssMb: number;
  peakHeapMb: number;
  /** Heap still held once the work is done and a full GC ran (what a leak would grow). */
  retainedHeapMb: number;
  samples: number;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

export function settle(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export async function measurePeak<T>(work: () => Promise<T>, everyMs = 20): Promise<{ result: T; memory: MemoryPeak }> {
  settle();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  let samples = 0;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    samples += 1;
    if (m.rss > peakRss) peakRss = m.rss;
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  }, everyMs);
  try {
    const result = await work();
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    settle();
    const retained = process.memoryUsage().heapUsed;
    return {
      result,
      memory: {
        baselineRssMb: mb(base.rss),
        baselineHeapMb: mb(base.heapUsed),
        peakRssMb: mb(peakRss),
        peakHeapMb: mb(peakHeap),
        retainedHeapMb: mb(retained),
        samples,
      },
    };
  } finally {
    clearInterval(timer);
  }
}
