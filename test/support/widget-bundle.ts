import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root (test/support/ → ../..). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The widget's script-tag bundle the demo serves at `/mesh-pay-button.js`. */
export const WIDGET_BUNDLE = fileURLToPath(new URL('../../packages/widget/dist/browser/mesh-pay-button.js', import.meta.url));

/**
 * Makes sure the widget's browser bundle exists, building it once when it does not, so
 * `npm test -w @mesh-pay/e2e` works on its own and not only after the root `npm test` (which builds
 * first). An existing bundle is trusted: the root test script rebuilds before every run.
 */
export function ensureWidgetBundle(): string {
  if (!existsSync(WIDGET_BUNDLE)) {
    execFileSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (!existsSync(WIDGET_BUNDLE)) throw new Error(`npm run build did not produce ${WIDGET_BUNDLE}`);
  }
  return WIDGET_BUNDLE;
}
