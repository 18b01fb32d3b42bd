// A jest environment for the onnxruntime-node suite. Jest runs each test file in its own realm,
// with its own Float32Array, ...; onnxruntime-node returns outputs made by its native binding in
// Node's main realm, and onnxruntime-common checks them with `instanceof Float32Array` of the
// test's realm, so every session.run fails under plain jest ("A float32 tensor's data must be
// type of function Float32Array()"). Outside jest there is one realm and no such problem. This
// environment gives the test realm the main realm's typed-array constructors.
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array',
  'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

class OnnxEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) if (globalThis[name]) this.global[name] = globalThis[name];
  }
}

module.exports = OnnxEnvironment;
