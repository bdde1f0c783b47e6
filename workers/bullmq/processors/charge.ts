import type { Processor } from '../../../src/model/processor';

/** A demo payment: succeeds with the amount charged; never echoes the card token. */
export const charge: Processor<
  { amount: number; cardToken: string },
  { charged: number }
> = async ({ amount }) => ({ charged: amount });
