import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { useSession } from '../auth/session';
import { LoadingState } from '../components/LoadingState';
import { NoTenantPage } from './NoTenantPage';
import { NotFoundPage } from './NotFoundPage';
import { RequirePermission } from './RequirePermission';
import { TenantLayout } from './TenantLayout';
import { tenantPath } from './navigation';

// Each view is its own chunk, fetched on first visit, so the entry stays small.
const DashboardPage = lazy(() => import('../features/dashboard/DashboardPage').then((m) => ({ default: m.DashboardPage })));
const FindingsPage = lazy(() => import('../features/findings/FindingsPage').then((m) => ({ default: m.FindingsPage })));
const FindingDetailPage = lazy(() => import('../features/findings/FindingDetailPage').then((m) => ({ default: m.FindingDetailPage })));
const CsaPage = lazy(() => import('../features/csa/CsaPage').then((m) => ({ default: m.CsaPage })));
const AssetsPage = lazy(() => import('../features/assets/AssetsPage').then((m) => ({ default: m.AssetsPage })));
const ImagesPage = lazy(() => import('../features/images/ImagesPage').then((m) => ({ default: m.ImagesPage })));
const ImageDetailPage = lazy(() => import('../features/images/ImageDetailPage').then((m) => ({ default: m.ImageDetailPage })));
const VulnerabilitiesPage = lazy(() =>
  import('../features/vulnerabilities/VulnerabilitiesPage').then((m) => ({ default: m.VulnerabilitiesPage })),
);
const VulnerabilityDetailPage = lazy(() =>
  import('../features/vulnerabilities/VulnerabilityDetailPage').then((m) => ({ default: m.VulnerabilityDetailPage })),
);
const TrustPolicyPage = lazy(() => import('../features/trust/TrustPolicyPage').then((m) => ({ default: m.TrustPolicyPage })));
const TargetsPage = lazy(() => import('../features/targets/TargetsPage').then((m) => ({ default: m.TargetsPage })));
const ExceptionsPage = lazy(() => import('../features/exceptions/ExceptionsPage').then((m) => ({ default: m.ExceptionsPage })));
const DriftPage = lazy(() => import('../features/drift/DriftPage').then((m) => ({ default: m.DriftPage })));
const TicketsPage = lazy(() => import('../features/tickets/TicketsPage').then((m) => ({ default: m.TicketsPage })));
const TicketDetailPage = lazy(() => import('../features/tickets/TicketDetailPage').then((m) => ({ default: m.TicketDetailPage })));
const AlertsPage = lazy(() => import('../features/alerts/AlertsPage').then((m) => ({ default: m.AlertsPage })));
const AuditPage = lazy(() => import('../features/audit/AuditPage').then((m) => ({ default: m.AuditPage })));
const SettingsPage = lazy(() => import('../features/settings/SettingsPage').then((m) => ({ default: m.SettingsPage })));

function RootRedirect() {
  const session = useSession();
  const first = session.tenants[0];
  if (!first) return <NoTenantPage />;
  return <Navigate to={tenantPath(first.slug)} replace />;
}

export function AppRoutes() {
  return (
    <Routes>
      <Route index element={<RootRedirect />} />
      <Route path="t/:tenant" element={<TenantLayout />}>
        <Route index element={<Lazy page={<DashboardPage />} />} />
        <Route path="findings" element={<Lazy page={<FindingsPage />} />} />
        <Route path="findings/:id" element={<Lazy page={<FindingDetailPage />} />} />
        <Route path="csa" element={<Lazy page={<CsaPage />} />} />
        <Route path="assets" element={<Lazy page={<AssetsPage />} />} />
        <Route path="images" element={<Lazy page={<ImagesPage />} />} />
        <Route path="images/:digest" element={<Lazy page={<ImageDetailPage />} />} />
        <Route path="vulnerabilities" element={<Lazy page={<VulnerabilitiesPage />} />} />
        <Route path="vulnerabilities/:id" element={<Lazy page={<VulnerabilityDetailPage />} />} />
        <Route path="trust-policy" element={<Lazy page={<TrustPolicyPage />} />} />
        <Route path="targets" element={<Lazy page={<TargetsPage />} />} />
        <Route path="exceptions" element={<Lazy page={<ExceptionsPage />} />} />
        <Route path="drift" element={<Lazy page={<DriftPage />} />} />
        <Route path="tickets" element={<Lazy page={<TicketsPage />} />} />
        <Route path="tickets/:id" element={<Lazy page={<TicketDetailPage />} />} />
        <Route path="alerts" element={<Lazy page={<AlertsPage />} />} />
        <Route
          path="audit"
          element={
            <RequirePermission perm="audit.read" what="the audit log">
              <Lazy page={<AuditPage />} />
            </RequirePermission>
          }
        />
        <Route
          path="settings"
          element={
            <RequirePermission perm="admin.read" what="access settings">
              <Lazy page={<SettingsPage />} />
            </RequirePermission>
          }
        />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
      <Route path="*" element={<NotFoundPage />} />
    </Routes>
  );
}

function Lazy({ page }: { page: React.ReactNode }) {
  return <Suspense fallback={<LoadingState label="Loading view" />}>{page}</Suspense>;
}
