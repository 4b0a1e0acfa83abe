import { useId, type ReactNode } from 'react';

interface FieldProps {
  /** Becomes the control's accessible name, exactly. */
  label: string;
  /** Extra words under the control; linked as its description, not its name. */
  hint?: ReactNode;
  /** Shown after the label, e.g. the current value of a slider. */
  value?: ReactNode;
  problem?: string | null;
  className?: string;
  children: (ids: { id: string; describedBy: string | undefined }) => ReactNode;
}

/** A labelled control with an optional hint and an inline problem message. */
export function Field({ label, hint, value, problem, className, children }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const problemId = `${id}-problem`;
  const describedBy = [hint ? hintId : null, problem ? problemId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field ${className ?? ''}`}>
      <div className="field-label-row">
        <label className="field-label" htmlFor={id}>
          {label}
        </label>
        {value !== undefined && (
          <output htmlFor={id} className="field-value">
            {value}
          </output>
        )}
      </div>
      {children({ id, describedBy })}
      {hint && (
        <span id={hintId} className="field-hint">
          {hint}
        </span>
      )}
      {problem && (
        <span id={problemId} className="field-problem" role="alert">
          {problem}
        </span>
      )}
    </div>
  );
}
