interface InlineConfirmProps {
  question: string;
  confirmLabel: string;
  cancelLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}

/** Asks before something destructive, in place rather than in a modal dialog. */
export function InlineConfirm({ question, confirmLabel, cancelLabel, onConfirm, onCancel }: InlineConfirmProps) {
  return (
    <div className="confirm" role="group" aria-label="Confirm">
      <p>{question}</p>
      <div className="button-row">
        <button type="button" className="danger" onClick={onConfirm}>
          {confirmLabel}
        </button>
        <button type="button" onClick={onCancel}>
          {cancelLabel}
        </button>
      </div>
    </div>
  );
}
