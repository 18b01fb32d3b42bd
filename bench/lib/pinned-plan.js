// The algorithm bench/throughput.js times on both sides, ours and the numpy / PyTorch peers,
// pinned rather than left to the library's defaults (which may move): RTK-MALA on the 'segments'
// schedule (3 uniform segments at NFE 64, Tweedie warm start, step size adapted towards
// TARGET_ACCEPT), DDPM on the geometric grid down to 1e-3 plus the final Tweedie denoise. The
// peers mirror exactly this (bench/peers/common.py); bench/out-reuse.js times the same runs.
'use strict';

const NFE = 64;
const TARGET_ACCEPT = 0.6;
const SAMPLER_OPTIONS = {
  'rtk-mala': { segments: 3, grid: 'uniform', warmStart: 'tweedie', targetAccept: TARGET_ACCEPT, stepSize: 'auto' },
  ddpm: { grid: 'geometric', tMin: 1e-3, finalDenoise: true },
};

/** The options of one run of `sampler` at n particles on `threads` threads, float64 (no target or seed). */
const baseOptions = (sampler, n, threads) => ({ sampler, nfe: NFE, particles: n, threads, dtype: 'float64', ...SAMPLER_OPTIONS[sampler] });

module.exports = { NFE, TARGET_ACCEPT, SAMPLER_OPTIONS, baseOptions };
