import type { ModelSource } from '../detect/anomaly.js';
import type { LoadedModel } from './anomaly-model.js';

/**
 * The model the detector uses, swappable while the hub runs. Installing a new model keeps the
 * one it replaces, so a bad model can be rolled back without a download.
 */
export class ModelSlot implements ModelSource {
  private active: LoadedModel | null = null;
  private previous: LoadedModel | null = null;

  /** The model in use, or null (rules only). */
  current(): LoadedModel | null {
    return this.active;
  }

  /** The model kept to fall back to. */
  fallback(): LoadedModel | null {
    return this.previous;
  }

  /** Puts a verified model in use; the one before becomes the fallback, and the older one is freed. */
  async install(model: LoadedModel): Promise<void> {
    const retired = this.previous;
    this.previous = this.active;
    this.active = model;
    if (retired && retired !== model && retired !== this.previous) await retired.release();
  }

  /** Goes back to the fallback model. @returns false (and changes nothing) when there is none. */
  async rollback(): Promise<boolean> {
    if (!this.previous) return false;
    const bad = this.active;
    this.active = this.previous;
    this.previous = null;
    if (bad) await bad.release();
    return true;
  }

  /** Frees both sessions; the slot is empty afterwards. */
  async clear(): Promise<void> {
    const models = [this.active, this.previous];
    this.active = null;
    this.previous = null;
    for (const m of models) await m?.release();
  }
}
