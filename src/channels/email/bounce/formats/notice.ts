// The words by which a plain notice shows itself as one, shared by the readers of formats
// that have no signature of their own: who sends it, what its subject and its words say.

/** The sender of a notice: a mail daemon, a postmaster, a mail system's administrator. */
export const daemonSender =
  /mailer-daemon|post_?master|mail ?delivery|mail-daemon|mailerdaemon|mdaemon|system administrator|administrator|delivery subsystem|mail ?system|daemon/i;

/** A subject that says a message failed. */
export const failureSubject =
  /undeliver|undelivered|returned mail|returning message|delivery (?:status notification|failure|failed|notification|report|problem)|failure notice|mail delivery failed|non[- ]?delivery|could not be delivered|not delivered|delivery has failed|mail system error|mail failure|message not delivered|delivery error|rejected|nondeliverable|error (?:sending|delivering)|(?:could|can)(?:not|n't) (?:be )?(?:sent|delivered)|unzustellbar|non remis|エラー|不達|配信/i;

/** Words saying the message failed or waits, somewhere in the notice. */
export const failureStated =
  /\b(?:not|never|n't)\b[^.\n]{0,40}\b(?:deliver|reach|receive|accept)|undeliver|fail(?:ed|ure)|permanent|postponed|could not|couldn't|cannot|unable|rejected|refused|returned|bounced|error|no such|unknown|(?:not|n't) exist|not found|invalid|not valid|no longer|wrong/i;
