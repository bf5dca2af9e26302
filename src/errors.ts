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

export abstract class DraydogError extends Error {
  abstract readonly code: ErrorCode;
}

/** The base of one kind of error: its name and its code. */
function kind<Code extends ErrorCode>(name: string, code: Code) {
  return class extends DraydogError {
    override name = name;
    readonly code = code;
  };
}

/** Input a user can fix (a date, a URL, a folder, a setting out of range); nothing was done with it. */
export class InputError extends kind('InputError', 'ERR_INPUT') {}

/** A command line that does not parse (an unknown option, a missing argument). */
export class UsageError extends kind('UsageError', 'ERR_USAGE') {}

/** The browser that reads history pages could not be started. */
export class BrowserError extends kind('BrowserError', 'ERR_BROWSER') {}

/** The history page could not be used at all (it answered an error, or showed no day picker). */
export class HistoryPageError extends kind('HistoryPageError', 'ERR_HISTORY_PAGE') {}

/** The history page's day picker would not show the day asked for. */
export class DayPickError extends kind('DayPickError', 'ERR_DAY_PICK') {}

/** The catalog's file was deleted or moved while a run was writing it. */
export class CatalogGoneError extends kind('CatalogGoneError', 'ERR_CATALOG_GONE') {}

/** What went wrong after a run had already stopped for a reason of its own: the message gives that reason first. */
export class StoppedError extends kind('StoppedError', 'ERR_STOPPED') {}

/** Whether the user can fix what went wrong by changing what they typed: a one-line answer, exit code 2. */
export function isUsersToFix(error: unknown): error is DraydogError {
  return error instanceof InputError || error instanceof UsageError;
}
