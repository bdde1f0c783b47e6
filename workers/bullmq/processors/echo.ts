import type { Processor } from '../../../src/model/processor';

/** Returns its input. */
export const echo: Processor = async (input) => input;
