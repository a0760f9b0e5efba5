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
