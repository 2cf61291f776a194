import { useId } from 'react';
import { t } from '../strings';

/** The first visit: what happens next, and example predictions to start from. */
export function Welcome({ onExample, onDismiss }: { onExample: (prompt: string, chance: string) => void; onDismiss: () => void }) {
  const headingId = useId();
  return (
    <section className="welcome" aria-labelledby={headingId}>
      <h3 id={headingId}>{t.welcome.heading}</h3>
      <ol className="welcome-steps">
        {t.welcome.steps.map((step) => (
          <li key={step}>{step}</li>
        ))}
      </ol>
      <p className="welcome-examples-heading">{t.welcome.examplesHeading}</p>
      <ul className="examples">
        {t.welcome.examples.map((example) => (
          <li key={example.prompt}>
            <button
              type="button"
              className="example"
              onClick={() => onExample(example.prompt, example.chance)}
            >
              <span className="example-prompt">{example.prompt}</span> <span className="example-chance">{example.chance}</span>
            </button>
          </li>
        ))}
      </ul>
      <button type="button" className="btn btn-link" onClick={onDismiss}>
        {t.welcome.dismiss}
      </button>
    </section>
  );
}
