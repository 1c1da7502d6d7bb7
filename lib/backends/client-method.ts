/**
 * A method of any signature, as the public client types name the members of a backend's client.
 * Client libraries type their methods differently from one version to the next; naming a member
 * is enough to tell their clients from other values, and every function fits this type.
 *
 * @example
 * ```ts
 * import type { ClientMethod } from 'sherlock-rx';
 *
 * interface Pingable { readonly ping: ClientMethod }
 * const client: Pingable = { ping: async (message: string) => message };
 * ```
 */
export type ClientMethod = (...args: never[]) => unknown;
