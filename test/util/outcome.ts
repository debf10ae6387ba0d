/**
 * What a call did, for comparing Kiln with native WebAssembly: its result
 * (through JSON, bigints as strings) or the message of what it threw.
 */
export function outcome(f: () => unknown): unknown {
  try {
    const r = f();
    return JSON.parse(JSON.stringify({ r }, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)));
  } catch (e) {
    return { threw: (e as Error).message };
  }
}
