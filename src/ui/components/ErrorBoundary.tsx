import { Component, type ErrorInfo, type ReactNode } from 'react';
import { startupFailed } from '../safeStart';
import { CrashFallback } from './CrashFallback';

interface ErrorBoundaryProps {
  /** The panel's name as its heading says it ("Model"), or the app's name for the page's own boundary. */
  name: string;
  /** 'panel' (the default) keeps the rest of the page; 'app' stands in for the whole page. */
  scope?: 'panel' | 'app';
  /** The panel's class, so its fallback keeps the panel's place in the grid. */
  className?: string;
  children: ReactNode;
}

interface ErrorBoundaryState {
  /** What was thrown, in words; null while the children render. */
  crash: string | null;
}

/** The words of anything thrown, whatever it is (a thrown value's own toString may throw too). */
export function crashText(error: unknown): string {
  try {
    const text = error instanceof Error ? error.message || error.name : String(error);
    return text.trim() === '' ? 'an error without a message' : text;
  } catch {
    return 'an error that cannot be described';
  }
}

/**
 * Catches what a panel (or the whole page) throws while rendering, so one
 * broken view never blanks the app: the panel is replaced by CrashFallback,
 * which says what failed and offers export, History, the shipped model and a
 * reload. A crash while the page is starting is remembered, so the next visit
 * starts safely (safeStart.ts).
 */
export class ErrorBoundary extends Component<ErrorBoundaryProps, ErrorBoundaryState> {
  override state: ErrorBoundaryState = { crash: null };

  static getDerivedStateFromError(error: unknown): ErrorBoundaryState {
    return { crash: crashText(error) };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    const where = this.props.scope === 'app' ? 'the page' : `the ${this.props.name} panel`;
    startupFailed(`${where} stopped working: ${crashText(error)}`);
    console.error(`${where} crashed:`, error, info.componentStack);
  }

  /** Renders the children again (the fallback's "Try the panel again", or another model came in). */
  readonly retry = (): void => {
    this.setState({ crash: null });
  };

  override render(): ReactNode {
    const { crash } = this.state;
    if (crash === null) return this.props.children;
    return <CrashFallback name={this.props.name} message={crash} scope={this.props.scope ?? 'panel'} className={this.props.className} onRetry={this.retry} />;
  }
}
