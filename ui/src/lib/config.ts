/** What the gateway writes into the page (src/server/dashboard.ts): no key, no data. */
export interface PageConfig {
  graphqlPath: string;
  temporalUiUrl: string | null;
  temporalNamespace: string;
  boardPath: string;
}

const fallback: PageConfig = {
  graphqlPath: '/graphql',
  temporalUiUrl: null,
  temporalNamespace: 'default',
  boardPath: '/admin/queues',
};

export const pageConfig: PageConfig = (() => {
  const el = document.getElementById('jobgate-config');
  if (!el?.textContent) return fallback;
  return { ...fallback, ...(JSON.parse(el.textContent) as Partial<PageConfig>) };
})();
