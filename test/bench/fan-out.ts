import { NotMeasuredError, type Section } from './report.js';

export async function measure(): Promise<Section> {
  throw new NotMeasuredError('the benchmark is not written yet');
}
