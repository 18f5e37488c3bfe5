// A Preact checkout: Preact sets properties on custom elements and adds listeners for on<event> props.
import type {} from '@mesh-pay/widget/preact';

export function Checkout({ orderId }: { orderId: string }) {
  return (
    <mesh-pay-button
      token-url="/mesh/link-token"
      order-id={orderId}
      theme="system"
      userAgent="Mozilla/5.0"
      onmesh-status={(event) => console.log(event.detail.transactionId, event.detail.status)}
      onmesh-click={(event) => event.detail.orderId ?? event.preventDefault()}
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
      {/* @ts-expect-error there is no camelCase onMeshStatus */}
      <mesh-pay-button token-url="/t" onMeshStatus={() => {}} />
      {/* @ts-expect-error the detail of mesh-status has no "paid" flag */}
      <mesh-pay-button token-url="/t" onmesh-status={(event) => event.detail.paid} />
    </>
  );
}
