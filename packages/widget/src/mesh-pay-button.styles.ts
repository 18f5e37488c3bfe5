import { unsafeCSS } from 'lit';

/**
 * Shadow styles of <mesh-pay-button> at rest. Every visual decision is a `--mesh-pay-button-*`
 * property; the `--_*` ones are only our defaults, which the themes swap. The looks of a payment
 * under way (spinner, paid and failed colours, the in-app-browser view) come with the lazily loaded half:
 * `payment-driver.styles.ts`.
 *
 * `unsafeCSS` of a constant literal rather than Lit's `css` tag: the tag only adds a check on
 * interpolated values (there are none) and its error message, ~150 B gzip of the entry's 8 KB. The
 * build minifies the literal (vite.config.ts).
 */
export const meshPayButtonStyles = unsafeCSS(`
  :host {
    --_bg: #111827;
    --_fg: #fff;
    --_bg-hover: #1f2937;
    --_ring: #2563eb;
    display: inline-block;
    position: relative;
  }
  :host([theme='dark']) {
    --_bg: #f9fafb;
    --_fg: #111827;
    --_bg-hover: #e5e7eb;
    --_ring: #93c5fd;
  }
  @media (prefers-color-scheme: dark) {
    :host([theme='system']) {
      --_bg: #f9fafb;
      --_fg: #111827;
      --_bg-hover: #e5e7eb;
      --_ring: #93c5fd;
    }
  }
  :host([hidden]) {
    display: none;
  }
  [part~='button'] {
    all: unset;
    box-sizing: border-box;
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 0.5em;
    inline-size: 100%;
    min-block-size: var(--mesh-pay-button-min-height, 44px);
    padding: var(--mesh-pay-button-padding, 0.75em 1.25em);
    border: var(--mesh-pay-button-border, none);
    border-radius: var(--mesh-pay-button-radius, 10px);
    background: var(--mesh-pay-button-background, var(--_bg));
    color: var(--mesh-pay-button-color, var(--_fg));
    font: var(--mesh-pay-button-font, inherit);
    font-weight: var(--mesh-pay-button-font-weight, 600);
    line-height: 1.2;
    cursor: pointer;
  }
  [part~='button']:hover:not([disabled]):not([aria-disabled='true']) {
    background: var(--mesh-pay-button-background-hover, var(--_bg-hover));
  }
  [part~='button']:focus-visible {
    outline: 3px solid var(--mesh-pay-button-focus-ring, var(--_ring));
    outline-offset: 2px;
  }
  [part~='button'][disabled] {
    opacity: 0.5;
    cursor: not-allowed;
  }
  @media (prefers-reduced-motion: no-preference) {
    [part~='button'] {
      transition: background-color 120ms ease;
    }
  }
  /* Visually hidden, still read: the live region announcing the status. */
  [part~='status'] {
    position: absolute;
    inline-size: 1px;
    block-size: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
  ::slotted([slot='hint']) {
    display: none;
  }
`);
