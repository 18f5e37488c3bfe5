/** Every failure the button reports carries one of these searchable codes. */
export type MeshPayErrorCode =
  | 'MESH_PAY_TOKEN_REQUEST_FAILED'
  | 'MESH_PAY_LINK_TOKEN_EXPIRED'
  | 'MESH_PAY_LINK_FAILED'
  | 'MESH_PAY_SDK_LOAD_FAILED'
  | 'MESH_PAY_STREAM_FAILED'
  | 'MESH_PAY_NETWORK'
  | 'MESH_PAY_STREAM_EXPIRED'
  | 'MESH_PAY_ORDER_ALREADY_PAID'
  | 'MESH_PAY_INVALID_ATTRIBUTE'
  | 'MESH_PAY_CONFIG_INVALID';

/** What `mesh-error` carries in `detail`. */
export interface MeshPayErrorDetail {
  code: MeshPayErrorCode;
  message: string;
  /** True when pressing Retry (or calling `pay()` again) may succeed. */
  retryable: boolean;
}

/** A typed failure of the payment flow; `code` is stable, `message` is for developers. */
export class MeshPayError extends Error {
  override readonly name = 'MeshPayError';
  readonly code: MeshPayErrorCode;
  readonly retryable: boolean;
  /** HTTP status when the failure came from an HTTP answer. */
  readonly status: number | undefined;

  constructor(code: MeshPayErrorCode, message: string, options: { retryable: boolean; status?: number; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable;
    this.status = options.status;
  }

  toDetail(): MeshPayErrorDetail {
    return { code: this.code, message: this.message, retryable: this.retryable };
  }
}

/** Wraps anything thrown into a MeshPayError so the element only ever reports typed errors. */
export function toMeshPayError(err: unknown, fallback: MeshPayErrorCode): MeshPayError {
  if (err instanceof MeshPayError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new MeshPayError(fallback, message, { retryable: true, cause: err });
}
