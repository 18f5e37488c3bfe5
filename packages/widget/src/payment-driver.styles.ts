import { unsafeCSS } from 'lit';

/**
 * Shadow styles of <mesh-pay-button> once a payment is under way, adopted next to the resting styles
 * (`mesh-pay-button.styles.ts`, whose `--_*` defaults they use, adding the paid and failed colours)
 * when the lazily loaded half arrives. (`unsafeCSS` of a constant, as in mesh-pay-button.styles.ts.)
 */
export const paymentDriverStyles = unsafeCSS(`
  :host {
    --_success: #047857;
    --_danger: #b91c1c;
  }
  :host([theme='dark']) {
    --_success: #6ee7b7;
    --_danger: #fca5a5;
  }
  [part~='button'][aria-busy='true'] {
    cursor: progress;
  }
  :host([status='succeeded']) [part~='button'] {
    background: var(--mesh-pay-button-success, var(--_success));
    cursor: default;
  }
  :host([status='error']) [part~='button'],
  :host([status='failed']) [part~='button'] {
    background: var(--mesh-pay-button-danger, var(--_danger));
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
    [part~='spinner'] {
      animation-duration: 2400ms;
    }
  }
  @keyframes spin {
    to {
      transform: rotate(360deg);
    }
  }
  [part~='webview'] {
    display: flex;
    flex-direction: column;
    gap: 0.5em;
  }
  [part~='webview-link'] {
    color: inherit;
    font-weight: var(--mesh-pay-button-font-weight, 600);
  }
  [part~='webview-link']:focus-visible {
    outline: 3px solid var(--mesh-pay-button-focus-ring, var(--_ring));
    outline-offset: 2px;
  }
`);
