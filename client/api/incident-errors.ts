import { TextFieldError } from '../../core/shared/free-text';
import { IncidentClosedError, IncidentNotFoundError, IncidentRejectedError } from '../incidents';
import { HttpError } from './http';

/** Runs a change to an incident, answering its refusals as HTTP: unknown 404, closed 409, refused 403, bad text 422. */
export async function answeringRefusals<T>(change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (err) {
    if (err instanceof IncidentNotFoundError) throw new HttpError(404, err.message);
    if (err instanceof IncidentClosedError) throw new HttpError(409, err.message);
    if (err instanceof IncidentRejectedError) throw new HttpError(403, err.message);
    if (err instanceof TextFieldError) throw new HttpError(422, err.message, { field: err.field });
    throw err;
  }
}
