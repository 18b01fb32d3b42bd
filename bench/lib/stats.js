// Summary statistics of the bench scripts' repeated timings.
'use strict';

/** The median of xs (the mean of the two middle values for an even count). */
function median(xs) {
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

module.exports = { median };
