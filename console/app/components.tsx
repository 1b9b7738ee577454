/** Shared pieces of the pages: headings that take focus, errors, tables, policy documents, fields. */
import type { ComponentChildren, InputHTMLAttributes } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { ApiError } from './api.ts';
import { pretty } from './api.ts';
import type { Loaded } from './hooks.ts';

/** The page's title; focused when the page opens so that keyboard and screen-reader users start there. */
export function PageTitle({ children }: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}

export function ErrorBox({ error }: { error: ApiError }) {
  const denied = error.code === 'AccessDenied';
  return (
    <div class={denied ? 'error denied' : 'error'} role="alert">
      <strong>{denied ? 'Not authorized' : error.code}</strong>: {error.message}
      {error.details.length > 0 && (
        <ul class="problems" aria-label="Problems">
          {error.details.map((d, i) => (
            <li key={i} data-line={d.line}>
              {d.line !== undefined ? `${d.line}:${d.column ?? 1} ` : ''}
              {d.path !== undefined ? <code>{d.path}</code> : null} {d.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Shows loading, the error, or the children built from the data. */
export function Show<T>({ state, children }: { state: Loaded<T>; children: (data: T) => ComponentChildren }) {
  if (state.error !== undefined) return <ErrorBox error={state.error} />;
  if (state.loading || state.data === undefined) {
    return (
      <p class="loading" aria-live="polite">
        Loading…
      </p>
    );
  }
  return <>{children(state.data)}</>;
}

/** A table with a column head; the body rows are the caller's (with their own classes and data). */
export function HeadTable({
  label,
  head,
  class: className,
  children,
}: {
  label: string;
  head: readonly string[];
  class?: string;
  children: ComponentChildren;
}) {
  return (
    <table aria-label={label} {...(className !== undefined ? { class: className } : {})}>
      <thead>
        <tr>
          {head.map((h) => (
            <th scope="col" key={h}>
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}

export function Table({
  label,
  head,
  rows,
  empty = 'None.',
}: {
  label: string;
  head: string[];
  rows: ComponentChildren[][];
  empty?: string;
}) {
  if (rows.length === 0) return <p class="empty">{empty}</p>;
  return (
    <HeadTable label={label} head={head}>
      {rows.map((r, i) => (
        <tr key={i}>
          {r.map((c, j) => (
            <td key={j}>{c}</td>
          ))}
        </tr>
      ))}
    </HeadTable>
  );
}

export function PolicyDocument({ label, text }: { label: string; text: string }) {
  return (
    <figure class="policy">
      <figcaption>{label}</figcaption>
      <pre tabIndex={0} aria-label={label}>
        {pretty(text)}
      </pre>
    </figure>
  );
}

export function Tags({
  tags,
}: {
  tags: { Key?: unknown; Value?: unknown; key?: unknown; value?: unknown }[];
}) {
  if (tags.length === 0) return <p class="empty">No tags.</p>;
  return (
    <ul class="tags" aria-label="Tags">
      {tags.map((t, i) => (
        <li key={i}>
          <code>
            {String(t.Key ?? t.key)}={String(t.Value ?? t.value)}
          </code>
        </li>
      ))}
    </ul>
  );
}

/** The suggestions an input offers (`<input list=ID>`). */
export function Options({ id, values }: { id: string; values: readonly string[] }) {
  return (
    <datalist id={id}>
      {values.map((v) => (
        <option value={v} key={v} />
      ))}
    </datalist>
  );
}

/** A labelled input; every form field of the console is one of these (or a labelled select/textarea). */
export function Field({
  id,
  label,
  value,
  onInput,
  type = 'text',
  list,
  placeholder,
  required,
  autoComplete = 'off',
}: {
  id: string;
  label: string;
  value: string;
  onInput: (v: string) => void;
  type?: 'text' | 'password';
  list?: string;
  placeholder?: string;
  required?: boolean;
  autoComplete?: string;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        {...({
          id,
          name: id,
          type,
          value,
          ...(list !== undefined ? { list } : {}),
          ...(placeholder !== undefined ? { placeholder } : {}),
          ...(required === true ? { required } : {}),
          autoComplete,
          spellcheck: false,
        } as InputHTMLAttributes<HTMLInputElement>)}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
    </div>
  );
}

export function Select({
  id,
  label,
  value,
  options,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  options: readonly (readonly [string, string])[];
  onChange: (v: string) => void;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} name={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {options.map(([v, text]) => (
          <option value={v} key={v}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}
