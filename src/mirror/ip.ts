import { isIPv4, isIPv6 } from 'node:net';

/**
 * P11: the IP address WooCommerce gathered is truncated before it is stored — IPv4 keeps its first three
 * octets (last one becomes 0), IPv6 keeps its first 64 bits. Anything that is not an IP is dropped.
 */
export function anonymiseIp(raw: string | null | undefined): string | null {
  const ip = raw?.trim();
  if (!ip) return null;
  if (isIPv4(ip)) return ip.split('.').slice(0, 3).concat('0').join('.');
  if (isIPv6(ip)) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    if (mapped) return anonymiseIp(mapped[1]);
    return `${expandIpv6(ip).slice(0, 4).join(':')}::`;
  }
  return null;
}

/** Eight hextets, without leading zeros, for an IPv6 address in any valid notation (zone id dropped). */
function expandIpv6(ip: string): string[] {
  let addr = ip.split('%')[0]!;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(addr);
  if (v4) {
    const o = v4[1]!.split('.').map(Number);
    addr = addr.replace(v4[1]!, `${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`);
  }
  const [head, tail] = addr.includes('::') ? addr.split('::') : [addr, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((h) => parseInt(h, 16).toString(16));
}
