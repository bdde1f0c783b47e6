import type { Processor } from '../../../src/catalog/processor';

/** Returns its input. */
export const echo: Processor = async (input) => input;
