import { anonymiseIp } from '../../src/mirror/ip.js';

describe('P11 IP anonymisation (pure)', () => {
  test.each([
    ['203.0.113.77', '203.0.113.0'],
    ['10.0.0.1', '10.0.0.0'],
    [' 192.168.1.255 ', '192.168.1.0'],
    ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3:8d3::'],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::'],
    ['2001:db8::1', '2001:db8::'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::'],
    ['fe80::1ff:fe23:4567:890a', 'fe80::'],
    ['::1', '::'],
    ['fe80::1%eth0', 'fe80::'],
    ['::ffff:203.0.113.9', '203.0.113.0'],
  ])('when the address is %s, then %s is stored', (raw, stored) => {
    expect(anonymiseIp(raw)).toBe(stored);
  });

  test.each([[''], ['unknown'], [null], [undefined], ['999.1.1.1']])('when the value %p is not an IP, then nothing is stored', (raw) => {
    expect(anonymiseIp(raw as string | null | undefined)).toBeNull();
  });
});
