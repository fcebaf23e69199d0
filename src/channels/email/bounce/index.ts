// Bounce and complaint parsing: what a non-delivery report, an ARF complaint or an
// auto-reply says about the recipients of a message we sent.
export { messageHeaders } from './mime.ts';
export { parseBounce } from './parse.ts';
export { classifyFailure } from './reasons.ts';
export { withRules } from './rules.ts';
export {
  type BounceReport,
  type BounceResult,
  bounceReasons,
} from './types.ts';
