import { create } from 'zustand';

/**
 * What is wrong with each number field the user is editing, keyed by
 * "<action>.<setting>" (e.g. "training.batchSize"), so the buttons that would
 * use a field are off while it is invalid and can say why.
 */
export const useFieldProblems = create<{ problems: Record<string, string> }>(() => ({ problems: {} }));

export function setFieldProblem(key: string, problem: string | null): void {
  useFieldProblems.setState((s) => {
    if ((s.problems[key] ?? null) === problem) return s;
    const problems = { ...s.problems };
    if (problem === null) delete problems[key];
    else problems[key] = problem;
    return { problems };
  });
}

/** The first problem of a field of `action` ("training", "sampling", "model"), or null. */
export function actionProblem(problems: Record<string, string>, action: string): string | null {
  const key = Object.keys(problems).find((k) => k.startsWith(`${action}.`));
  return key ? problems[key] : null;
}

/** For a component: the first problem blocking `action`, or null. */
export function useActionProblem(action: string): string | null {
  return useFieldProblems((s) => actionProblem(s.problems, action));
}
