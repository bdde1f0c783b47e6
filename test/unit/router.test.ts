import { catalog } from '../../src/catalog/catalog';
import { Backend, BackendChoice } from '../../src/model/enums';
import { route } from '../../src/router';

describe('route', () => {
  const echo = catalog.echo;

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
    expect(route(catalog.saga, {})).toEqual({
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
