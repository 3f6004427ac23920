/**
 * BullMQ and its Redis client, loaded on first use: they take about 150 ms to load, which every `sda`
 * command and every `require('small-dataset-audio')` would otherwise pay without ever touching a queue.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
export function bullmq(): typeof import('bullmq') {
  return require('bullmq') as typeof import('bullmq');
}

export function ioredis(): typeof import('ioredis').default {
  return (require('ioredis') as typeof import('ioredis')).default;
}
