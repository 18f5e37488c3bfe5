/**
 * How big the scale stories run. `SCALE=long` gives the full figures (run locally, numbers
 * go to RESULTS.md); the default short form is what `npm test` runs on a 2-core CI machine in well
 * under three minutes.
 */
export const LONG = process.env.SCALE === 'long';

export interface ScaleProfile {
  name: 'short' | 'long';
  /** Transfers in the duplicate storm (each delivered 5× plus a second EventId). */
  transfers: number;
  /** Demo instances sharing one Redis in the storm. */
  instances: number;
  /** Webhook requests in flight at once during the storm. */
  inFlight: number;
  /** Concurrent SSE streams on one instance. */
  streams: number;
  /** fast-check runs per forgery property. */
  forgeryRuns: number;
}

export const profile: ScaleProfile = LONG
  ? { name: 'long', transfers: 1000, instances: 3, inFlight: 32, streams: 2000, forgeryRuns: 400 }
  : { name: 'short', transfers: 200, instances: 2, inFlight: 32, streams: 300, forgeryRuns: 60 };

/** Deadlines grow with the work, so the long form is not failed by a deadline sized for the short one. */
export const scaleFactor = LONG ? 5 : 1;
