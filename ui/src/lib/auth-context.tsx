import { createContext, useContext } from 'react';
import type { Connection } from './client';
import type { Principal } from './session';

export interface Auth {
  principal: Principal;
  connection: Connection;
  signOut(): void;
}

export const AuthContext = createContext<Auth | null>(null);

export function useAuth(): Auth {
  const a = useContext(AuthContext);
  if (!a) throw new Error('useAuth outside a signed-in page');
  return a;
}
