import { describe, expect, it } from 'vitest';
import { compileTopicPattern, topicPatternProblem } from '../../../src/profiles/topic.js';

describe('topic patterns', () => {
  it('captures named levels and honours + and #', () => {
    const p = compileTopicPattern('cfx/{plant}/{line}/tester/{station}');
    expect(p.filter).toBe('cfx/+/+/tester/+');
    expect(p.match('cfx/P1/L1/tester/FCT1')).toEqual({ plant: 'P1', line: 'L1', station: 'FCT1' });
    expect(p.match('cfx/P1/L1/aoi/FCT1')).toBeUndefined();
    expect(p.match('cfx/P1/L1/tester/FCT1/extra')).toBeUndefined();
    expect(p.match('cfx/P1//tester/FCT1')).toBeUndefined();
    expect(compileTopicPattern('a/+/#').match('a/b/c/d')).toEqual({});
    expect(compileTopicPattern('a/+/#').match('a')).toBeUndefined();
  });

  it('explains invalid patterns', () => {
    expect(topicPatternProblem('a/#/b')).toMatch(/last level/);
    expect(topicPatternProblem('a/b+')).toMatch(/whole level/);
    expect(topicPatternProblem('a/{Line}')).toMatch(/lower-case/);
    expect(topicPatternProblem('a/{line}/+/#')).toBeUndefined();
  });
});
