import { createContext, useContext } from 'react';

/** Parts of the API the pages may use. */
export interface Capabilities {
  schedules: boolean;
  flows: boolean;
}

/**
 * The dashboard is built and served with its gateway, so the schema it talks to is the one it
 * was built against: schedules and flows are always there. (An introspection probe would hide
 * them wherever introspection is off, which it is in production.)
 */
export async function capabilitiesOf(_key: string): Promise<Capabilities> {
  return { schedules: true, flows: true };
}

export const CapabilitiesContext = createContext<Capabilities>({ schedules: true, flows: true });
export const useCapabilities = (): Capabilities => useContext(CapabilitiesContext);
