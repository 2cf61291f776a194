import { useId, useState } from 'react';
import { t } from '../strings';

const TAG = /^[\p{L}\p{N}_-]{1,40}$/u;

/** A tag as stored: trimmed, lower case, `#` dropped. */
export function normaliseTag(text: string): string {
  return text.trim().replace(/^#/, '').toLowerCase();
}

/**
 * A call's tags, inline: each removable, and a small field to add one (Enter adds it). `onChange`
 * gets the new list and resolves true when the server took it.
 */
export function Tags({
  tags,
  statement,
  onChange,
  onPick,
  busy = false,
}: {
  tags: string[];
  /** The call's statement, to name the controls ("Add a tag to …"). */
  statement: string;
  onChange?: (tags: string[]) => Promise<boolean>;
  /** A tag was chosen (e.g. filter the list by it). */
  onPick?: (tag: string) => void;
  busy?: boolean;
}) {
  const [adding, setAdding] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const inputId = useId();
  const problemId = useId();

  const add = async () => {
    const tag = normaliseTag(adding);
    if (!tag) return;
    if (!TAG.test(tag)) {
      setProblem(t.tags.invalid);
      return;
    }
    setProblem(null);
    if (tags.includes(tag)) {
      setAdding('');
      return;
    }
    if (onChange && (await onChange([...tags, tag]))) setAdding('');
  };

  return (
    <div className="tags">
      <ul className="tag-list" aria-label={t.tags.label}>
        {tags.map((tag) => (
          <li key={tag} className="tag">
            {onPick ? (
              <button type="button" className="tag-name" onClick={() => onPick(tag)} aria-label={t.tags.filterBy(tag)}>
                #{tag}
              </button>
            ) : (
              <span className="tag-name">#{tag}</span>
            )}
            {onChange && (
              <button
                type="button"
                className="tag-remove"
                aria-label={t.tags.remove(tag)}
                aria-disabled={busy}
                onClick={() => !busy && void onChange(tags.filter((other) => other !== tag))}
              >
                ×
              </button>
            )}
          </li>
        ))}
      </ul>
      {onChange && (
        <span className="tag-add">
          <label htmlFor={inputId} className="sr-only">
            {t.tags.addTo(statement)}
          </label>
          <input
            id={inputId}
            className="form-control tag-input"
            placeholder={`+ ${t.tags.placeholder}`}
            value={adding}
            maxLength={41}
            autoComplete="off"
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? problemId : undefined}
            onChange={(event) => setAdding(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' || event.key === ',') {
                event.preventDefault();
                if (!busy) void add();
              }
            }}
          />
        </span>
      )}
      {problem && (
        <p id={problemId} className="hint hint-error" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
