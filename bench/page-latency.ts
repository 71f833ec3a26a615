/** Capture-to-page latency: filled in once the service exists. */
export async function pageLatency(_photos: number): Promise<string | undefined> {
  return undefined;
}
