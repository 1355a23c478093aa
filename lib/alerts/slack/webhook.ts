import type { SlackMessage } from './blocks';

/** Slack answered 4xx other than 429 (invalid_blocks, no_text, channel_not_found, ...): retrying cannot help. */
export class SlackRejectedError extends Error {
  override readonly name = 'SlackRejectedError';
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`Slack rejected the message: HTTP ${status} ${body}`);
  }
}

/** 429/5xx/network errors until the attempts or the time budget ran out. */
export class SlackUnavailableError extends Error {
  override readonly name = 'SlackUnavailableError';
}

export interface PostOptions {
  /** Total attempts, the first included. */
  maxAttempts?: number;
  /** First backoff after a 5xx or network error; doubles each time, with jitter. */
  baseDelayMs?: number;
  /** Stop retrying when the next wait would end after this time (epoch ms): the Lambda's deadline. */
  deadline?: number;
  /** Per-request timeout. */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (info: { attempt: number; status?: number; waitMs: number; reason: string }) => void;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Retry-After in seconds (Slack sends an integer); an HTTP date is accepted too. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Posts a message to a Slack incoming webhook with Node's fetch. Honours 429 Retry-After,
 * retries 5xx and network errors with exponential backoff, never retries another 4xx.
 */
export async function postToSlack(url: string, message: SlackMessage, options: PostOptions = {}): Promise<{ attempts: number }> {
  const maxAttempts = options.maxAttempts ?? 5;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const sleep = options.sleep ?? sleepFor;
  const body = JSON.stringify(message);
  let lastProblem = '';
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    let waitMs: number;
    let status: number | undefined;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      const text = await response.text();
      if (response.ok) return { attempts: attempt };
      if (status === 429) {
        waitMs = retryAfterMs(response.headers.get('retry-after')) ?? 1000;
        lastProblem = `HTTP 429 rate limited (Retry-After ${response.headers.get('retry-after') ?? 'none'})`;
      } else if (status >= 500) {
        waitMs = backoff(baseDelayMs, attempt);
        lastProblem = `HTTP ${status} ${text.slice(0, 200)}`;
      } else {
        throw new SlackRejectedError(status, text.slice(0, 500));
      }
    } catch (error) {
      if (error instanceof SlackRejectedError) throw error;
      waitMs = backoff(baseDelayMs, attempt);
      lastProblem = `${(error as Error).name}: ${(error as Error).message}`;
    }
    if (attempt === maxAttempts) break;
    if (options.deadline !== undefined && Date.now() + waitMs > options.deadline) {
      lastProblem += ' (no time left to wait before the function times out)';
      break;
    }
    options.onRetry?.({ attempt, status, waitMs, reason: lastProblem });
    await sleep(waitMs);
  }
  throw new SlackUnavailableError(`Slack did not accept the message after retries: ${lastProblem}`);
}

function backoff(baseMs: number, attempt: number): number {
  const exp = baseMs * 2 ** (attempt - 1);
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}
