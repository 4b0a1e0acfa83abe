import { type ModelMeta, type PixelCNN, type PixelCNNConfig, type SavedModel, cardFacts, modelFromSaved } from '../../model';
import { isModelCard, stepsBeyondCard } from '../../model/card';
import { guidanceUnavailable, modelGuidance } from '../../model/guidance';
import { defaultClassNames } from '../conditioning';
import { maskPicture } from '../maskPicture';
import type { MaskPicture, ModelOrigin, ModelSummary, TrainSettings } from '../protocol';
import { Trainer } from '../trainer';

/**
 * The model slot: the model in use and what goes with its weights (the
 * trainer and its step count, where the weights came from, the card, a
 * conditional model's class names, the default guidance weight). A model
 * comes in one way, `install`, which also resets what the rest of the
 * engine knew about the weights before (ModelSlotDeps.installed).
 */
export interface ModelSlotDeps {
  /** The settings a new model's trainer starts with. */
  trainSettings(): TrainSettings;
  /** The training data's class names, or null when it has none (a new model takes them when they fit). */
  dataClassNames(): readonly string[] | null;
  /** After every install: what was measured or kept of the weights before no longer holds. */
  installed(config: PixelCNNConfig): void;
}

export class ModelSlot {
  private current: PixelCNN | null = null;
  private currentTrainer: Trainer | null = null;
  private currentOrigin: ModelOrigin = 'new';
  private currentCard: Record<string, unknown> = {};
  /** The weight the model samples with unless a request says otherwise (meta.guidance; 1 for a model that cannot be guided). */
  private currentGuidance = 1;
  /** A conditional model's class names in label order, kept with its weights (meta.classNames). */
  private names: string[] = [];
  /** The model's masks never change, so their picture is read back once per model. */
  private masks: Promise<MaskPicture> | null = null;

  constructor(private readonly deps: ModelSlotDeps) {}

  /** The model, or null before the first is installed. */
  get model(): PixelCNN | null {
    return this.current;
  }

  get trainer(): Trainer | null {
    return this.currentTrainer;
  }

  /** Optimizer steps taken on the current weights, across sessions. */
  get steps(): number {
    return this.currentTrainer?.steps ?? 0;
  }

  get origin(): ModelOrigin {
    return this.currentOrigin;
  }

  get guidance(): number {
    return this.currentGuidance;
  }

  /** The class names in label order: a new array whenever they change. */
  get classNames(): string[] {
    return this.names;
  }

  require(): PixelCNN {
    if (!this.current) throw new Error('The engine is still starting; try again in a moment.');
    return this.current;
  }

  /**
   * Puts `model` in the slot with the facts recorded beside its weights (a
   * model already in the slot, whose weights were just loaded, stays).
   * `facts.classNames`: the model's own (from its file); a new model takes
   * the dataset's when they fit.
   */
  install(model: PixelCNN, origin: ModelOrigin, facts: RecordedFacts): void {
    const { steps, card, classNames, guidance } = facts;
    this.currentTrainer?.dispose();
    if (model !== this.current) {
      this.current?.dispose();
      this.current = model;
      this.masks = maskPicture(model);
    }
    this.currentOrigin = origin;
    this.currentCard = card;
    this.currentGuidance = guidance;
    this.names = classNames ?? this.fittingClassNames(model.config.classes) ?? defaultClassNames(model.config.classes);
    this.currentTrainer = new Trainer(model, this.deps.trainSettings(), steps);
    this.deps.installed(model.config);
  }

  /** Puts a saved model in the slot: `origin`, or as its file says it came (restoredOrigin). */
  installSaved(saved: SavedModel, origin: ModelOrigin = restoredOrigin(saved.meta)): void {
    this.install(modelFromSaved(saved), origin, factsOf(saved));
  }

  /** Takes the training data's class names when they fit the model and differ; true when they did. */
  adoptDataClassNames(): boolean {
    const names = this.fittingClassNames(this.require().config.classes);
    if (!names || names.join('\u0000') === this.names.join('\u0000')) return false;
    this.names = names;
    return true;
  }

  /** A class label's name. */
  className(label: number): string {
    return this.names[label] ?? String(label);
  }

  /** True for a shipped model as it was shipped: the History can always go back to it, so it needs no checkpoint. */
  untouchedShippedModel(): boolean {
    return this.currentOrigin === 'pretrained' && isModelCard(this.currentCard) && stepsBeyondCard(this.steps, this.currentCard) === 0;
  }

  /** What is recorded with the weights: steps, origin, card, a conditional model's class names, and a guidable model's default guidance. */
  meta(extra: Pick<ModelMeta, 'savedAt' | 'exportedAt'>): ModelMeta {
    const { config } = this.require();
    const classNames = config.classes > 0 ? { classNames: this.names } : {};
    const guidance = guidanceUnavailable(config) === null ? { guidance: this.currentGuidance } : {};
    return { steps: this.steps, origin: this.currentOrigin, card: this.currentCard, ...classNames, ...guidance, ...extra };
  }

  /** The model as the page shows it (the `model` event). */
  async summary(): Promise<ModelSummary> {
    const model = this.require();
    return {
      config: { ...model.config },
      parameterCount: model.parameterCount(),
      origin: this.currentOrigin,
      steps: this.steps,
      masks: await this.masks!,
      card: this.currentCard,
      classNames: model.config.classes > 0 ? [...this.names] : [],
      guidance: this.currentGuidance,
      guidanceUnavailable: guidanceUnavailable(model.config),
    };
  }

  /** The training data's class names when there are exactly `classes` of them, else null. */
  private fittingClassNames(classes: number): string[] | null {
    const names = this.deps.dataClassNames();
    return classes > 0 && names && names.length === classes ? [...names] : null;
  }
}

/** What the slot keeps of a model file's meta (ModelMeta, read by parseSavedModel): its steps, card, class names and default guidance. */
export interface RecordedFacts {
  steps: number;
  card: Record<string, unknown>;
  /** The model's own class names; absent when it has none (a new model), and it takes the dataset's when they fit. */
  classNames?: string[];
  guidance: number;
}

export function factsOf(saved: SavedModel): RecordedFacts {
  const { meta, config } = saved;
  return {
    steps: meta.steps ?? 0,
    card: cardFacts(meta),
    classNames: meta.classNames ?? defaultClassNames(config.classes),
    guidance: modelGuidance(config, meta.guidance),
  };
}

/** A new model's facts: no steps or card; it records the app's default guidance when it can be guided. */
export function newModelFacts(config: PixelCNNConfig): RecordedFacts {
  return { steps: 0, card: {}, guidance: modelGuidance(config, undefined) };
}

/** Where a model read back from a file of this app came from: the shipped model stays 'pretrained', any other is 'restored'. */
export function restoredOrigin(meta: ModelMeta): ModelOrigin {
  return meta.origin === 'pretrained' ? 'pretrained' : 'restored';
}
