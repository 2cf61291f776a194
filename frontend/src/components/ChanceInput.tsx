import { useId, type KeyboardEvent } from 'react';
import { chanceText, parseChance, stepChance } from '../probability';
import { t } from '../strings';

/**
 * The user's chance that a call comes true, typed as they would write it (70, 70%, 0.7, 3:1, 1 in 4);
 * ArrowUp / ArrowDown step it by 5 points. Shows what it read ("= 75%") so there is no surprise.
 */
export function ChanceInput({
  value,
  onChange,
  label = t.capture.chanceLabel,
  id,
  inputRef,
  showHint = true,
}: {
  value: string;
  onChange: (value: string) => void;
  label?: string;
  id?: string;
  inputRef?: React.Ref<HTMLInputElement>;
  showHint?: boolean;
}) {
  const ownId = useId();
  const inputId = id ?? ownId;
  const hintId = useId();
  const readId = useId();
  const parsed = parseChance(value);
  const invalid = parsed.kind === 'invalid';
  // Worth saying only when the typed form is not already the percentage.
  const echo = parsed.kind === 'ok' && value.trim() !== chanceText(parsed.value) && value.trim() !== chanceText(parsed.value).slice(0, -1);

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') return;
    event.preventDefault();
    onChange(chanceText(stepChance(parsed, event.key === 'ArrowUp' ? 1 : -1)));
  };

  return (
    <div className="chance">
      <label htmlFor={inputId}>{label}</label>
      <div className="chance-row">
        <input
          id={inputId}
          ref={inputRef}
          className="form-control chance-input"
          inputMode="decimal"
          autoComplete="off"
          spellCheck={false}
          placeholder={t.capture.chancePlaceholder}
          value={value}
          aria-invalid={invalid || undefined}
          aria-describedby={[showHint || invalid ? hintId : '', echo ? readId : ''].filter(Boolean).join(' ') || undefined}
          onChange={(event) => onChange(event.target.value)}
          onKeyDown={onKeyDown}
        />
        {echo && parsed.kind === 'ok' && (
          <output id={readId} className="chance-read" htmlFor={inputId}>
            {t.capture.chanceIs(chanceText(parsed.value))}
          </output>
        )}
      </div>
      {(showHint || invalid) && (
        <p id={hintId} className={invalid ? 'hint hint-error' : 'hint'}>
          {invalid ? t.capture.chanceInvalid : t.capture.chanceHint}
        </p>
      )}
    </div>
  );
}
