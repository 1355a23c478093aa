import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { slackNotifierDepsFromEnvironment } from '../lib/alerts/slack/wiring';
import { notifySlack, type SnsEvent } from '../lib/alerts/slack/notifier';

// Built once per container; the webhook URL is read from SSM on first use and kept.
const deps = slackNotifierDepsFromEnvironment();

/** Subscribed to the alert topic (SNS → Lambda): posts each alert to Slack as Block Kit. */
export const handler = middy<SnsEvent, { posted: number }, Error, Context>().handler(async (event, context) =>
  notifySlack(event, {
    ...deps,
    // Leave a few seconds before the timeout: a wait that cannot finish fails now, to the DLQ.
    post: { ...deps.post, deadline: Date.now() + Math.max(0, (context?.getRemainingTimeInMillis?.() ?? 60_000) - 5_000) },
  }),
);
