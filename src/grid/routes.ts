import { z } from 'zod';
import { describes } from '../http/answers.js';
import type { Route } from '../http/api-registry.js';
import { CELL_STATES, type GridView } from './grid-view.js';
import type { GridService } from './service.js';

const window = z.strictObject({ target: z.string(), from: z.string(), to: z.string() }).nullable();
const gridAnswer = describes<GridView>()(
  z.strictObject({
    participantId: z.string(),
    subjectId: z.string(),
    reference: z.string(),
    scheduleVersion: z.number().int(),
    events: z.array(
      z.strictObject({
        oid: z.string(),
        name: z.string(),
        kind: z.string(),
        window,
        cells: z.array(
          z.strictObject({
            form: z.string(),
            state: z.enum(CELL_STATES),
            recordId: z.string().nullable(),
            visit: z.string(),
          }),
        ),
      }),
    ),
    unscheduled: z.array(z.strictObject({ recordId: z.string(), form: z.string(), visit: z.string() })),
  }),
);

export function registerGridRoutes(route: Route, { grid }: { readonly grid: GridService }): void {
  route(
    {
      method: 'GET',
      url: '/api/v1/participants/:id/grid',
      summary: "The participant's event grid (events x forms, with each cell's state)",
      tag: 'schedule',
      auth: 'actor',
      params: z.object({ id: z.string().min(1).max(64) }),
      response: gridAnswer,
    },
    ({ actor, params }) => grid.grid(actor, params.id),
  );
}
