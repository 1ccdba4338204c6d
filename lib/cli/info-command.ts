// diff-prompt info: what the addon runs on (torch, CUDA, threads, BLAS, bf16).
import type { Command } from 'commander';
import { runtimeInfo } from '../runtime';

export function registerInfoCommand(program: Command): void {
  program
    .command('info')
    .description('print the runtime: libtorch version and origin, CUDA, threads, BLAS, bf16, buffer cache')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => {
      const info = runtimeInfo();
      if (options.json) {
        console.log(JSON.stringify(info, null, 2));
        return;
      }
      console.log(`addon      ${info.addon}`);
      console.log(`libtorch   ${info.torchVersion} (${info.torchOrigin})`);
      console.log(`CUDA       ${info.cuda.available ? `${info.cuda.devices} device(s)` : 'no'}: ${info.cuda.reason}`);
      console.log(`threads    ${info.threads} (${info.threadsOrigin})`);
      console.log(`BLAS       ${info.blas.kind} ${info.blas.path} ${info.blas.detail}`);
      console.log(`bf16       ${info.bf16.native ? 'native' : info.bf16.supported ? 'emulated (AVX-512)' : 'no'}`);
      console.log(`malloc     ${info.mallocTuned ? 'tuned' : 'default'}`);
      const cache = info.cpuBufferCache;
      console.log(`buffers    ${cache.installed ? `kept for reuse up to ${(cache.limitBytes / 2 ** 20).toFixed(0)} MiB (${cache.limitOrigin})` : 'not kept (DIFF_PROMPT_CPU_CACHE_MB=0)'}`);
      console.log(`sources    ${info.sourceHash.slice(0, 16)}`);
    });
}
