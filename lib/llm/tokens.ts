/**
 * Deterministic token estimator, used wherever a count is needed before (or without) a
 * provider's own `usage`: prompt budgets, the tokens-per-minute limiter, the built-in
 * provider and benchmarks. It never calls a tokenizer, so the same text always gives the
 * same number on every machine.
 *
 * The rule approximates byte-pair encodings such as cl100k/o200k: the plain "chars / 4" rule
 * is right on average for English prose but badly wrong for short words, numbers,
 * punctuation-heavy JSON and CJK text, so the text is split into segments and each segment
 * is priced the way BPE tends to split it:
 *
 *   - a run of letters: 1 token up to 7 characters, then
 *     one per 5 characters (`ceil(len / 5)`), as long words split into sub-words;
 *   - a run of digits: one token per 3 digits (BPE vocabularies chunk numbers in threes);
 *   - a CJK / kana / hangul character: 1 token each;
 *   - a run of punctuation or symbols: one token per 2 characters (`{"`, `":`, `),`);
 *   - spaces and tabs: free (BPE merges a leading space into the next word);
 *   - a run of line breaks: 1 token.
 *
 * Checked by hand against cl100k on typical prompts it lands within about 15% and errs on
 * the high side for JSON, which is the safe side for budgets. Provider `usage` always wins
 * when a response reports it; the estimate is flagged as such in call metadata.
 */

const CJK = String.raw`\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}`;
const SEGMENT = new RegExp(
  [
    String.raw`([${CJK}])`, // one CJK character
    String.raw`((?:(?![${CJK}])[\p{L}\p{M}])+)`, // a word (letters, not CJK)
    String.raw`(\p{Nd}+)`, // a number
    String.raw`([\r\n]+)`, // line breaks
    String.raw`([^\s\p{L}\p{M}\p{Nd}]+)`, // punctuation and symbols
  ].join("|"),
  "gu",
);

export function estimateTokens(text: string): number {
  let tokens = 0;
  for (const match of text.matchAll(SEGMENT)) {
    const [, cjk, word, digits, newlines, symbols] = match;
    if (cjk) tokens += 1;
    else if (word) tokens += word.length <= 7 ? 1 : Math.ceil(word.length / 5);
    else if (digits) tokens += Math.ceil(digits.length / 3);
    else if (newlines) tokens += 1;
    else if (symbols) tokens += Math.ceil([...symbols].length / 2);
    // whitespace: merged into the following token
  }
  return tokens;
}

/** Chat formats add a few tokens per message (role markers) and a reply primer. */
const TOKENS_PER_MESSAGE = 4;
const TOKENS_PER_REPLY_PRIMER = 3;

export function estimateChatTokens(messages: ReadonlyArray<{ role: string; content: string }>): number {
  let tokens = TOKENS_PER_REPLY_PRIMER;
  for (const message of messages) tokens += TOKENS_PER_MESSAGE + estimateTokens(message.content);
  return tokens;
}
