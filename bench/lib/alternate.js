// Variants of a measurement alternated round by round: on a shared host the load changes from
// minute to minute, so each round measures every variant once, in reverse order every other
// round, and the scripts compare the variants round by round.
'use strict';

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

module.exports = { alternateRounds };
