/** Splits what the board prints into lines for 'console' listeners. */
export class LineSplitter {
  private partial = '';
  constructor(private readonly emitLine: (line: string) => void) {}

  push(bytes: Uint8Array): void {
    const text = this.partial + Buffer.from(bytes).toString('latin1');
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    if (this.partial.length > 4096) this.partial = ''; // a board printing without newlines must not grow memory
    for (const line of lines) this.emitLine(line.replace(/\r$/, ''));
  }

  /**
   * A chip reset ends the line in progress (a REPL prompt, say): it is emitted as it is, so the next boot's
   * first line is not glued to it.
   */
  endLine(): void {
    if (this.partial) this.emitLine(this.partial.replace(/\r$/, ''));
    this.partial = '';
  }
}
