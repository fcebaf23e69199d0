// Bounce and complaint parsing: what a non-delivery report, an ARF complaint or an
// auto-reply says about the recipients of a message we sent.
export { type Headers, messageHeaders } from './mime.ts';
export { parseBounce } from './parse.ts';
export { classifyFailure, isHardBounce } from './reasons.ts';
export { type RuleSession, withRules } from './rules.ts';
export {
  type BounceExplanation,
  type BounceReason,
  type BounceReport,
  type BounceResult,
  bounceReasons,
  type RecipientFailure,
} from './types.ts';
