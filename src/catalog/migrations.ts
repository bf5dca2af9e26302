import { Migration } from '@mikro-orm/migrations';

/**
 * The catalog's schema, one version after another. A migration only adds (tables, columns, indexes)
 * and never drops or alters what is there: a catalog can hold tables and columns of the user's own.
 * A catalog made before migrations existed already has the tables of the first one, hence `if not exists`.
 */
class CatalogTables extends Migration {
  override name = 'draydog-001-catalog-tables';
  override up(): void {
    this.addSql(
      "create table if not exists `images` (`id` integer not null primary key autoincrement, `terminal` text not null, `stream` text not null, `captured_at` text not null, `file_path` text not null, `file_size` integer not null, `sha256` text not null, `source_url` text null, `variant` text check (`variant` in ('full', 'thumbnail')) not null, `downloaded_at` text not null);",
    );
    this.addSql('create index if not exists `images_stream_time_index` on `images` (`stream`, `captured_at`);');
    this.addSql('create unique index if not exists `images_frame_unique` on `images` (`terminal`, `stream`, `captured_at`);');
    this.addSql(
      'create table if not exists `missing_frames` (`id` integer not null primary key autoincrement, `terminal` text not null, `stream` text not null, `captured_at` text not null, `checked_at` text not null);',
    );
    this.addSql(
      'create unique index if not exists `missing_frames_frame_unique` on `missing_frames` (`terminal`, `stream`, `captured_at`);',
    );
    this.addSql(
      'create table if not exists `discovered_days` (`id` integer not null primary key autoincrement, `terminal` text not null, `stream` text not null, `date` text not null, `captured_at` text not null, `discovered_at` text not null);',
    );
    this.addSql('create unique index if not exists `discovered_days_unique` on `discovered_days` (`terminal`, `stream`, `date`);');
  }
}

/**
 * Misses remembered per CDN (base URL): a miss on a mistyped `--base-url` says nothing about the real
 * CDN. The first version's `missing_frames`, keyed without the CDN, is kept as it is and no longer read.
 */
class MissesPerCdn extends Migration {
  override name = 'draydog-002-cdn-missing-frames';
  override up(): void {
    this.addSql(
      'create table if not exists `cdn_missing_frames` (`id` integer not null primary key autoincrement, `base_url` text not null, `terminal` text not null, `stream` text not null, `captured_at` text not null, `checked_at` text not null);',
    );
    this.addSql(
      'create unique index if not exists `cdn_missing_frames_unique` on `cdn_missing_frames` (`base_url`, `terminal`, `stream`, `captured_at`);',
    );
  }
}

export const CATALOG_MIGRATIONS = [CatalogTables, MissesPerCdn];

/** Where MikroORM's migrator records which migrations a catalog has had. */
export const MIGRATIONS_TABLE = 'draydog_migrations';
