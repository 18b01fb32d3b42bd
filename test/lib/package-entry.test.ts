// The package's entry points: `require('rtk-diffusion')` (CommonJS) and `import` (ES module)
// expose the same API, and the type declarations ship in dist/.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

function node(args: string[]): { status: number | null; stdout: string; stderr: string } {
  // Resolve the package by name from the repository itself (self-reference through "exports").
  return spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 60000 });
}

test('require and import give the same API and run a sample', () => {
  const program = (load: string) =>
    `${load}; const t = m.GaussianMixture.paperTarget();` +
    ` m.sample({ target: t, nfe: 8, particles: 50 }).then((r) => console.log(Object.keys(m).sort().join(','), r.samples.length));`;
  const cjs = node(['-e', program("const m = require('rtk-diffusion')")]);
  const esm = node(['--input-type=module', '-e', program("import * as m from 'rtk-diffusion'")]);
  expect(cjs.stderr).toBe('');
  expect(esm.stderr).toBe('');
  const [cjsKeys, cjsCount] = cjs.stdout.trim().split(' ');
  const [esmKeys, esmCount] = esm.stdout.trim().split(' ');
  expect(cjsCount).toBe('500');
  expect(esmCount).toBe('500');
  // The ES module adds its `default` export; everything else is the same list.
  expect(esmKeys.split(',').filter((k) => k !== 'default')).toEqual(cjsKeys.split(','));
});

test('the type declarations ship with the build', () => {
  expect(pkg.types).toBe('dist/index.d.ts');
  const dts = fs.readFileSync(path.join(ROOT, pkg.types), 'utf8');
  for (const name of ['sample', 'sampleSync', 'GaussianMixture', 'marginalAccuracy', 'SampleOptions'])
    expect(dts).toContain(name);
});
