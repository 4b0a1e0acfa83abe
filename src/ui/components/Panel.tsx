import type { ReactNode } from 'react';

interface PanelProps {
  title: string;
  /** One sentence telling a newcomer what this panel is for. */
  intro: ReactNode;
  className?: string;
  children: ReactNode;
}

/** A card with a heading; the heading names the region for screen readers. */
export function Panel({ title, intro, className, children }: PanelProps) {
  return (
    <section className={`panel ${className ?? ''}`} aria-label={title}>
      <header className="panel-header">
        <h2>{title}</h2>
        <p className="panel-intro">{intro}</p>
      </header>
      <div className="panel-body">{children}</div>
    </section>
  );
}
