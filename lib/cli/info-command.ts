// `rtk info`: the package version, Node, and what the native build offers.
import * as os from 'os';
import { Command } from 'commander';
import { SAMPLERS } from '../options';
import { messageOf } from './errors';
import { packageVersion } from './package-info';

export interface InfoReport {
  package: string;
  version: string;
  node: string;
  platform: string;
  addon: { loaded: boolean; error?: string };
  hardwareThreads: number | null;
  cuda: boolean | null;
  gpu: string;
  samplers: readonly string[];
}

export async function collectInfo(): Promise<InfoReport> {
  const report: InfoReport = {
    package: 'rtk-diffusion',
    version: packageVersion(),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    addon: { loaded: false },
    hardwareThreads: null,
    cuda: null,
    gpu: 'unknown',
    samplers: SAMPLERS,
  };
  try {
    const { native, cudaInfo } = await import('../index');
    report.addon.loaded = true;
    report.hardwareThreads = native.build.hardwareThreads;
    const cuda = cudaInfo();
    report.cuda = cuda.compiled;
    report.gpu = !cuda.compiled
      ? 'no (built without CUDA: npm run build:cuda)'
      : cuda.devices > 0
        ? `yes: ${cuda.name}${cuda.devices > 1 ? ` (+${cuda.devices - 1} more)` : ''}`
        : `no (${cuda.error})`;
  } catch (e) {
    report.addon.error = messageOf(e);
    report.gpu = 'unknown (native addon not loaded)';
  }
  return report;
}

export function infoCommand(): Command {
  return new Command('info')
    .description('Print the package version and the native build: hardware threads, CUDA, GPU.')
    .option('--json', 'print the same as JSON')
    .addHelpText('after', '\nExit code 1 when the native addon cannot be loaded (run `npm install` in the package folder).')
    .action(async (flags: { json?: boolean }) => {
      const r = await collectInfo();
      if (flags.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else {
        const yesNo = (b: boolean | null) => (b === null ? 'unknown' : b ? 'yes' : 'no');
        const lines = [
          `${r.package} ${r.version}`,
          `  node              ${r.node} (${r.platform})`,
          `  native addon      ${r.addon.loaded ? 'loaded' : `not loaded: ${r.addon.error}`}`,
          `  hardware threads  ${r.hardwareThreads ?? 'unknown'}`,
          `  CUDA compiled     ${yesNo(r.cuda)}`,
          `  GPU found         ${r.gpu}`,
          `  samplers          ${r.samplers.join(', ')}`,
        ];
        process.stdout.write(lines.join('\n') + '\n');
      }
      if (!r.addon.loaded) process.exitCode = 1;
    });
}
