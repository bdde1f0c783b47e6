import { createContext, useContext } from 'react';
import { probe } from './client';

/** Parts of the API this gateway has (schedules and flows came in later versions). */
export interface Capabilities {
  schedules: boolean;
  flows: boolean;
}

const PROBE = `{ schedule: __type(name: "Schedule") { name } job: __type(name: "Job") { fields { name } } }`;

/** Asks the schema (introspection) which optional parts it has; none when it cannot tell. */
export async function capabilitiesOf(key: string): Promise<Capabilities> {
  const r = await probe<{
    schedule: { name: string } | null;
    job: { fields: { name: string }[] } | null;
  }>(key, PROBE).catch(() => ({ data: undefined }));
  const jobFields = new Set(r.data?.job?.fields.map((f) => f.name) ?? []);
  return {
    schedules: !!r.data?.schedule,
    flows: jobFields.has('parent') && jobFields.has('children'),
  };
}

export const CapabilitiesContext = createContext<Capabilities>({ schedules: false, flows: false });
export const useCapabilities = (): Capabilities => useContext(CapabilitiesContext);
