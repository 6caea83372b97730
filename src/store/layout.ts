// Names inside the JSON folder (a leaf module: the writer process reads task records by these names too).

/** Sub-folders and files of the JSON folder (see docs/folder-format.md). */
export const FOLDER_LAYOUT = {
  tasks: 'tasks',
  runs: 'runs',
  locks: 'locks',
  journal: 'journal.log',
  log: 'executor.log',
  leaseLock: 'supervisor.lock',
  leaseHolder: 'supervisor.json',
} as const;

/** Extension of record files. */
export const JSON_EXT = '.json';
