import { echo as echoDef, saga as sagaDef } from '../../examples';
import { toRegistration } from '../../src/sdk/registration';
import type { JobTypeDefinition } from '../../src/model/job-type';
import { Backend, BackendChoice } from '../../src/model/enums';
import { route } from '../../src/router';

/** The registered form of an example type, as the gateway's registry holds it. */
const registered = (def: Parameters<typeof toRegistration>[0]): JobTypeDefinition => ({
  ...toRegistration(def),
  version: 'test',
  registeredAt: new Date(0),
});

describe('route', () => {
  const echo = registered(echoDef);

  it.each([
    [{ estimatedDurationSeconds: 31 }, 'estimatedDurationSeconds 31 > 30'],
    [{ stepCount: 2 }, 'stepCount 2 > 1'],
    [{ requiresCompensation: true }, 'requiresCompensation'],
  ])('sends AUTO %j to TEMPORAL with the rule as the reason', (hints, reason) => {
    expect(route(echo, { backend: BackendChoice.AUTO, ...hints })).toEqual({
      backend: Backend.TEMPORAL,
      reason,
    });
  });

  it("keeps AUTO on the type's default when no rule fires (30 s, one step, no compensation)", () => {
    const hints = {
      backend: BackendChoice.AUTO,
      estimatedDurationSeconds: 30,
      stepCount: 1,
      requiresCompensation: false,
    };
    expect(route(echo, hints)).toEqual({
      backend: Backend.BULLMQ,
      reason: 'default backend of type echo',
    });
  });

  it('sends a workflow-only type to TEMPORAL under AUTO', () => {
    expect(route(registered(sagaDef), {})).toEqual({
      backend: Backend.TEMPORAL,
      reason: 'type saga is a workflow',
    });
  });

  it('lets an explicit backend win over every hint', () => {
    expect(
      route(echo, { backend: BackendChoice.BULLMQ, estimatedDurationSeconds: 3600, stepCount: 5 }),
    ).toEqual({
      backend: Backend.BULLMQ,
      reason: 'backend BULLMQ requested',
    });
    expect(route(echo, { backend: BackendChoice.TEMPORAL })).toEqual({
      backend: Backend.TEMPORAL,
      reason: 'backend TEMPORAL requested',
    });
  });
});
