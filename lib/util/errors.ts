/**
 * A problem with the user's input (missing folder, corrupt checkpoint, unknown model...).
 * The command line prints its message as one line and exits non-zero, with no stack trace
 * unless --verbose is given.
 */
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = 'UserError';
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}

/**
 * A failure the command has already reported in full (e.g. a failed notebook with its cell and
 * error): the command line exits with `exitCode` and prints nothing more.
 */
export class ReportedFailure extends Error {
  constructor(readonly exitCode = 1) {
    super(`failed (exit ${exitCode})`);
    this.name = 'ReportedFailure';
  }
}
