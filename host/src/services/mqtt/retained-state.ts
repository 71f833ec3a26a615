/**
 * The latest retained payload of each topic: what the broker should hold. It is what is sent again after
 * every (re)connection, since a broker that restarted without persistence has forgotten it all, and what
 * the bridge keeps while the broker is away. A topic holds one payload, the newest, so however long the
 * broker is gone the memory used stays the size of the state, never a backlog. Photos are never kept here.
 */
export class RetainedState {
  private readonly topics = new Map<string, Buffer>();
  /** Topics refused because the cap was reached; a sign of a bug or of thousands of cameras. */
  dropped = 0;

  constructor(readonly maxTopics = 4096) {}

  /** Sets `topic`; true when its payload changed (a new topic, or a different payload). */
  set(topic: string, payload: Buffer | string): boolean {
    const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const previous = this.topics.get(topic);
    if (previous !== undefined && previous.equals(bytes)) return false;
    if (previous === undefined && this.topics.size >= this.maxTopics) {
      this.dropped++;
      return false;
    }
    this.topics.set(topic, bytes);
    return true;
  }

  /** Forgets `topic`; true when it was held. */
  delete(topic: string): boolean {
    return this.topics.delete(topic);
  }

  get(topic: string): Buffer | undefined {
    return this.topics.get(topic);
  }

  has(topic: string): boolean {
    return this.topics.has(topic);
  }

  get size(): number {
    return this.topics.size;
  }

  /** Every topic and payload, in the order they were first set (discovery configs before the states they describe). */
  entries(): Array<[string, Buffer]> {
    return [...this.topics.entries()];
  }
}
