import type { Writable } from 'node:stream';

const CLEAR_LINE = '\r\x1b[K';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

/**
 * The last line of a terminal, redrawn in place (the progress bar), with everything else printed
 * above it: a line is cleared before text is written and drawn again after. Only carriage return and
 * erase-line are used, never a saved cursor position, which goes stale as soon as the screen scrolls.
 */
export class StatusLine {
  #text = '';
  #state: 'idle' | 'drawn' | 'ended' = 'idle';
  readonly #stream: Writable & { columns?: number };
  // a second Ctrl-C exits the process from a timer: the cursor must come back all the same
  readonly #restoreOnExit = () => this.#stream.write(`${CLEAR_LINE}${SHOW_CURSOR}`);

  constructor(stream: Writable & { columns?: number }) {
    this.#stream = stream;
  }

  /**
   * Replaces the line; cut short of the terminal's width, since a wrapped line could not be redrawn in
   * place: two columns stay free for the `^C` the terminal echoes after it.
   */
  draw(text: string): void {
    if (this.#state === 'ended') return;
    if (this.#state === 'idle') {
      this.#stream.write(HIDE_CURSOR);
      process.once('exit', this.#restoreOnExit);
      this.#state = 'drawn';
    }
    const width = Math.max((this.#stream.columns ?? 80) - 3, 10);
    this.#text = text.length > width ? text.slice(0, width) : text;
    this.#stream.write(`${CLEAR_LINE}${this.#text}`);
  }

  /** Writes `text` (whole lines) above the line. */
  print(text: string): void {
    this.#stream.write(this.#state === 'drawn' ? `${CLEAR_LINE}${text}${this.#text}` : text);
  }

  /** Removes the line and gives the cursor back, at the start of an empty line; what follows is printed normally. */
  end(): void {
    if (this.#state === 'drawn') {
      process.off('exit', this.#restoreOnExit);
      this.#restoreOnExit();
    }
    this.#state = 'ended';
  }
}
