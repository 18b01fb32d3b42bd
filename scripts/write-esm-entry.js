// Writes dist/index.mjs, the ES-module entry: it re-exports the CommonJS build so that
// `import { sample } from 'rtk-diffusion'` and `require('rtk-diffusion')` share one instance.
const fs = require('fs');
const path = require('path');
const dist = path.join(__dirname, '..', 'dist');
const cjs = require(path.join(dist, 'index.js'));
const names = Object.keys(cjs).filter((k) => k !== 'default' && k !== '__esModule');
const body = [
  "import cjs from './index.js';",
  ...names.map((n) => `export const ${n} = cjs.${n};`),
  'export default cjs;',
  '',
].join('\n');
fs.writeFileSync(path.join(dist, 'index.mjs'), body);
fs.copyFileSync(path.join(dist, 'index.d.ts'), path.join(dist, 'index.d.mts'));
