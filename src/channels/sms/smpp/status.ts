// What an SMSC's command_status means (SMPP 3.4 §5.1.3): the error class of a refused
// submit_sm, and the names SMSC documentation uses for the codes. Pure; an unknown status is
// a final failure, never silently a success or a retry.
import smpp from 'smpp';
import { PermanentError, TransientError } from '../../index.ts';

/** What ESME_RTHROTTLED asks: the SMSC gives no time, a second is what most of them mean. */
const throttledRetryAfterMs = 1_000;

const statusNames = new Map(Object.entries(smpp.errors).map(([name, code]) => [code, name]));

/** "0x0B": the form SMSC documentation and FailureDetails.errorCode use. */
export function hexStatus(status: number): string {
  return `0x${status.toString(16).toUpperCase().padStart(2, '0')}`;
}

export function describeStatus(status: number): string {
  return `${hexStatus(status)} ${statusNames.get(status) ?? 'unknown status'}`;
}

/** What a non-zero submit_sm_resp command_status means for the message (SMPP 3.4 §5.1.3). */
export function classifySubmitStatus(status: number): TransientError | PermanentError {
  const errorCode = hexStatus(status);
  const response = `submit_sm_resp ${describeStatus(status)}`;
  switch (status) {
    case 0x58:
      return new TransientError(`The SMSC throttled the submit_sm (${describeStatus(status)})`, {
        errorCode,
        response,
        retryAfterMs: throttledRetryAfterMs,
      });
    // The SMSC's queue is full, it failed, or it does not see our bind: nothing is wrong with the message.
    case 0x04:
    case 0x08:
    case 0x14:
      return new TransientError(`The SMSC could not take the submit_sm (${describeStatus(status)})`, {
        errorCode,
        response,
      });
    case 0x0b:
      return new PermanentError(`The SMSC refused the destination (${describeStatus(status)})`, 'bounce', {
        errorCode,
        response,
      });
    default:
      return new PermanentError(`The SMSC refused the submit_sm (${describeStatus(status)})`, 'failure', {
        errorCode,
        response,
      });
  }
}
