/**
 * Every error draydog throws on purpose is a `DraydogError`: its `code` says what kind of trouble it
 * is without parsing the message, the message names the bad value, and `cause` keeps the error
 * underneath. Anything else that escapes is a bug or an error of the system (a disk, a socket).
 */
export type ErrorCode =
  | 'ERR_INPUT'
  | 'ERR_USAGE'
  | 'ERR_BROWSER'
  | 'ERR_HISTORY_PAGE'
  | 'ERR_DAY_PICK'
  | 'ERR_CATALOG_GONE'
  | 'ERR_STOPPED';

export class DraydogError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** Input a user can fix (a date, a URL, a folder, a setting out of range); nothing was done with it. */
export class InputError extends DraydogError {
  override name = 'InputError';

  constructor(message: string, options?: ErrorOptions) {
    super('ERR_INPUT', message, options);
  }
}

/** A command line that does not parse (an unknown option, a missing argument). */
export class UsageError extends DraydogError {
  override name = 'UsageError';

  constructor(message: string, options?: ErrorOptions) {
    super('ERR_USAGE', message, options);
  }
}

/** The browser that reads history pages could not be started. */
export class BrowserError extends DraydogError {
  override name = 'BrowserError';

  constructor(message: string, options?: ErrorOptions) {
    super('ERR_BROWSER', message, options);
  }
}

/** The history page could not be used at all (it answered an error, or showed no day picker). */
export class HistoryPageError extends DraydogError {
  override name = 'HistoryPageError';

  constructor(message: string, options?: ErrorOptions) {
    super('ERR_HISTORY_PAGE', message, options);
  }
}

/** The history page's day picker would not show the day asked for. */
export class DayPickError extends DraydogError {
  override name = 'DayPickError';

  constructor(message: string, options?: ErrorOptions) {
    super('ERR_DAY_PICK', message, options);
  }
}

/** The catalog's file was deleted or moved while a run was writing it. */
export class CatalogGoneError extends DraydogError {
  override name = 'CatalogGoneError';

  constructor(message: string, options?: ErrorOptions) {
    super('ERR_CATALOG_GONE', message, options);
  }
}

/** What went wrong after a run had already stopped for a reason of its own: the message gives that reason first. */
export class StoppedError extends DraydogError {
  override name = 'StoppedError';

  constructor(message: string, options?: ErrorOptions) {
    super('ERR_STOPPED', message, options);
  }
}

/** Whether the user can fix what went wrong by changing what they typed: a one-line answer, exit code 2. */
export function isUsersToFix(error: unknown): error is DraydogError {
  return error instanceof InputError || error instanceof UsageError;
}
