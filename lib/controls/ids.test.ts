import { CONTROL_IDS } from './ids';
import { controlIds } from './registry';

describe('CONTROL_IDS', () => {
  it('is the registry\'s list of control ids, in its order', () => {
    expect([...CONTROL_IDS]).toEqual([...controlIds]);
  });
});
