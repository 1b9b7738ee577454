/** A finding of an analysis: what is wrong, how bad, and where (file, JSON path, line:column). */
export type FindingSeverity = 'error' | 'warning' | 'note';

export interface Finding {
  /** Stable machine code, for example `EMR-S3-FULL-ACCESS`. */
  code: string;
  severity: FindingSeverity;
  message: string;
  file?: string;
  path: string;
  line: number;
  column: number;
}
