export const ExitCode = {
  ok: 0,
  framesFailed: 1,
  usage: 2,
  nothingFound: 9,
  interrupted: 130,
} as const;

const USAGE = '  2    bad usage or input: one line names the bad value; nothing was downloaded or written';

/** What each command's exit codes mean, for its `--help` (watch has its own, see watch-command.ts). */
export const EXIT_CODES_HELP = {
  draydog: `Exit codes: 0 success, 1 failure, 2 bad usage; each command's --help says what they mean for it.`,
  download: `Exit codes:
  0    every frame that exists was downloaded or was already there (missing frames are not failures)
  1    the run finished but some frames failed after all retries (the report lists them), it stopped after too many failures in a row, it hit an error it could not get past (disk full, a catalog error), or discovery read a day short of what its history page says it has (incomplete)
${USAGE}
  9    nothing found: every frame asked for was missing on the CDN (a wrong --base-url or stream? off the grid?)
  130  interrupted (Ctrl-C, SIGTERM or SIGHUP): frames in flight were finished, the catalog and the report were saved`,
  discover: `Exit codes:
  0    the frames of every date were printed
  1    a history page could not be read, or another error it could not get past
${USAGE} (also when playwright-core or Chromium is missing)`,
  organize: `Exit codes:
  0    every image it recognised was moved (what it left is listed with the reason)
  1    an error it could not get past (a catalog error)
${USAGE}`,
  report: `Exit codes:
  0    the report was printed
  1    an error it could not get past (a damaged catalog)
${USAGE}`,
  verify: `Exit codes:
  0    disk and catalog agree, or were repaired
  1    differences are left (listed on stdout), or an error it could not get past
${USAGE}`,
  config: `Exit codes:
  0    the settings were printed
${USAGE}`,
  dashboard: `Exit codes:
  0    stopped by Ctrl-C or SIGTERM
  1    it could not serve (e.g. the port is taken) or read the catalog
${USAGE} (also a --db that is no draydog catalog)`,
  enqueue: `Exit codes:
  0    the partitions were added (those already in the queue were left alone)
${USAGE} (also a --queue that is not a Redis URL, or a Redis that cannot be reached)`,
  worker: `Exit codes:
  0    with --until-empty: no partition is left and none failed
  1    with --until-empty: no partition is left but some are parked as failed (draydog status lists them), or an error it could not get past
${USAGE} (also a --queue that is not a Redis URL or cannot be reached when the worker starts; later outages are waited out)
  130  interrupted (Ctrl-C, SIGTERM or SIGHUP): frames in flight were finished and the partitions in hand handed back`,
  status: `Exit codes:
  0    the status was printed
${USAGE} (also a --queue that is not a Redis URL, or a Redis that cannot be reached)`,
  retryFailed: `Exit codes:
  0    the failed partitions are back in the queue
${USAGE} (also a --queue that is not a Redis URL, or a Redis that cannot be reached)`,
  simulate: `Exit codes:
  0    stopped by Ctrl-C or SIGTERM
  1    it could not serve (e.g. the port is taken)
${USAGE}`,
} as const;
