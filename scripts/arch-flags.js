// Prints the CPU-specific compiler flag for the addon build (read by binding.gyp): the addon
// is compiled on the machine that runs it, so it may use that CPU's vector units. Results do
// not depend on it (no FMA contraction, own elementary functions). Set RTK_PORTABLE=1 to build
// a binary that runs on any CPU of the architecture.
const os = require('os');
const portable = process.env.RTK_PORTABLE === '1' || process.env.RTK_PORTABLE === 'true';
const supported = ['x64', 'arm64'].includes(os.arch()) && process.platform !== 'win32';
process.stdout.write(!portable && supported ? (os.arch() === 'x64' ? '-march=native' : '-mcpu=native') : '-O3');
