// A React 19 checkout page as a merchant writes it: attributes, a property, typed events and a ref.
import type {} from '@mesh-pay/widget/react';
import type { MeshPayButton } from '@mesh-pay/widget';
import { useRef } from 'react';

export function Checkout({ orderId }: { orderId: string }) {
  const button = useRef<MeshPayButton>(null);
  return (
    <mesh-pay-button
      ref={button}
      token-url="/mesh/link-token"
      order-id={orderId}
      theme="dark"
      render-type="embedded"
      disabled={false}
      expose-access-tokens={false}
      userAgent="Mozilla/5.0"
      className="pay"
      onmesh-click={(event) => {
        const id: string | undefined = event.detail.orderId;
        if (!id) event.preventDefault();
      }}
      onmesh-status={(event) => {
        const status: 'pending' | 'succeeded' | 'failed' | string = event.detail.status;
        const tx: string = event.detail.transactionId;
        console.log(tx, status, event.detail.txHash?.toLowerCase());
      }}
      onmesh-error={(event) => console.warn(event.detail.code, event.detail.retryable)}
      onmesh-exit={(event) => console.log(event.detail.error ?? 'closed')}
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
      {/* @ts-expect-error token-url is a string */}
      <mesh-pay-button token-url={42} />
      {/* @ts-expect-error React 18 habits: there is no camelCase onMeshStatus, the event is onmesh-status */}
      <mesh-pay-button token-url="/t" onMeshStatus={() => {}} />
      {/* @ts-expect-error status is read-only: the button alone decides it */}
      <mesh-pay-button token-url="/t" status="succeeded" />
      {/* @ts-expect-error the detail of mesh-status has no "paid" flag */}
      <mesh-pay-button token-url="/t" onmesh-status={(event) => event.detail.paid} />
      {/* @ts-expect-error mesh-click's detail is {orderId}, not a number */}
      <mesh-pay-button token-url="/t" onmesh-click={(event: CustomEvent<number>) => event.detail} />
    </>
  );
}
