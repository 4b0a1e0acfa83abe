interface ErrorAlertProps {
  message: string | null | undefined;
  onDismiss?: () => void;
}

/** An error next to the control that caused it; announced as soon as it appears. */
export function ErrorAlert({ message, onDismiss }: ErrorAlertProps) {
  if (!message) return null;
  return (
    <div className="alert" role="alert">
      <span className="alert-text">{message}</span>
      {onDismiss && (
        <button type="button" className="link-button" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}
