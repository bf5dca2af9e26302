export const ExitCode = {
  ok: 0,
  framesFailed: 1,
  usage: 2,
  nothingFound: 9,
  interrupted: 130,
} as const;

export const EXIT_CODES_HELP = `Exit codes:
  0    every frame that exists was downloaded or was already there (missing frames are not failures); verify: disk and catalog agree
  1    the run finished but some frames failed after all retries (the report lists them), it stopped after too many failures in a row, or it hit an error it could not get past (disk full, a catalog error); verify: differences left
  2    bad usage or input: nothing was downloaded or written
  9    download: nothing found, every frame asked for was missing on the CDN (a wrong --base-url or stream? off the grid?)
  130  interrupted (Ctrl-C or SIGTERM): frames in flight were finished, the catalog and the report were saved`;
