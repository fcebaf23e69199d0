// The one error an operator gets when the master keys and the database do not fit together
// (a key missing, a keyring file unreadable): its message is one sentence saying what to do,
// and the CLI prints it without a stack trace.
export class MasterKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyError';
  }
}
