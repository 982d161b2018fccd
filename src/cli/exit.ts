/**
 * Ends the CLI once its output is written. Letting Node exit by itself first tears down the whole heap and
 * every buffer, which cost ~30 ms at the end of each signing run here; `process.exit` skips that. It would
 * also drop output still queued, as it can be on Windows, where pipes are asynchronous: so the exit waits
 * until a write queued after everything else on stdout and stderr has completed.
 */
export interface Output {
  write(chunk: string, done: () => void): unknown;
}

export async function exitWhenWritten(
  code: number,
  streams: readonly Output[] = [process.stdout, process.stderr],
  exit: (code: number) => void = (c) => process.exit(c),
): Promise<void> {
  await Promise.all(
    streams.map(
      (stream) =>
        new Promise<void>((resolve) => {
          // The callback runs when this empty write, and so every write before it, is done (or failed).
          stream.write('', () => resolve());
        }),
    ),
  );
  exit(code);
}
