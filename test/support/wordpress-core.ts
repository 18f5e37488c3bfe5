import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import extractZip from 'extract-zip';

/**
 * The WordPress releases the plugin is tested on, and where each one's files come from with no
 * internet: Debian's `wordpress` package (6.1, the oldest the plugin supports, without the
 * script-module API) and WordPress Playground's builds from the npm registry (6.5, the first with
 * `wp_register_script_module`). Each is served the same way (its own MariaDB, `php -S`), so a story
 * meets the same site whichever release it runs on.
 */
export interface WordPressCore {
  /** `major.minor`, as users name a release. */
  version: string;
  /** Where its files come from, for test names and errors. */
  source: string;
  /** Whether this release has `wp_register_script_module` / `wp_enqueue_script_module` (6.5+). */
  scriptModules: boolean;
  /** Why this release cannot be laid out here, or undefined when it can. */
  missing(): string | undefined;
  /** Lays the release's files (core and its default theme, no wp-config.php) into `root`. */
  lay(root: string): Promise<void>;
}

const DEBIAN_WORDPRESS = '/usr/share/wordpress';

const debian61: WordPressCore = {
  version: '6.1',
  source: "Debian's wordpress package",
  scriptModules: false,
  missing() {
    for (const [what, path] of [
      ['wordpress', join(DEBIAN_WORDPRESS, 'wp-settings.php')],
      ['twentytwentythree theme', join(DEBIAN_WORDPRESS, 'wp-content/themes/twentytwentythree/style.css')],
    ] as const) {
      if (!existsSync(path)) return `${what} is not installed (${path}); .ci/run installs it`;
    }
    return undefined;
  },
  async lay(root) {
    // Debian's tree is symlinks into /usr/share and /etc; the copy must stand on its own.
    cpSync(`${DEBIAN_WORDPRESS}/`, root, { recursive: true, dereference: true });
    // Debian's wp-config.php looks in /etc/wordpress; the site writes its own.
    rmSync(join(root, 'wp-config.php'), { force: true });
  },
};

/**
 * Playground's build of a release (`@wp-playground/wordpress-builds`, a devDependency of this
 * workspace): the zip holds WordPress's PHP (whitespace-stripped by `php -w`, `set_time_limit`
 * calls removed: same code paths) and the files PHP reads; the other static files (the editor's
 * scripts, styles, images, the default theme's fonts) sit beside it in `public/wp-<version>/`. The
 * zip also carries a pre-installed SQLite database for Playground's in-browser PHP, which a site on
 * MariaDB neither needs nor should serve.
 */
function playground(version: string): WordPressCore {
  const packageDir = (): string | undefined => {
    try {
      return dirname(createRequire(import.meta.url).resolve('@wp-playground/wordpress-builds/package.json'));
    } catch {
      return undefined;
    }
  };
  const files = (dir: string) => ({
    zip: join(dir, `src/wordpress/wp-${version}.zip`),
    statics: join(dir, `public/wp-${version}`),
  });
  return {
    version,
    source: "Playground's build in @wp-playground/wordpress-builds",
    scriptModules: true,
    missing() {
      const dir = packageDir();
      if (!dir) return '@wp-playground/wordpress-builds is not installed (npm ci in the repository installs it)';
      for (const path of Object.values(files(dir))) if (!existsSync(path)) return `${path} is missing from @wp-playground/wordpress-builds`;
      return undefined;
    },
    async lay(root) {
      const dir = packageDir();
      if (!dir) throw new Error(this.missing());
      const { zip, statics } = files(dir);
      await extractZip(zip, { dir: root });
      // The default theme is the one the installer activates; the zip has only its PHP half.
      const theme = readFileSync(join(root, '.default_theme'), 'utf8').trim();
      for (const part of ['wp-admin', 'wp-includes', `wp-content/themes/${theme}`]) {
        cpSync(join(statics, part), join(root, part), { recursive: true });
      }
      for (const playgroundOnly of ['wp-content/database', 'wp-config.php', '.default_theme', 'wordpress-remote-asset-paths']) {
        rmSync(join(root, playgroundOnly), { recursive: true, force: true });
      }
    },
  };
}

/** Oldest first: the plugin's minimum, then the first release with script modules. */
export const WORDPRESS_CORES: readonly WordPressCore[] = [debian61, playground('6.5')];
