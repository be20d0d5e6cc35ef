import { describe, expect, it } from 'vitest';
import { catalogues, pickLocale } from './i18n.js';

describe('the page language', () => {
  it('is the first of the browser languages the dashboard speaks', () => {
    expect(pickLocale(['ko-KR', 'en-US'])).toBe('ko');
    expect(pickLocale(['fr-FR', 'en-GB', 'ko'])).toBe('en');
    expect(pickLocale(['de-DE'])).toBe('en');
    expect(pickLocale([])).toBe('en');
  });

  it('has a Korean string for every English one, with the same placeholders', () => {
    const holes = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    const { en, ko } = catalogues;
    expect(Object.keys(en).length).toBeGreaterThan(100);
    for (const [key, text] of Object.entries(en)) {
      const korean = ko[key as keyof typeof en];
      expect(korean, `Korean lacks ${key}`).toBeTypeOf('string');
      expect(holes(korean!), `placeholders of ${key}`).toEqual(holes(text));
    }
  });
});
