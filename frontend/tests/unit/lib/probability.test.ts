import { describe, expect, it } from 'vitest';
import { chanceText, parseChance, stepChance } from '../../../src/probability';

describe('parseChance: the chance as people write it', () => {
  it.each([
    ['70', 0.7],
    ['70%', 0.7],
    ['70 %', 0.7],
    ['0.7', 0.7],
    ['.7', 0.7],
    ['0,7', 0.7],
    ['3:1', 0.75],
    ['1:3', 0.25],
    ['1 in 4', 0.25],
    ['1/4', 0.25],
    ['2 out of 5', 0.4],
    ['12.5%', 0.125],
    ['100', 1],
    ['0', 0],
  ])('%s → %s', (text, value) => {
    expect(parseChance(text)).toEqual({ kind: 'ok', value });
  });

  it.each(['150', '150%', '5 in 4', '0:0', 'likely', '-5', '70%%'])('%s is not a chance', (text) => {
    expect(parseChance(text)).toEqual({ kind: 'invalid' });
  });

  it('empty says nothing', () => {
    expect(parseChance('  ')).toEqual({ kind: 'empty' });
  });
});

describe('stepChance: the arrow keys', () => {
  it('steps to the next multiple of 5, from 50% when empty, within 1..99%', () => {
    expect(stepChance({ kind: 'empty' }, 1)).toBe(0.5);
    expect(stepChance({ kind: 'empty' }, -1)).toBe(0.5);
    expect(stepChance({ kind: 'ok', value: 0.7 }, 1)).toBe(0.75);
    expect(stepChance({ kind: 'ok', value: 0.72 }, 1)).toBe(0.75);
    expect(stepChance({ kind: 'ok', value: 0.72 }, -1)).toBe(0.7);
    expect(stepChance({ kind: 'ok', value: 0.95 }, 1)).toBe(0.99);
    expect(stepChance({ kind: 'ok', value: 0.05 }, -1)).toBe(0.01);
  });

  it('writes a chance back as a percentage', () => {
    expect(chanceText(0.75)).toBe('75%');
    expect(chanceText(0.125)).toBe('12.5%');
  });
});
