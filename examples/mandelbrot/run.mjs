// Runs mandelbrot.wasm, compiled by Kiln to ./mandelbrot.js, and prints the picture.
// Usage: node run.mjs [width height max_iter]   (defaults: 72 28 200)
import { instantiate } from './mandelbrot.js';

const [width = 72, height = 28, maxIter = 200] = process.argv.slice(2).map(Number);
const { exports } = instantiate(); // no imports needed

// render() writes `height` lines of `width` characters plus '\n' and returns their address.
const ptr = exports.render(width, height, maxIter);
if (ptr === 0) throw new Error('size out of range (at most 256 x 128)');
process.stdout.write(new TextDecoder().decode(new Uint8Array(exports.memory.buffer, ptr, height * (width + 1))));
