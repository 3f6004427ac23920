/** Slider controls over a model's latent analysis (SPEC 5). Pure TypeScript: no LibTorch. */
export { slidersToLatent, randomizeSliders, centerSliders, getSliderInfo, isInWarningZone } from './sliders';
export type { SliderInfo } from './sliders';
