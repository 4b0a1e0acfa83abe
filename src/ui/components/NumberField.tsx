import { type ReactNode, useEffect, useState } from 'react';
import { type NumberSetting, settingProblem } from '../../worker/settings';
import { setFieldProblem } from '../fieldProblems';
import { Field } from './Field';

interface NumberFieldProps {
  /** "<action>.<setting>": where the field's problem is recorded, so the action that uses it is off while it is invalid. */
  problemKey: string;
  /** The declaration: label, hint and limits (TRAIN_SETTINGS, SAMPLE_SETTINGS, or a config field's). */
  setting: NumberSetting;
  /** The value in use; shown whenever the field is not being edited. */
  value: number;
  /** Called with every value the declaration allows (and `check`, if given, accepts). */
  onValid: (value: number) => void;
  /** A further rule for this use of the setting: a sentence, or null. */
  check?: (value: number) => string | null;
  /** Replaces the declaration's hint. */
  hint?: ReactNode;
  disabled?: boolean;
  className?: string;
}

/**
 * The one number field of the app: a labelled input that passes on only the
 * values its setting's declaration allows, says why otherwise, and records
 * the problem so the action that would use the value stays off.
 */
export function NumberField({ problemKey, setting, value, onValid, check, hint, disabled = false, className }: NumberFieldProps) {
  // The typed text while the field is being edited; null shows `value`.
  const [text, setText] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    setFieldProblem(problemKey, disabled ? null : problem);
  }, [problemKey, problem, disabled]);
  useEffect(() => () => setFieldProblem(problemKey, null), [problemKey]);

  return (
    <Field label={setting.label} hint={hint ?? setting.hint} problem={disabled ? null : problem} className={className}>
      {({ id, describedBy }) => (
        <input
          id={id}
          aria-describedby={describedBy}
          type="number"
          min={setting.min}
          max={setting.max}
          step={setting.step}
          disabled={disabled}
          value={text ?? String(value)}
          aria-invalid={problem !== null && !disabled}
          onChange={(e) => {
            const raw = e.currentTarget.value;
            setText(raw);
            const number = Number(raw);
            const issue =
              raw.trim() === '' || !Number.isFinite(number) ? `${setting.label} needs a number.` : (settingProblem(setting, number) ?? check?.(number) ?? null);
            setProblem(issue);
            if (!issue) onValid(number);
          }}
          // A valid entry shows the value in use from now on; an invalid one stays, with its message.
          onBlur={() => {
            if (problem === null) setText(null);
          }}
        />
      )}
    </Field>
  );
}
