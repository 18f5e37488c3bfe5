import { css } from 'lit';

/** Shadow styles of <mesh-pay-button>; every visual decision is a `--mesh-pay-button-*` property. */
export const meshPayButtonStyles = css`
  :host {
    --_bg: var(--mesh-pay-button-background, #111827);
    --_fg: var(--mesh-pay-button-color, #ffffff);
    --_bg-hover: var(--mesh-pay-button-background-hover, #1f2937);
    --_border: var(--mesh-pay-button-border, none);
    --_radius: var(--mesh-pay-button-radius, 10px);
    --_pad: var(--mesh-pay-button-padding, 0.75em 1.25em);
    --_font: var(--mesh-pay-button-font, inherit);
    --_weight: var(--mesh-pay-button-font-weight, 600);
    --_ring: var(--mesh-pay-button-focus-ring, #2563eb);
    --_success: var(--mesh-pay-button-success, #047857);
    --_danger: var(--mesh-pay-button-danger, #b91c1c);
    --_min-h: var(--mesh-pay-button-min-height, 44px);
    display: inline-block;
    position: relative;
  }
  :host([hidden]) {
    display: none;
  }
  :host([theme='dark']) {
    --_bg: var(--mesh-pay-button-background, #f9fafb);
    --_fg: var(--mesh-pay-button-color, #111827);
    --_bg-hover: var(--mesh-pay-button-background-hover, #e5e7eb);
    --_ring: var(--mesh-pay-button-focus-ring, #93c5fd);
    --_success: var(--mesh-pay-button-success, #6ee7b7);
    --_danger: var(--mesh-pay-button-danger, #fca5a5);
  }
  @media (prefers-color-scheme: dark) {
    :host([theme='system']) {
      --_bg: var(--mesh-pay-button-background, #f9fafb);
      --_fg: var(--mesh-pay-button-color, #111827);
      --_bg-hover: var(--mesh-pay-button-background-hover, #e5e7eb);
      --_ring: var(--mesh-pay-button-focus-ring, #93c5fd);
    }
  }
  [part~='button'] {
    all: unset;
    box-sizing: border-box;
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 0.5em;
    inline-size: 100%;
    min-block-size: var(--_min-h);
    padding: var(--_pad);
    border: var(--_border);
    border-radius: var(--_radius);
    background: var(--_bg);
    color: var(--_fg);
    font: var(--_font);
    font-weight: var(--_weight);
    line-height: 1.2;
    cursor: pointer;
    transition: background-color 120ms ease;
  }
  [part~='button']:hover:not([disabled]):not([aria-disabled='true']) {
    background: var(--_bg-hover);
  }
  [part~='button']:focus-visible {
    outline: 3px solid var(--_ring);
    outline-offset: 2px;
  }
  [part~='button'][disabled] {
    opacity: 0.5;
    cursor: not-allowed;
  }
  [part~='button'][aria-busy='true'] {
    cursor: progress;
  }
  :host([status='succeeded']) [part~='button'] {
    background: var(--_success);
    cursor: default;
  }
  :host([status='error']) [part~='button'],
  :host([status='failed']) [part~='button'] {
    background: var(--_danger);
  }
  [part~='spinner'] {
    inline-size: 1em;
    block-size: 1em;
    border: 2px solid currentColor;
    border-inline-end-color: transparent;
    border-radius: 50%;
    animation: spin 800ms linear infinite;
  }
  @media (prefers-reduced-motion: reduce) {
    [part~='button'] {
      transition: none;
    }
    [part~='spinner'] {
      animation-duration: 2400ms;
    }
  }
  @keyframes spin {
    to {
      transform: rotate(360deg);
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
  [part~='webview'] {
    display: flex;
    flex-direction: column;
    gap: 0.5em;
  }
  [part~='webview-link'] {
    color: inherit;
    font-weight: var(--_weight);
  }
  [part~='webview-link']:focus-visible {
    outline: 3px solid var(--_ring);
    outline-offset: 2px;
  }
  ::slotted([slot='hint']) {
    display: none;
  }
`;
