import { css } from 'lit';

/**
 * Shadow styles of <mesh-pay-button> at rest. Every visual decision is a `--mesh-pay-button-*`
 * property; the `--_*` ones are only our defaults, which the themes swap. The looks of a payment
 * under way (spinner, paid, failed, the in-app-browser view) come with the lazily loaded half:
 * `payment-driver.styles.ts`.
 */
export const meshPayButtonStyles = css`
  :host {
    --_bg: #111827;
    --_fg: #fff;
    --_bg-hover: #1f2937;
    --_ring: #2563eb;
    --_success: #047857;
    --_danger: #b91c1c;
    display: inline-block;
    position: relative;
  }
  :host([theme='dark']) {
    --_bg: #f9fafb;
    --_fg: #111827;
    --_bg-hover: #e5e7eb;
    --_ring: #93c5fd;
    --_success: #6ee7b7;
    --_danger: #fca5a5;
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
    transition: background-color 120ms ease;
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
  @media (prefers-reduced-motion: reduce) {
    [part~='button'] {
      transition: none;
    }
  }
  .visually-hidden {
    position: absolute;
    inline-size: 1px;
    block-size: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
  ::slotted([slot='hint']) {
    display: none;
  }
`;
