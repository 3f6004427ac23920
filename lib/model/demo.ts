/** The demo model shipped in the package (assets/demo, made by scripts/make_demo_model.py). */
import * as path from 'path';
import { packageRoot } from '../package-info';

/**
 * Absolute path of the demo model, `assets/demo/demo.sda` in the installed package: a genuine `.sda`
 * file (latent size 16, with sliders) to try the API on before you have models of your own, e.g.
 * `loadModel(demoModelPath)`. `sda generate` uses it when no model is named.
 */
export const demoModelPath: string = path.join(packageRoot(), 'assets', 'demo', 'demo.sda');
