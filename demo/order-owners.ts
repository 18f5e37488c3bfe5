/**
 * Which shopper an order belongs to: the one whose session first asked for a payment link for it.
 * Kept in the kit's store (`putOnce`), so the first claim wins across every instance sharing
 * `MESH_STORE`, and anyone else naming the order id is told it does not exist.
 */

export const ORDER_OWNER_COLLECTION = 'order-owner';

/** The part of the kit's store this needs. */
export interface OwnersStore {
  putOnce(collection: string, key: string, value: unknown): Promise<boolean>;
  getRecord(collection: string, key: string): Promise<unknown | undefined>;
}

interface OwnerRecord {
  userId: string;
  claimedAt: string;
}

export function createOrderOwners(store: OwnersStore) {
  async function ownerOf(orderId: string): Promise<string | undefined> {
    const record = (await store.getRecord(ORDER_OWNER_COLLECTION, orderId)) as Partial<OwnerRecord> | undefined;
    return typeof record?.userId === 'string' ? record.userId : undefined;
  }
  return {
    ownerOf,
    /** Claims the order for `userId` unless another shopper has; `true` when it is (now) theirs. */
    async claim(orderId: string, userId: string): Promise<boolean> {
      const record: OwnerRecord = { userId, claimedAt: new Date().toISOString() };
      if (await store.putOnce(ORDER_OWNER_COLLECTION, orderId, record)) return true;
      return (await ownerOf(orderId)) === userId;
    },
    async isOwner(orderId: string, userId: string): Promise<boolean> {
      return (await ownerOf(orderId)) === userId;
    },
  };
}

export type OrderOwners = ReturnType<typeof createOrderOwners>;
