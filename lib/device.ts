// Where a run executes (option `device`): 'cpu', 'cuda' (the GPU backend, in a build made by
// `npm run build:cuda`, on a machine with a visible NVIDIA GPU) or 'auto' (the GPU when there
// is one, else the CPU, and the stats say why).
import { addon } from './native';

export type DeviceOption = 'cpu' | 'cuda' | 'auto';
export type Device = 'cpu' | 'cuda';

export interface CudaInfo {
  /** The addon was built with the CUDA backend. */
  compiled: boolean;
  /** CUDA devices visible to this process. */
  devices: number;
  /** The first device's name ('' when none). */
  name: string;
  /** Why no device is usable ('' when one is). */
  error: string;
}

/** The addon's CUDA build and the devices it sees. */
export function cudaInfo(): CudaInfo {
  return addon.cudaInfo();
}

export interface ResolvedDevice {
  device: Device;
  /** Set when 'auto' fell back to the CPU: why. */
  note?: string;
}

/** Resolves the option before any native work; 'cuda' without a usable GPU is an error. */
export function resolveDevice(requested: DeviceOption): ResolvedDevice {
  if (requested === 'cpu') return { device: 'cpu' };
  const info = cudaInfo();
  const usable = info.compiled && info.devices > 0;
  if (usable) return { device: 'cuda' };
  const why = info.compiled ? `no usable CUDA device (${info.error})` : info.error;
  if (requested === 'cuda') throw new Error(`Expected a usable GPU for device 'cuda' but ${why}`);
  return { device: 'cpu', note: `device 'auto' ran on the CPU: ${why}` };
}
