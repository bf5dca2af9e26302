export const ExitCode = {
  ok: 0,
  framesFailed: 1,
  usage: 2,
  interrupted: 130,
} as const;

export const EXIT_CODES_HELP = `Exit codes:
  0    every frame that exists was downloaded or was already there (missing frames are not failures); verify: disk and catalog agree
  1    the run finished but some frames failed after all retries (the report lists them), it stopped after too many failures in a row, it hit an error it could not get past (disk full, a catalog error), or discovery read a day short of what its history page says it has (incomplete); verify: differences left
  2    bad usage or input: nothing was downloaded or written
  130  interrupted (Ctrl-C or SIGTERM): frames in flight were finished, the catalog and the report were saved`;
