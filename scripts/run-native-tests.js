// Runs the native C++ test suite (ctest) when CMake has built it, or says clearly that it is
// skipped. With --required (npm run test:native) it configures and builds it first.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const buildDir = path.join(root, 'build-native-tests');
const required = process.argv.includes('--required');

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root });
  if (r.error) return { ok: false, missing: r.error.code === 'ENOENT' };
  return { ok: r.status === 0, missing: false };
}

const haveCmake = spawnSync('cmake', ['--version'], { stdio: 'ignore' }).status === 0;
if (!haveCmake) {
  if (required) {
    console.error('test:native needs CMake (>= 3.15) on PATH');
    process.exit(1);
  }
  console.log('native ctest: SKIPPED (cmake not found; install CMake and run `npm run test:native`)');
  process.exit(0);
}
if (!fs.existsSync(path.join(buildDir, 'CTestTestfile.cmake')) || required) {
  const configured = run('cmake', ['-S', '.', '-B', buildDir, '-DCMAKE_BUILD_TYPE=Release']);
  if (!configured.ok) process.exit(1);
}
if (!run('cmake', ['--build', buildDir, '-j', '2']).ok) process.exit(1);
const tested = run('ctest', ['--test-dir', buildDir, '--output-on-failure']);
process.exit(tested.ok ? 0 : 1);
