import type { JobTypeRegistration } from '../model/job-type';
import { DefinitionError } from './definition-error';
import { DEFINITION } from './definition-types';
import type {
  Definition,
  JobDefinition,
  QueueDefinition,
  WorkflowDefinition,
} from './definition-types';
import { definitionVersion, toRegistration } from './registration';
import type { JobScheduleOptions } from './schedule-options';

/** An activity function as workflows call it. */
export type ActivityFunction = (...args: never[]) => Promise<unknown>;

/** What a worker serves, from the definitions of its `--jobs` modules. */
export interface ResolvedDefinitions {
  /** What the worker registers, with each type's version; sorted by name. */
  types: (JobTypeRegistration & { version: string })[];
  /** Processor types by name. */
  jobs: Map<string, JobDefinition>;
  /** Workflow types by name. */
  workflows: Map<string, WorkflowDefinition>;
  /** Queue limits by queue name. */
  queues: Map<string, QueueDefinition>;
  /** The activities of every workflow, merged, by activity name. */
  activities: Record<string, ActivityFunction>;
  /** Schedules declared in defineJob, with their type. */
  schedules: (JobScheduleOptions & { type: string; lane?: 'BULLMQ' | 'TEMPORAL' })[];
}

/** A short description of a value that is not a definition, for the error. */
function describeValue(v: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  return `${typeof v} ${text.length > 60 ? `${text.slice(0, 60)}…` : text}`;
}

/**
 * Checks and indexes a worker's definitions. Throws a DefinitionError naming the type on two
 * definitions with one name, a schema that cannot compile, or one activity name bound to two
 * functions.
 */
export function resolveDefinitions(defs: Definition[]): ResolvedDefinitions {
  const jobs = new Map<string, JobDefinition>();
  const workflows = new Map<string, WorkflowDefinition>();
  const queues = new Map<string, QueueDefinition>();
  const activities: Record<string, ActivityFunction> = {};
  const activityOwner = new Map<string, string>();
  const types: ResolvedDefinitions['types'] = [];
  const schedules: ResolvedDefinitions['schedules'] = [];
  const scheduleOwner = new Map<string, string>();

  for (const def of new Set(defs)) {
    const kind = def?.[DEFINITION];
    if (kind === 'queue') {
      if (queues.has(def.name))
        throw new DefinitionError(def.name, null, 'is defined twice', 'queue');
      queues.set(def.name, def);
      continue;
    }
    if (kind !== 'job' && kind !== 'workflow')
      throw new DefinitionError(
        describeValue(def),
        null,
        'is not a jobgate definition (make it with defineJob, defineQueue or defineWorkflow)',
        'value',
      );
    if (jobs.has(def.name) || workflows.has(def.name))
      throw new DefinitionError(def.name, null, 'is defined twice');
    const declared = (def as JobDefinition | WorkflowDefinition).options.schedules ?? [];
    for (const s of declared) {
      const owner = scheduleOwner.get(s.id);
      if (owner !== undefined)
        throw new DefinitionError(
          def.name,
          'schedules',
          `declares schedule '${s.id}', which '${owner}' declares too`,
        );
      scheduleOwner.set(s.id, def.name);
      // A workflow runs on TEMPORAL only.
      const lane = kind === 'job' ? (def as JobDefinition).options.lane : 'TEMPORAL';
      schedules.push({ ...s, type: def.name, lane });
    }
    if (kind === 'job') {
      jobs.set(def.name, def as JobDefinition);
    } else {
      const wf = def as WorkflowDefinition;
      workflows.set(def.name, wf);
      for (const [name, fn] of Object.entries(wf.options.activities ?? {})) {
        const owner = activityOwner.get(name);
        if (owner !== undefined && activities[name] !== fn)
          throw new DefinitionError(
            def.name,
            `activities.${name}`,
            `is another function than the activity '${name}' of '${owner}'`,
          );
        activities[name] = fn;
        activityOwner.set(name, def.name);
      }
    }
    const reg = toRegistration(def as JobDefinition | WorkflowDefinition);
    types.push({ ...reg, version: definitionVersion(reg) });
  }
  types.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { types, jobs, workflows, queues, activities, schedules };
}
