/** Queue and job names, and what each job carries: ids only, never personal data. */

export const QueueName = {
  Mirror: 'mirror',
  Maintenance: 'maintenance',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const JobName = {
  MirrorDelivery: 'mirror-delivery',
  PurgeInbox: 'purge-inbox',
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

export interface JobPayloads {
  [JobName.MirrorDelivery]: { inboxId: number };
  [JobName.PurgeInbox]: Record<string, never>;
}

/** One place builds job ids, so a relay pass repeated after a crash adds nothing twice. */
export const jobId = {
  mirrorDelivery: (inboxId: number) => `inbox-${inboxId}`,
};
