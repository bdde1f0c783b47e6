import type { Principal } from '../../../src/client/documents';

export type { Principal } from '../../../src/client/documents';

/** The signed-in key lives in this tab's sessionStorage only: never in a URL or a cookie. */
const KEY = 'jobgate.apiKey';

export type Role = Principal['role'];

export const storedKey = (): string | null => sessionStorage.getItem(KEY);
export const storeKey = (key: string): void => sessionStorage.setItem(KEY, key);
export const forgetKey = (): void => sessionStorage.removeItem(KEY);

/** Roles that may cancel, retry, signal, submit. */
export const canOperate = (p: Principal): boolean => p.role === 'OPERATOR' || p.role === 'ADMIN';
export const isAdmin = (p: Principal): boolean => p.role === 'ADMIN';
