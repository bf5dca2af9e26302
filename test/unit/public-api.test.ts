// The public API is what the README documents: a name added or removed here is a decision, not an accident.
import { expect, it } from 'vitest';
import * as library from '../../src/index.ts';
import * as simulator from '../../src/simulator/index.ts';

it('draydog exports exactly its documented names', () => {
  expect(Object.keys(library).sort()).toEqual([
    'BrowserError',
    'BulkImageDownloader',
    'CatalogGoneError',
    'DEFAULTS',
    'DayPickError',
    'DraydogError',
    'HistoryPageError',
    'Image',
    'InputError',
    'MissingFrame',
    'StoppedError',
    'UsageError',
    'WatchMetrics',
    'buildUrls',
    'catalogCoverage',
    'circuitBreaker',
    'collectStats',
    'concurrently',
    'createHttpClient',
    'dateRange',
    'discoverFrames',
    'fetchFrames',
    'frameFilePath',
    'frameGrid',
    'frameKey',
    'frameOfFileName',
    'frameRange',
    'frameRangeOnDemand',
    'frameUrls',
    'framesFromFile',
    'isOutcome',
    'isUsersToFix',
    'jpegDefect',
    'jpegDimensions',
    'limitPerDate',
    'loadKnownMissing',
    'openCatalog',
    'organizeFiles',
    'parseFrameUrl',
    'pullConcurrently',
    'renderHtmlReport',
    'resolveFetchSettings',
    'runDownload',
    'saveToCatalog',
    'serveMetrics',
    'skipExisting',
    'skipKnownMissing',
    'summarizeCatalog',
    'undiciAdapter',
    'verifyArchive',
    'watch',
    'writeHtmlReport',
    'writeReport',
    'writeToDisk',
    'writeToStore',
  ]);
});

it('draydog/simulator exports the loopback camera', () => {
  expect(Object.keys(simulator).sort()).toEqual([
    'DEFAULT_SIMULATOR_OPTIONS',
    'FAULT_KINDS',
    'createCamera',
    'resolveSimulatorOptions',
    'startSimulator',
  ]);
});
