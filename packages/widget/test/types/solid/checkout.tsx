// A Solid checkout: attributes as attributes, prop: for properties, on: for the custom events.
import type {} from '@mesh-pay/widget/solid';

export function Checkout(props: { orderId: string }) {
  return (
    <mesh-pay-button
      token-url="/mesh/link-token"
      order-id={props.orderId}
      theme="light"
      prop:userAgent="Mozilla/5.0"
      on:mesh-status={(event) => console.log(event.detail.transactionId, event.detail.status)}
      on:mesh-error={(event) => console.warn(event.detail.code)}
    />
  );
}

export function Mistakes() {
  return (
    <>
      {/* @ts-expect-error theme is 'light' | 'dark' | 'system' */}
      <mesh-pay-button token-url="/t" theme="purple" />
      {/* @ts-expect-error disabled is a boolean */}
      <mesh-pay-button token-url="/t" disabled="yes" />
      {/* @ts-expect-error the detail of mesh-status has no "paid" flag */}
      <mesh-pay-button token-url="/t" on:mesh-status={(event) => event.detail.paid} />
      {/* @ts-expect-error mesh-error's code is a MESH_PAY_… string, not a number */}
      <mesh-pay-button token-url="/t" on:mesh-error={(event) => event.detail.code.toFixed()} />
    </>
  );
}
