/**
 * yoga-layout (Meta's flexbox engine in C++, Emscripten with embind, module
 * inlined as base64; float layout arithmetic): random trees of flex nodes
 * (direction, wrap, justify and align, grow, shrink and basis, margins,
 * paddings, borders, gaps, percentages, min and max sizes, aspect ratios,
 * absolute positions, display none, JS measure functions called back from
 * C++) laid out left-to-right and right-to-left at several sizes, then
 * changed and laid out again; every node's computed left, top, width and
 * height, edges and dirty flags.
 */
import { sameAsNative } from './same.js';
import { packageWasm } from './shim.js';
import { rng } from './inputs.js';

// Emscripten's SINGLE_FILE glue embeds its module as a base64 string (`AGFzbQ…`).
const WASM = packageWasm('yoga-layout', ['dist/binaries/yoga-wasm-base64-esm.js']);
// An ES module, loaded once: each `loadYoga()` instantiates anew.
const Y = await import('yoga-layout/load');

async function workload(): Promise<unknown[]> {
  const yoga = await Y.loadYoga();
  const out: unknown[] = [];
  const config = yoga.Config.create();
  config.setPointScaleFactor(0); // no pixel rounding: the raw float results are compared
  for (let tree = 0; tree < 12; tree++) {
    const rand = rng(1000 + tree);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const nodes: any[] = [];
    const measured = new Set<any>();
    const make = (depth: number): any => {
      const n = yoga.Node.create(config);
      nodes.push(n);
      n.setFlexDirection(pick([Y.FlexDirection.Row, Y.FlexDirection.Column, Y.FlexDirection.RowReverse, Y.FlexDirection.ColumnReverse]));
      n.setFlexWrap(pick([Y.Wrap.NoWrap, Y.Wrap.Wrap, Y.Wrap.WrapReverse]));
      n.setJustifyContent(pick([Y.Justify.FlexStart, Y.Justify.Center, Y.Justify.FlexEnd, Y.Justify.SpaceBetween, Y.Justify.SpaceAround, Y.Justify.SpaceEvenly]));
      n.setAlignItems(pick([Y.Align.Stretch, Y.Align.FlexStart, Y.Align.Center, Y.Align.FlexEnd, Y.Align.Baseline]));
      n.setAlignContent(pick([Y.Align.FlexStart, Y.Align.Center, Y.Align.Stretch, Y.Align.SpaceBetween, Y.Align.SpaceAround]));
      if (rand() < 0.5) n.setFlexGrow(rand() * 3);
      if (rand() < 0.4) n.setFlexShrink(rand() * 2);
      if (rand() < 0.3) n.setFlexBasis(rand() < 0.5 ? rand() * 120 : `${Math.floor(rand() * 60)}%`);
      if (rand() < 0.5) n.setWidth(rand() < 0.7 ? 10 + rand() * 150 : `${10 + Math.floor(rand() * 80)}%`);
      if (rand() < 0.5) n.setHeight(rand() < 0.7 ? 10 + rand() * 150 : `${10 + Math.floor(rand() * 80)}%`);
      if (rand() < 0.2) n.setMinWidth(rand() * 60);
      if (rand() < 0.2) n.setMaxHeight(40 + rand() * 100);
      if (rand() < 0.15) n.setAspectRatio(0.5 + rand() * 2);
      for (const edge of [Y.Edge.Left, Y.Edge.Top, Y.Edge.Right, Y.Edge.Bottom]) {
        if (rand() < 0.3) n.setMargin(edge, rand() < 0.8 ? rand() * 12 - 2 : `${Math.floor(rand() * 10)}%`);
        if (rand() < 0.3) n.setPadding(edge, rand() * 9);
        if (rand() < 0.15) n.setBorder(edge, rand() * 3);
      }
      if (rand() < 0.3) n.setGap(Y.Gutter.All, rand() * 8);
      if (depth > 0 && rand() < 0.1) {
        n.setPositionType(Y.PositionType.Absolute);
        n.setPosition(Y.Edge.Left, rand() * 50);
        n.setPosition(Y.Edge.Top, `${Math.floor(rand() * 50)}%`);
      }
      if (depth > 0 && rand() < 0.05) n.setDisplay(Y.Display.None);
      const kids = depth < 3 ? Math.floor(rand() * 5) : 0;
      if (kids === 0 && rand() < 0.4) {
        // A leaf measured by JS, like text: C++ calls back with the constraints.
        const words = 1 + Math.floor(rand() * 30);
        measured.add(n);
        n.setMeasureFunc((width: number, widthMode: number, height: number, heightMode: number) => {
          const w = widthMode === Y.MeasureMode.Undefined ? words * 7.5 : Math.min(words * 7.5, width);
          const lines = Math.ceil((words * 7.5) / Math.max(w, 7.5));
          const h = heightMode === Y.MeasureMode.Exactly ? height : lines * 13.25;
          return { width: w, height: heightMode === Y.MeasureMode.AtMost ? Math.min(h, height) : h };
        });
      }
      for (let i = 0; i < kids; i++) n.insertChild(make(depth + 1), i);
      return n;
    };
    const root = make(0);
    const dump = () => nodes.map((n) => {
      const l = n.getComputedLayout();
      return [l.left, l.top, l.width, l.height, n.getComputedMargin(Y.Edge.Left), n.getComputedPadding(Y.Edge.Top), n.getComputedBorder(Y.Edge.Right), n.isDirty(), n.hasNewLayout()];
    });
    for (const [w, h, dir] of [[400, 300, Y.Direction.LTR], [173.5, NaN, Y.Direction.RTL], [NaN, NaN, Y.Direction.LTR]] as const) {
      root.calculateLayout(w, h, dir);
      out.push(dump());
    }
    // Change a few nodes and lay out again: only the dirtied parts are recomputed.
    for (let k = 0; k < 5; k++) {
      const n = nodes[Math.floor(rand() * nodes.length)];
      if (measured.has(n)) n.markDirty(); // text changed: its measure function runs again
      else n.setWidth(20 + rand() * 100);
    }
    root.calculateLayout(320, 480, Y.Direction.LTR);
    out.push(dump(), root.getComputedWidth(), root.getComputedHeight());
    for (const n of measured) n.unsetMeasureFunc();
    root.freeRecursive();
  }
  config.free();
  return out;
}

sameAsNative('yoga-layout', ['auto'], WASM, workload);
