/** The module/script pairs of ../shared/programs/check.mjs, shared by the programs test and benchmark. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** One run: a module, the folder it runs in (preopened as `.`), its argv after argv[0], and a stdin file. */
export interface ProgramCase {
  wasm: string;
  dir: string;
  script: string;
  args: string[];
  stdin?: string;
}

/** The cases of check.mjs, in its order, for the programs folder `programs`. */
export function programCases(programs: string): ProgramCase[] {
  const list = (dir: string, ext: string) => readdirSync(join(programs, dir)).filter((f) => f.endsWith(ext)).sort();
  const out: ProgramCase[] = [];
  for (const s of list('lua-scripts', '.lua')) {
    out.push({ wasm: 'lua.wasm', dir: 'lua-scripts', script: s, args: [s] });
    out.push({ wasm: 'lua-eh.wasm', dir: 'lua-scripts', script: s, args: [s] });
  }
  for (const s of list('lua-eh-scripts', '.lua')) out.push({ wasm: 'lua-eh.wasm', dir: 'lua-eh-scripts', script: s, args: [s] });
  for (const s of list('sqlite-scripts', '.sql')) out.push({ wasm: 'sqlite.wasm', dir: 'sqlite-scripts', script: s, args: [], stdin: s });
  return out;
}
