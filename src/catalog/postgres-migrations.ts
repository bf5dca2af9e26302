import { Migration } from '@mikro-orm/migrations';

/**
 * The catalog's schema on PostgreSQL, one version after another, with the same tables, columns and
 * indexes as on SQLite (see migrations.ts). Every string column is `text`, never MikroORM's
 * default `varchar(255)`: paths, URLs and discovered frame lists are longer than that. Capture times
 * stay `YYYY-MM-DDTHH:MM:SS` text, as on SQLite, so both compare and group them the same way.
 * `missing_frames` is the first version's table of misses, read by the coverage report beside
 * `cdn_missing_frames`; it exists so that one query serves both databases.
 */
class PostgresCatalogTables extends Migration {
  override name = 'draydog-pg-001-catalog-tables';
  override up(): void {
    this.addSql(
      `create table if not exists "images" ("id" serial primary key, "terminal" text not null, "stream" text not null, "captured_at" text not null, "file_path" text not null, "file_size" integer not null, "sha256" text not null, "source_url" text null, "variant" text not null check ("variant" in ('full', 'thumbnail')), "downloaded_at" text not null);`,
    );
    this.addSql('create index if not exists "images_stream_time_index" on "images" ("stream", "captured_at");');
    this.addSql('create unique index if not exists "images_frame_unique" on "images" ("terminal", "stream", "captured_at");');
    this.addSql(
      'create table if not exists "missing_frames" ("id" serial primary key, "terminal" text not null, "stream" text not null, "captured_at" text not null, "checked_at" text not null);',
    );
    this.addSql(
      'create unique index if not exists "missing_frames_frame_unique" on "missing_frames" ("terminal", "stream", "captured_at");',
    );
    this.addSql(
      'create table if not exists "cdn_missing_frames" ("id" serial primary key, "base_url" text not null, "terminal" text not null, "stream" text not null, "captured_at" text not null, "checked_at" text not null);',
    );
    this.addSql(
      'create unique index if not exists "cdn_missing_frames_unique" on "cdn_missing_frames" ("base_url", "terminal", "stream", "captured_at");',
    );
    this.addSql(
      'create table if not exists "discovered_days" ("id" serial primary key, "terminal" text not null, "stream" text not null, "date" text not null, "captured_at" text not null, "discovered_at" text not null);',
    );
    this.addSql('create unique index if not exists "discovered_days_unique" on "discovered_days" ("terminal", "stream", "date");');
  }
}

export const POSTGRES_CATALOG_MIGRATIONS = [PostgresCatalogTables];
