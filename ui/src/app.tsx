import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { Provider } from 'urql';
import { Link, Route, Router, Switch, useLocation } from 'wouter';
import { ME } from '../../src/client/documents';
import { AuthContext } from './lib/auth-context';
import type { Auth } from './lib/auth-context';
import { connect, probe } from './lib/client';
import { pageConfig } from './lib/config';
import { forgetKey, isAdmin, storedKey, storeKey } from './lib/session';
import type { Principal } from './lib/session';
import { SignIn } from './pages/sign-in';
import { Runs } from './pages/runs';
import { RunDetail } from './pages/run-detail';
import { DeadLetters } from './pages/dead-letters';
import { Queues } from './pages/queues';
import { Workers } from './pages/workers';

// Pages with heavy libraries (JSON Schema forms, graphs) load when first opened.
const JobTypes = lazy(() => import('./pages/job-types').then((m) => ({ default: m.JobTypes })));
const Schedules = lazy(() => import('./pages/schedules').then((m) => ({ default: m.Schedules })));

/** Opens (ADMIN) or ends Bull Board's session cookie; the key travels in a header only. */
async function boardSession(key: string | null): Promise<void> {
  await fetch(`${pageConfig.boardPath}/session`, {
    method: key ? 'POST' : 'DELETE',
    headers: key ? { authorization: `Bearer ${key}` } : {},
    credentials: 'same-origin',
  }).catch(() => undefined);
}

function Nav({ principal, onSignOut }: { principal: Principal; onSignOut(): void }) {
  const [loc] = useLocation();
  const item = (href: string, label: string) => (
    <Link href={href} className={loc === href || loc.startsWith(`${href}/`) ? 'active' : ''}>
      {label}
    </Link>
  );
  return (
    <nav className="nav">
      <strong className="brand">jobgate</strong>
      {item('/runs', 'Runs')}
      {item('/dead-letters', 'Dead letters')}
      {item('/queues', 'Queues')}
      {item('/schedules', 'Schedules')}
      {item('/job-types', 'Job types')}
      {isAdmin(principal) && item('/workers', 'Workers')}
      {isAdmin(principal) && (
        <a href={pageConfig.boardPath} target="_blank" rel="noreferrer">
          Bull Board
        </a>
      )}
      <span className="spacer" />
      <span className="who" data-testid="who">
        {principal.tenant} · {principal.role}
      </span>
      <button type="button" onClick={onSignOut}>
        Sign out
      </button>
    </nav>
  );
}

export function App() {
  const [principal, setPrincipal] = useState<Principal | null>(null);
  const [key, setKey] = useState<string | null>(() => storedKey());
  const [checking, setChecking] = useState<boolean>(() => !!storedKey());
  const connection = useMemo(() => (key && principal ? connect(key) : null), [key, principal]);
  useEffect(() => () => connection?.dispose(), [connection]);

  // A key kept in this tab from before: check it again.
  useEffect(() => {
    const k = storedKey();
    if (!k) return;
    void probe<{ me: Principal }>(k, ME).then((r) => {
      if (r.data) {
        setPrincipal(r.data.me);
      } else {
        forgetKey();
        setKey(null);
      }
      setChecking(false);
    });
  }, []);

  const signIn = useCallback(async (k: string): Promise<string | null> => {
    const r = await probe<{ me: Principal }>(k, ME);
    if (!r.data) return r.error ?? 'sign-in failed';
    storeKey(k);
    if (r.data.me.role === 'ADMIN') await boardSession(k);
    setKey(k);
    setPrincipal(r.data.me);
    return null;
  }, []);

  const signOut = useCallback(() => {
    forgetKey();
    void boardSession(null);
    setKey(null);
    setPrincipal(null);
  }, []);

  const auth: Auth | null = useMemo(
    () => (principal && connection ? { principal, connection, signOut } : null),
    [principal, connection, signOut],
  );

  if (checking) return <p className="muted pad">Checking the key…</p>;
  return (
    <Router base="/ui">
      {!auth ? (
        <SignIn onSignIn={signIn} />
      ) : (
        <AuthContext.Provider value={auth}>
          <Provider value={auth.connection.urql}>
            <Nav principal={auth.principal} onSignOut={signOut} />
            <main className="main">
              <Suspense fallback={<p className="muted">Loading…</p>}>
                <Switch>
                  <Route path="/runs/:id" component={RunDetail} />
                  <Route path="/runs" component={Runs} />
                  <Route path="/dead-letters" component={DeadLetters} />
                  <Route path="/queues" component={Queues} />
                  <Route path="/job-types" component={JobTypes} />
                  <Route path="/job-types/:name" component={JobTypes} />
                  <Route path="/workers" component={Workers} />
                  <Route path="/schedules" component={Schedules} />
                  <Route>
                    <Runs />
                  </Route>
                </Switch>
              </Suspense>
            </main>
          </Provider>
        </AuthContext.Provider>
      )}
    </Router>
  );
}
