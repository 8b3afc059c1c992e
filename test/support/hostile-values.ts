// Header values that have broken ESL parsers and reducers before, mixed with arbitrary strings (fast-check).

import fc from 'fast-check';

const UUID = 'aaaaaaaa-0000-4000-8000-000000000001';

/** Values that have broken parsers before, mixed with anything at all. */
export const hostileValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '9000000000000000000', '-9000000000000000000', '1e308', 'Infinity', 'NaN', '-1', '0', '0.5', '', ' ', '%', '%zz%',
    'x\ny', 'a\r\nb', '\u0000', 'all', '__proto__', 'constructor', 'toString', String(Number.MAX_SAFE_INTEGER),
    'aaaaaaaa-0000-4000-8000-000000000002', UUID, 'eavesdrop', 'x'.repeat(5000), '1001', 'yes',
  ),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer().map(String),
  fc.double().map(String),
  fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }).map(String),
);

