/**
 * Makes a WAL-mode SQLite file's commits durable without blocking the event loop.
 *
 * With `synchronous=FULL`, SQLite fsyncs the WAL inside every COMMIT: better-sqlite3 is synchronous,
 * so the whole process stops for that fsync (milliseconds on a busy disk) and no other webhook is
 * read, verified or answered meanwhile. With `synchronous=NORMAL` a COMMIT only write()s its frames
 * to the WAL (safe against a crash of the process, not of the machine), and this fsyncs the WAL
 * file on libuv's thread pool afterwards. fsync flushes the file (its inode), whichever descriptor
 * or process wrote it, so one fsync that starts after a COMMIT returned makes that commit durable:
 * the group committer (sqlite-group-commit.ts) resolves nobody before it has.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface WalSync {
  /** Resolves once everything written to the WAL before the call is on stable storage. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export function walSync(databaseFile: string): WalSync {
  let wal: Promise<FileHandle> | undefined;
  const openWal = async (): Promise<FileHandle> => {
    // SQLite created it at the first commit and keeps it while any connection (ours) is open.
    const handle = await open(`${databaseFile}-wal`, 'r+');
    // A new WAL is durable only once its directory entry is (SQLite's FULL mode syncs the directory
    // once too). Platforms that cannot fsync a directory make their entries durable otherwise.
    try {
      const dir = await open(dirname(databaseFile), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EACCES') {
        await handle.close();
        throw error;
      }
    }
    return handle;
  };
  return {
    async sync() {
      const opening = (wal ??= openWal());
      opening.catch(() => {
        if (wal === opening) wal = undefined;
      });
      // fdatasync: the frames and the file's new length, not its timestamps.
      await (await opening).datasync();
    },
    async close() {
      const opening = wal;
      wal = undefined;
      await (await opening?.catch(() => undefined))?.close();
    },
  };
}
