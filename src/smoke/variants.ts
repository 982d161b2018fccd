import path from 'node:path';
import type { SmokeVariant } from '../config.js';
import { EXPECTED_OUTPUT, EXPECTED_TEST_OUTPUT } from './module.js';

/**
 * What each variant builds and runs. Variants exist because AV engines treat these shapes differently:
 * cgo-off and stripped binaries look different to ML models, a -H=windowsgui program has no console (a
 * dropper's shape), a `go test` binary is written and run from the Go temp folder (the path AV
 * quarantines most), and `go run` builds and runs in one step from that folder too.
 */

export interface VariantPlan {
  variant: SmokeVariant;
  /** argv for `go ...`: builds the binary (or, for `run`, builds and runs it). */
  build: string[];
  buildEnv: Record<string, string>;
  /** The file the build writes; absent for `go run`, which keeps its binary to itself. */
  binary?: string;
  /** argv to run the built binary (file first); absent for `go run`. */
  run?: string[];
  /** Where the program writes its marker file (windowsgui: no console to read). */
  marker?: string;
  expected: string;
}

export type VariantChoice = { plan: VariantPlan } | { skip: string };

export interface PlanContext {
  platform: NodeJS.Platform;
  /** The fresh module folder. */
  moduleDir: string;
  /** A fresh folder inside Go's build temp dir (GOTMPDIR, else the OS temp dir), for the test binary. */
  goTempDir: string;
}

export function planVariant(variant: SmokeVariant, ctx: PlanContext): VariantChoice {
  const exe = ctx.platform === 'win32' ? '.exe' : '';
  const out = (name: string): string => path.join(ctx.moduleDir, `${name}${exe}`);
  const binaryBuild = (binary: string, flags: string[], env: Record<string, string> = {}): VariantChoice => ({
    plan: {
      variant,
      build: ['build', '-o', binary, ...flags, '.'],
      buildEnv: env,
      binary,
      run: [binary],
      expected: EXPECTED_OUTPUT,
    },
  });
  switch (variant) {
    case 'default':
      return binaryBuild(out('smoke-default'), []);
    case 'cgo-off':
      return binaryBuild(out('smoke-cgo-off'), [], { CGO_ENABLED: '0' });
    case 'stripped':
      return binaryBuild(out('smoke-stripped'), ['-ldflags', '-s -w']);
    case 'windowsgui': {
      if (ctx.platform !== 'win32') {
        return {
          skip: `-H=windowsgui builds a Windows GUI program; it only applies on Windows (this runner is ${ctx.platform})`,
        };
      }
      const binary = out('smoke-windowsgui');
      const choice = binaryBuild(binary, ['-ldflags', '-H=windowsgui']);
      if ('plan' in choice) choice.plan.marker = path.join(ctx.moduleDir, 'windowsgui-ran.txt');
      return choice;
    }
    case 'test': {
      const binary = path.join(ctx.goTempDir, `smoke.test${exe}`);
      return {
        plan: {
          variant,
          build: ['test', '-c', '-o', binary, '.'],
          buildEnv: {},
          binary,
          run: [binary, '-test.v', '-test.run', '^TestSmoke$'],
          expected: EXPECTED_TEST_OUTPUT,
        },
      };
    }
    case 'run':
      return { plan: { variant, build: ['run', '.'], buildEnv: {}, expected: EXPECTED_OUTPUT } };
  }
}
