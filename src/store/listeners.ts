/** The commit listeners every backend keeps; a failing listener never fails the write that committed. */
export class CommitListeners {
  private readonly listeners = new Set<() => void>();

  add(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(): void {
    for (const l of this.listeners) {
      try {
        l();
      } catch {
        // A cache that cannot invalidate must not turn a committed write into a reported failure.
      }
    }
  }
}
