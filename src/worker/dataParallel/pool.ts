/**
 * The engine's gradient helpers: started on demand, rebuilt when the model
 * changes, and dropped (with a notice) when one dies. A helper that dies is
 * not restarted: training carries on with the rest until the user picks a
 * number of cores again.
 */
import type { PixelCNNConfig } from '../../model/config';
import type { PixelCNN } from '../../model/network';
import type { ChannelHelper } from './channelHelper';
import { sameConfig } from './sameConfig';

/** Starts helper number `index` (1-based; the engine is core 0). */
export type StartHelper = (index: number) => ChannelHelper;

interface Member {
  helper: ChannelHelper;
  /** The config the helper's model was built for, once `init` succeeded. */
  config: PixelCNNConfig | null;
}

export class HelperPool {
  private members: Member[] = [];
  private wanted = 0;
  /** Helpers that died since the count was last chosen; they are not replaced. */
  private lost = 0;
  private started = 0;

  /** `report` hears, in a sentence, about every helper that is lost. */
  constructor(
    private readonly start: StartHelper,
    private readonly report: (message: string) => void,
  ) {}

  /** How many helpers to use. Choosing a new number forgets the helpers lost before. */
  setCount(count: number): void {
    if (count === this.wanted) return;
    this.wanted = count;
    this.lost = 0;
  }

  /** Helpers in use now. */
  get size(): number {
    return this.members.length;
  }

  /** The number asked for, less those lost since. */
  get target(): number {
    return Math.max(0, this.wanted - this.lost);
  }

  /** The helpers, each holding a model built like `model`; starts, rebuilds or stops helpers as needed. */
  async ready(model: PixelCNN): Promise<ChannelHelper[]> {
    while (this.members.length > this.target) await this.members.pop()!.helper.close();
    while (this.members.length < this.target) this.members.push({ helper: this.start(++this.started), config: null });
    const stale = this.members.filter((m) => !m.config || !sameConfig(m.config, model.config));
    await Promise.all(
      stale.map(async (member) => {
        try {
          await member.helper.init(model.config);
          member.config = { ...model.config };
        } catch (error) {
          await this.drop(member.helper, error);
        }
      }),
    );
    return this.members.map((m) => m.helper);
  }

  /** Stops using `helper` after it failed, and says so. */
  async drop(helper: ChannelHelper, error: unknown): Promise<void> {
    const index = this.members.findIndex((m) => m.helper === helper);
    if (index < 0) return;
    this.members.splice(index, 1);
    this.lost++;
    const reason = error instanceof Error ? error.message : String(error);
    const cores = this.members.length + 1;
    this.report(`A training helper stopped (${reason}). Training carries on with ${cores} core${cores === 1 ? '' : 's'}.`);
    await Promise.resolve(helper.close()).catch(() => undefined);
  }

  async close(): Promise<void> {
    const members = this.members;
    this.members = [];
    await Promise.all(members.map((m) => m.helper.close().catch(() => undefined)));
  }
}
