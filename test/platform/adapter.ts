// oidc-provider storage for one platform: unbounded, in memory, enumerable (so test hooks can revoke by person).
import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  model: string;
  id: string;
  payload: AdapterPayload;
  /** ms epoch after which the entry is dropped (a minute after its expiry, so that "expired" stays distinguishable). */
  dropAt: number;
}

const GRACE_MS = 60_000;
const GRANT_BOUND = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

export class PlatformStore {
  readonly #entries = new Map<string, Entry>();
  readonly #byUid = new Map<string, string>();
  readonly #byUserCode = new Map<string, string>();

  adapterFor = (model: string): Adapter => new StoreAdapter(model, this);

  get(model: string, id: string): AdapterPayload | undefined {
    const key = `${model}:${id}`;
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (Date.now() > entry.dropAt) {
      this.delete(model, id);
      return undefined;
    }
    return entry.payload;
  }

  set(model: string, id: string, payload: AdapterPayload, expiresIn?: number): void {
    this.delete(model, id);
    const dropAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 + GRACE_MS : Number.POSITIVE_INFINITY;
    this.#entries.set(`${model}:${id}`, { model, id, payload: structuredClone(payload), dropAt });
    if (model === 'Session' && payload.uid) this.#byUid.set(payload.uid, id);
    if (payload.userCode) this.#byUserCode.set(payload.userCode, id);
  }

  delete(model: string, id: string): void {
    const key = `${model}:${id}`;
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    if (entry.payload.uid && this.#byUid.get(entry.payload.uid) === id) this.#byUid.delete(entry.payload.uid);
    if (entry.payload.userCode && this.#byUserCode.get(entry.payload.userCode) === id) this.#byUserCode.delete(entry.payload.userCode);
  }

  idByUid(uid: string): string | undefined {
    return this.#byUid.get(uid);
  }

  idByUserCode(userCode: string): string | undefined {
    return this.#byUserCode.get(userCode);
  }

  /** Entries matching a predicate (a snapshot, safe to delete from while iterating). */
  select(predicate: (model: string, payload: AdapterPayload) => boolean): Array<{ model: string; id: string }> {
    return [...this.#entries.values()].filter((e) => predicate(e.model, e.payload)).map(({ model, id }) => ({ model, id }));
  }

  revokeGrant(grantId: string): void {
    for (const { model, id } of this.select((m, p) => GRANT_BOUND.has(m) && p.grantId === grantId)) this.delete(model, id);
  }
}

class StoreAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly store: PlatformStore,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    this.store.set(this.model, id, payload, expiresIn);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const payload = this.store.get(this.model, id);
    return payload && structuredClone(payload);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = this.store.idByUid(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = this.store.idByUserCode(userCode);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id: string): Promise<void> {
    const payload = this.store.get(this.model, id);
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.store.delete(this.model, id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    this.store.revokeGrant(grantId);
  }
}
