import { useState } from 'react';
import type { StoredCall } from '../api/types';
import { chanceText, type ParsedChance } from '../probability';
import { useCallChanges, useServices } from '../queries';
import { ApiError } from '../services/http';
import { t } from '../strings';
import type { CallContent } from '../types/protocol';

/** "Log call": store the call (`POST /api/calls`) with the chance typed above it. */
export function LogCall({
  call,
  chance,
  onLogged,
}: {
  call: CallContent;
  chance: ParsedChance;
  onLogged: (call: StoredCall) => void;
}) {
  const { calls } = useServices();
  const changes = useCallChanges();
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const invalid = chance.kind === 'invalid';

  const log = async () => {
    if (saving || invalid) return;
    setSaving(true);
    setProblem(null);
    try {
      const stored = await calls.create(call, chance.kind === 'ok' ? chance.value : undefined);
      changes.listChanged();
      onLogged(stored);
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : t.errors.generic);
      setSaving(false);
    }
  };

  return (
    <div className="log-call">
      {chance.kind === 'empty' && <p className="hint">{t.log.noChance}</p>}
      <button type="button" className="btn btn-success" aria-disabled={saving || invalid} onClick={() => void log()}>
        {saving ? t.log.logging : chance.kind === 'ok' ? t.log.buttonWithChance(chanceText(chance.value)) : t.log.button}
      </button>
      {problem && (
        <p className="notice notice-error" role="alert">
          {t.log.failed(problem)}
        </p>
      )}
    </div>
  );
}
