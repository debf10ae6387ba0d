/**
 * A virtual list of fixed-height rows: only the rows in view (and a margin)
 * are in the DOM, so a pane can hold a 400,000-line module (SQLite's JS) or
 * a 100,000-instruction function without one giant text node.
 */

/** Row height in CSS pixels; explorer.css gives `.row` the same line-height. */
export const ROW_HEIGHT = 16;
const MARGIN = 30;

/** A scrolling pane of `count` rows drawn by `render`. */
export class ListView {
  private readonly host: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly win: HTMLElement;
  private readonly render: (i: number, row: HTMLElement) => void;
  private count = 0;
  private first = -1;
  private last = -1;
  private queued = false;
  private marked = new Set<number>();

  /** Fills `host` (a scrolling element) with rows drawn by `render(i, row)`. */
  constructor(host: HTMLElement, render: (i: number, row: HTMLElement) => void) {
    this.host = host;
    this.render = render;
    host.textContent = '';
    this.spacer = host.appendChild(document.createElement('div'));
    this.spacer.className = 'spacer';
    this.win = this.spacer.appendChild(document.createElement('div'));
    this.win.className = 'window';
    host.addEventListener('scroll', () => this.schedule());
    new ResizeObserver(() => this.schedule()).observe(host);
  }

  /** Calls `onRow(i)` when row `i` is clicked. */
  onClick(onRow: (i: number) => void): void {
    this.host.addEventListener('click', (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>('.row');
      if (row !== null && row.dataset.i !== undefined) onRow(Number(row.dataset.i));
    });
  }

  /** Sets the number of rows; `redraw` also redraws the rows in view (their content changed). */
  setCount(n: number, redraw = false): void {
    this.count = n;
    this.spacer.style.height = `${n * ROW_HEIGHT}px`;
    if (redraw) this.first = this.last = -1;
    this.draw();
  }

  /** Marks rows `rows` (class `hl`) and unmarks the others. */
  mark(rows: Iterable<number>): void {
    this.marked = new Set(rows);
    for (const el of this.win.children as HTMLCollectionOf<HTMLElement>) el.classList.toggle('hl', this.marked.has(Number(el.dataset.i)));
  }

  /** Scrolls row `i` into view (a third of the way down) unless it already is; `atTop`: to near the top, always. */
  reveal(i: number, atTop = false): void {
    const top = i * ROW_HEIGHT;
    const h = this.host.clientHeight;
    if (atTop) this.host.scrollTop = Math.max(0, top - 2 * ROW_HEIGHT);
    else if (top < this.host.scrollTop || top + ROW_HEIGHT > this.host.scrollTop + h) this.host.scrollTop = Math.max(0, top - h / 3);
    this.draw();
  }

  private schedule(): void {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      this.draw();
    });
  }

  private draw(): void {
    const first = Math.max(0, Math.floor(this.host.scrollTop / ROW_HEIGHT) - MARGIN);
    const last = Math.min(this.count, Math.ceil((this.host.scrollTop + this.host.clientHeight) / ROW_HEIGHT) + MARGIN);
    if (first === this.first && last === this.last) return;
    this.first = first;
    this.last = last;
    const rows = document.createDocumentFragment();
    for (let i = first; i < last; i++) {
      const row = document.createElement('div');
      row.className = this.marked.has(i) ? 'row hl' : 'row';
      row.dataset.i = String(i);
      this.render(i, row);
      rows.appendChild(row);
    }
    this.win.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    this.win.replaceChildren(rows);
  }
}
