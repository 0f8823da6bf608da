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
    return compressIpv6([...expandIpv6(ip).slice(0, 4), '0', '0', '0', '0']);
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

/** RFC 5952 text form (as PHP's inet_ntop, so values agree with WooCommerce's): longest zero run → `::`. */
function compressIpv6(hextets: string[]): string {
  let best = { start: -1, len: 0 };
  for (let i = 0; i < hextets.length; ) {
    if (hextets[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < hextets.length && hextets[j] === '0') j++;
    if (j - i > best.len) best = { start: i, len: j - i };
    i = j;
  }
  if (best.len < 2) return hextets.join(':');
  return `${hextets.slice(0, best.start).join(':')}::${hextets.slice(best.start + best.len).join(':')}`;
}
