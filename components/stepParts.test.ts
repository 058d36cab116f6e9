import { describe, expect, it } from 'vitest';
import { stepParts } from './stepParts';

describe('stepParts', () => {
  it('splits a next step into text and the commands between backticks', () => {
    expect(stepParts('Check the name (`kubectl get svc -n shop`).')).toEqual([
      { code: false, text: 'Check the name (' },
      { code: true, text: 'kubectl get svc -n shop' },
      { code: false, text: ').' },
    ]);
    expect(stepParts('`a` and `b`')).toEqual([{ code: true, text: 'a' }, { code: false, text: ' and ' }, { code: true, text: 'b' }]);
  });
  it('an unpaired backtick is text, as is a step without any', () => {
    expect(stepParts('it`s')).toEqual([{ code: false, text: 'it`s' }]);
    expect(stepParts('plain')).toEqual([{ code: false, text: 'plain' }]);
  });
});
