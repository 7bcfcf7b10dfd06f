import { expect, test } from 'vitest';

test('the floor: one trivial test', () => {
  expect(1 + 1).toBe(2);
});
