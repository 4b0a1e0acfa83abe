import { fitDraw, type SampleSettings } from '../settings';

/**
 * Sampling settings the page chose before it knew the model (a link's, or
 * the choice kept across a switch of built-in set), fitted to the model with
 * `classes` classes: a class choice it cannot draw is replaced (fitDraw) and
 * `say` names what was refused and what is drawn instead. The other
 * settings stand.
 */
export function fitSampleToModel(settings: SampleSettings, classes: number, say: (message: string) => void): SampleSettings {
  const { draw, refused } = fitDraw(settings.draw, classes);
  if (refused === null) return settings;
  say(`Draw ${refused}.`);
  return { ...settings, draw };
}
