import type { Config } from '../config.js';

type WarnedConfig = Pick<Config, 'sourceAllowlist' | 'publicUrl' | 'nodeEnv'> & { dsr: Pick<Config['dsr'], 'smtpUrl'> };

/** Settings that start fine but that an operator would want to hear about once, at start-up. */
export function startupWarnings(config: WarnedConfig): string[] {
  const warnings: string[] = [];
  if (!config.sourceAllowlist) warnings.push('WC_SOURCE_ALLOWLIST is not set: webhooks from every shop URL are accepted');
  // The verification link in mails is built from PUBLIC_URL, else from HOST:PORT — an address clients cannot reach.
  if (!config.publicUrl && (config.nodeEnv === 'production' || config.dsr.smtpUrl)) {
    warnings.push('PUBLIC_URL is not set: verification links in mails point at this process\'s own address, which clients cannot reach');
  }
  return warnings;
}
