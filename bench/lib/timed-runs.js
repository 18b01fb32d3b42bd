// The timed loop of the bench scripts' child processes: runs of one sampler setting in a row.
'use strict';

const { median } = require('./stats');

/**
 * One warm-up run of rtk.sample(options) (seed 1), then `runs` timed runs (seeds 2, 3, ...);
 * first(result) sees the first timed run's result once it is timed. Returns the median run's
 * throughput in million particle·NFE per second.
 */
async function medianRunThroughput(rtk, options, runs, first = () => {}) {
  await rtk.sample({ ...options, seed: 1 });
  const ms = [];
  for (let run = 0; run < runs; run++) {
    const t0 = performance.now();
    const result = await rtk.sample({ ...options, seed: 2 + run });
    ms.push(performance.now() - t0);
    if (run === 0) first(result);
  }
  return (options.particles * options.nfe) / median(ms) / 1e3;
}

module.exports = { medianRunThroughput };
