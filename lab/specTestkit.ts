// Test support for the lab file's tests (lab/schema/schema.test.ts, lab/specSafety.test.ts): the LabFileError a
// text is refused with. Not imported by the product.
import { LabFileError, parseLabFile } from './spec';

/** The LabFileError `parseLabFile(text, file)` throws; throws itself if the text is accepted or fails otherwise. */
export function refusal(text: string, file = 'f.yaml'): LabFileError {
  try {
    parseLabFile(text, file);
  } catch (e) {
    if (e instanceof LabFileError) return e;
    throw e;
  }
  throw new Error('the file was accepted');
}
