import { QueryClient, QueryClientProvider, useQuery, useQueryClient } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { OwnPassword } from './admin/own-password.js';
import { AdminPage } from './admin-page.js';
import { api } from './api.js';
import { DesignerPage } from './designer/designer-page.js';
import { forgetBrowserSession } from './entry/draft-store.js';
import { ExportPage, ExportStudies } from './export/export-page.js';
import { MainNav } from './layout/main-nav.js';
import { SessionWatch } from './layout/session-watch.js';
import { LedgerPage } from './ledger-page.js';
import { Login } from './login.js';
import { NewRecordPage } from './new-record.js';
import { RecordPage, Studies, StudyPage } from './pages.js';
import { EnrolmentPage } from './participants/enrolment-page.js';
import { ParticipantPage } from './participants/participant-page.js';
import { useRoute } from './router.js';
import { ScheduleEditor } from './schedule/schedule-editor.js';
import { SecurityPage } from './security-page.js';
import { StudySetupPage } from './studies/setup-page.js';
import './styles.css';
import type { Me } from '../access/access-view.js';

function App() {
  const client = useQueryClient();
  const me = useQuery({ queryKey: ['me'], queryFn: () => api<Me>('GET', '/api/v1/auth/me'), retry: false });
  const route = useRoute();
  if (me.isPending) return <p>Loading…</p>;
  if (me.isError)
    return (
      <Login
        onSignedIn={() => {
          forgetBrowserSession();
          return client.invalidateQueries();
        }}
      />
    );
  const [section, id] = route;
  const signOut = async () => {
    await api('POST', '/api/v1/auth/logout', {}).catch(() => undefined);
    forgetBrowserSession();
    client.clear();
    await client.invalidateQueries();
    window.location.hash = '';
  };
  return (
    <>
      <header>
        <a href="#/" className="brand">
          TrialVault
        </a>
        <MainNav />
        <span className="who">
          {me.data.user?.name} (
          {[...new Set(me.data.roles?.map((r) => r.role.replace(/_/g, ' ')))].join(', ')})
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <SessionWatch />
      <main>
        {section === 'studies' && id !== undefined ? (
          <StudyPage studyId={id} />
        ) : section === 'participants' && id !== undefined ? (
          <ParticipantPage participantId={id} />
        ) : section === 'records' && id !== undefined ? (
          <RecordPage recordId={id} />
        ) : section === 'new' && id !== undefined && route[2] !== undefined && route[3] !== undefined ? (
          <NewRecordPage
            participantId={id}
            form={decodeURIComponent(route[2])}
            visit={decodeURIComponent(route[3])}
          />
        ) : section === 'designer' && id !== undefined ? (
          <DesignerPage studyId={id} formOid={route[2]} />
        ) : section === 'schedule' && id !== undefined ? (
          <ScheduleEditor studyId={id} />
        ) : section === 'admin' ? (
          <AdminPage />
        ) : section === 'account' ? (
          <OwnPassword />
        ) : section === 'security' ? (
          <SecurityPage />
        ) : section === 'enrolment' && id !== undefined ? (
          <EnrolmentPage studyId={id} />
        ) : section === 'setup' ? (
          <StudySetupPage selected={id === undefined ? undefined : decodeURIComponent(id)} />
        ) : section === 'exports' ? (
          id === undefined ? (
            <ExportStudies />
          ) : (
            <ExportPage studyId={id} />
          )
        ) : section === 'ledger' ? (
          <LedgerPage />
        ) : (
          <Studies />
        )}
      </main>
    </>
  );
}

const root = document.getElementById('root');
if (root !== null) {
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { staleTime: 10_000 } } })}>
        <App />
      </QueryClientProvider>
    </StrictMode>,
  );
}
