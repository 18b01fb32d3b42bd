// Runs the native C++ test suite (ctest) when CMake has built it, or says clearly that it is
// skipped. With --required (npm run test:native) it configures and builds it first. Then, where
// nvcc exists, compiles the CUDA backend and runs the GPU tests (skipped without a GPU).
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
if (!tested.ok) process.exit(1);
process.exit(cudaChecks() ? 0 : 1);

// Where nvcc is on PATH: compile the CUDA backend, its GPU tests and the CUDA addon (so they
// cannot rot on machines without a GPU), then run the GPU tests, which say SKIPPED when no
// GPU is visible. Without nvcc, say that nothing CUDA was compiled.
function cudaChecks() {
  const haveNvcc = spawnSync('nvcc', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!haveNvcc) {
    console.log('CUDA backend: SKIPPED (nvcc not found; nothing CUDA was compiled)');
    return true;
  }
  const cudaDir = path.join(root, 'build-native-tests-cuda');
  if (!fs.existsSync(path.join(cudaDir, 'CTestTestfile.cmake')) || required) {
    if (!run('cmake', ['-S', '.', '-B', cudaDir, '-DCMAKE_BUILD_TYPE=Release', '-DRTK_CUDA=ON']).ok) return false;
  }
  if (!run('cmake', ['--build', cudaDir, '-j', '2', '--target', 'rtk_cuda_tests', 'rtk_gpu_bench']).ok) return false;
  const cmakeJs = path.join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js');
  const addon = run(process.execPath, [cmakeJs, 'compile', '--out', 'build-cuda-check', '--CDRTK_CUDA=ON']);
  if (!addon.ok) return false;
  console.log('CUDA backend and the CUDA addon compiled (build-native-tests-cuda, build-cuda-check)');
  const gpuTests = spawnSync(path.join(cudaDir, 'rtk_cuda_tests'), [], { stdio: 'inherit', cwd: root });
  if (gpuTests.status === 77) {
    console.log('CUDA GPU tests: SKIPPED (see the line above); they run where a GPU is visible');
    return true;
  }
  return gpuTests.status === 0;
}
