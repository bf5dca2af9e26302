import { existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { lastValueFrom, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { openCatalog, saveToCatalog, type PipelineItem } from '../../src/index.ts';
import { fakeJpeg } from '../support/jpeg.ts';
import { useTempDir } from '../support/temp-dir.ts';

const tempDir = useTempDir();

const downloaded: PipelineItem = {
  kind: 'downloaded',
  frame: { terminal: 'apm', stream: 'in_gate', capturedAt: '2025-09-01T10:00:00', date: '2025-09-01' },
  url: 'https://cdn.test/a.jpeg',
  variant: 'full',
  bytes: fakeJpeg('a').length,
  sha256: '0'.repeat(64),
  filePath: '/x/a.jpg',
  attempts: 1,
};

describe('openCatalog commits', () => {
  it('commits to a write-ahead log synced at checkpoints, and leaves no log beside the catalog once closed', async () => {
    const dbPath = join(tempDir(), 'c.sqlite');
    const orm = await openCatalog({ dbPath });
    try {
      await lastValueFrom(of(downloaded).pipe(saveToCatalog(orm)));
      const connection = orm.em.getConnection();
      expect(await connection.execute('pragma journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      // 1 is NORMAL: no wait for the disk at each commit (2, FULL, is SQLite's default)
      expect(await connection.execute('pragma synchronous')).toEqual([{ synchronous: 1 }]);
    } finally {
      await orm.close();
    }
    expect([existsSync(`${dbPath}-wal`), existsSync(`${dbPath}-shm`)]).toEqual([false, false]);
    const reader = new DatabaseSync(dbPath, { readOnly: true });
    try {
      expect(reader.prepare('select captured_at from images').all()).toEqual([{ captured_at: '2025-09-01T10:00:00' }]);
    } finally {
      reader.close();
    }
  });
});
