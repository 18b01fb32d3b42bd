// The addon build's code-generation flags (binding.gyp / CMakeLists.txt), for the benches that
// compile native code themselves: the build machine's vector units unless RTK_PORTABLE=1
// (scripts/arch-flags.js), no FMA contraction, no errno.
'use strict';

const path = require('path');
const { spawnSync } = require('child_process');

function addonCompileFlags() {
  const script = path.join(__dirname, '..', '..', 'scripts', 'arch-flags.js');
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  const arch = r.status === 0 ? r.stdout.trim().split(/\s+/).filter(Boolean) : [];
  return [...arch.filter((f) => f !== '-O3'), '-ffp-contract=off', '-fno-math-errno'];
}

module.exports = { addonCompileFlags };
