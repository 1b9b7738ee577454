/**
 * The policy editor: a document checked as you type by the server's validation (what `rolecall validate`
 * reports: the parser's issues, Access Analyzer's checks and the EMR pack), each finding listed at its line:column and marked in the line gutter; choosing a
 * finding moves the caret there.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { call } from './api.ts';
import { ErrorBox, PageTitle, Select } from './components.tsx';
import { asApiError } from './hooks.ts';
import type { ApiError } from './api.ts';

interface Finding {
  code: string;
  /** Access Analyzer's finding type: ERROR, SECURITY_WARNING, WARNING, SUGGESTION. */
  type: string;
  severity: string;
  link?: string;
  message: string;
  path: string;
  line: number;
  column: number;
}

const KINDS = [
  ['identity', 'Identity-based policy'],
  ['trust', 'Role trust policy'],
  ['resource', 'Resource-based policy'],
  ['boundary', 'Permissions boundary'],
  ['session', 'Session policy'],
  ['scp', 'Service control policy'],
  ['rcp', 'Resource control policy'],
] as const;

const START = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::my-bucket/*"
    }
  ]
}
`;

/** Character offset of a 1-based line:column in `text`. */
function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) return text.length;
    offset = nl + 1;
  }
  return Math.min(text.length, offset + column - 1);
}

export function PolicyEditor() {
  const [text, setText] = useState(START);
  const [kind, setKind] = useState('identity');
  const [findings, setFindings] = useState<Finding[] | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      call<{ findings: Finding[] }>('console', 'ValidatePolicy', {
        PolicyDocument: text,
        PolicyType: kind,
      }).then(
        (r) => {
          if (!live) return;
          setError(undefined);
          setFindings(r.findings);
        },
        (e: unknown) => live && setError(asApiError(e)),
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [text, kind]);

  const lines = text.split('\n').length;
  const marked = new Map<number, Finding>();
  for (const f of findings ?? []) if (!marked.has(f.line)) marked.set(f.line, f);

  const goTo = (f: Finding) => {
    const el = area.current;
    if (el === null) return;
    const at = offsetOf(text, f.line, f.column);
    el.focus();
    el.setSelectionRange(at, at);
  };

  return (
    <section>
      <PageTitle>Policy editor</PageTitle>
      <Select id="editor-kind" label="Policy type" value={kind} options={KINDS} onChange={setKind} />
      <div class="editor">
        <div class="gutter" ref={gutter} aria-hidden="true">
          {Array.from({ length: lines }, (_, i) => (
            <div
              key={i}
              class={marked.has(i + 1) ? `line-no marked ${marked.get(i + 1)?.severity ?? ''}` : 'line-no'}
            >
              {i + 1}
            </div>
          ))}
        </div>
        <div class="field editor-field">
          <label for="editor-text">Policy document</label>
          <textarea
            id="editor-text"
            ref={area}
            rows={Math.max(16, lines + 1)}
            spellcheck={false}
            value={text}
            aria-describedby="editor-status"
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </div>
      </div>
      <p id="editor-status" aria-live="polite" class="status">
        {findings === undefined
          ? 'Checking…'
          : findings.length === 0
            ? 'No findings.'
            : `${findings.length} finding(s).`}
      </p>
      {error !== undefined && <ErrorBox error={error} />}
      {findings !== undefined && findings.length > 0 && (
        <ul class="findings" aria-label="Findings">
          {findings.map((f, i) => (
            <li
              key={i}
              class={`finding ${f.severity}`}
              data-code={f.code}
              data-line={f.line}
              data-column={f.column}
            >
              <button type="button" onClick={() => goTo(f)}>
                {f.line}:{f.column}
              </button>{' '}
              <span class="severity">{f.type}</span> <code>{f.code}</code> {f.message}
              {f.link !== undefined && (
                <>
                  {' '}
                  <a href={f.link} rel="noreferrer">
                    about {f.code}
                  </a>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
