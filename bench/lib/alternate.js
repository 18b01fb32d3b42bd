// Variants of a measurement in alternating child processes: on a shared host the load changes
// from minute to minute, so each round measures every variant once, in reverse order every
// other round, and the scripts compare the variants round by round.
'use strict';

const { spawnSync } = require('child_process');

/**
 * For `rounds` rounds, measure(variant) for every variant in turn (the order reversed every
 * other round, so that no variant always goes first); returns each variant's results in round
 * order, in the order of `variants`.
 */
function alternateRounds(rounds, variants, measure) {
  const results = variants.map(() => []);
  for (let round = 0; round < rounds; round++) {
    const order = variants.map((_, i) => i);
    if (round % 2) order.reverse();
    for (const i of order) results[i].push(measure(variants[i]));
  }
  return results;
}

/**
 * Runs `node script ...args` in `cwd` and returns the JSON it printed on stdout; a child that
 * fails ends the bench through fail(), with `what` and the child's last line of stderr.
 */
function childJson(script, args, cwd, fail, what) {
  const r = spawnSync(process.execPath, [script, ...args.map(String)], { encoding: 'utf8', cwd, maxBuffer: 1 << 20 });
  if (r.status !== 0) {
    const reason = r.error ? r.error.message : `exit status ${r.status}`;
    fail(`child (${what}) failed (${reason}): ${(r.stderr || '').trim().split('\n').pop() || '-'}`);
  }
  return JSON.parse(r.stdout);
}

module.exports = { alternateRounds, childJson };
