// Entry of a writer process, run by the shim as `node writer-main.js '<WriterProcessConfig JSON>'`, stdin = the pipe.
// It ignores TERM/INT/HUP (a group stop must not cut the output short) and exits only once its stdin ends. The
// handlers go in before anything is imported, to keep short the window in which Node's default handlers still apply.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => undefined);

const { parseWriterConfig, runWriter } = await import('./writer.js');
await runWriter(parseWriterConfig(process.argv[2]), process.stdin);
