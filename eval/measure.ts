/** Wall time and peak memory (resident set, sampled) of one async step. */
export interface Measured<T> {
  result: T;
  seconds: number;
  peakRssMb: number;
  /** Peak growth of the JavaScript heap over its level at the start. */
  peakHeapGrowthMb: number;
}

export async function measure<T>(run: () => Promise<T>): Promise<Measured<T>> {
  const heapStart = process.memoryUsage().heapUsed;
  let peakRss = process.memoryUsage().rss;
  let peakHeap = heapStart;
  const sample = () => {
    const usage = process.memoryUsage();
    if (usage.rss > peakRss) peakRss = usage.rss;
    if (usage.heapUsed > peakHeap) peakHeap = usage.heapUsed;
  };
  const timer = setInterval(sample, 20);
  const started = performance.now();
  try {
    const result = await run();
    sample();
    return {
      result,
      seconds: (performance.now() - started) / 1000,
      peakRssMb: peakRss / 2 ** 20,
      peakHeapGrowthMb: Math.max(0, peakHeap - heapStart) / 2 ** 20,
    };
  } finally {
    clearInterval(timer);
  }
}
