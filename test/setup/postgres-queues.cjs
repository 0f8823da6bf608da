// The "queues-postgres" project: the same tests, with the app's queues on BullMQ's Postgres backend.
process.env.TEST_QUEUE_BACKEND = 'postgres';
