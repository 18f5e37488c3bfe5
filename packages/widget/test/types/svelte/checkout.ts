// What svelte-check holds a <mesh-pay-button> in a .svelte file to: SvelteHTMLElements['mesh-pay-button'].
import type {} from '@mesh-pay/widget/svelte';
import type { SvelteHTMLElements } from 'svelte/elements';

type Props = SvelteHTMLElements['mesh-pay-button'];

// <mesh-pay-button token-url="/mesh/link-token" order-id={orderId} onmesh-status={…} on:mesh-error={…} class="pay" />
export const checkout: Props = {
  'token-url': '/mesh/link-token',
  'order-id': 'order-1',
  theme: 'dark',
  class: 'pay',
  'bind:userAgent': 'Mozilla/5.0',
  'onmesh-status': (event) => console.log(event.detail.transactionId, event.detail.status),
  'on:mesh-error': (event) => console.warn(event.detail.code, event.detail.retryable),
};

// @ts-expect-error theme is 'light' | 'dark' | 'system'
export const badTheme: Props = { 'token-url': '/t', theme: 'purple' };
// @ts-expect-error disabled is a boolean
export const badDisabled: Props = { 'token-url': '/t', disabled: 'yes' };
// @ts-expect-error the detail of mesh-status has no "paid" flag
export const badDetail: Props = { 'token-url': '/t', 'onmesh-status': (event) => event.detail.paid };
// @ts-expect-error there is no mesh-paid event
export const badEvent: Props = { 'token-url': '/t', 'onmesh-paid': () => {} };
// @ts-expect-error status is read-only: the button alone decides it
export const badStatus: Props = { 'token-url': '/t', status: 'succeeded' };
