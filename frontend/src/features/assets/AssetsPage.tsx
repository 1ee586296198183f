import { useState } from 'react';
import {
  Card,
  CardBody,
  FormSelect,
  FormSelectOption,
  PageSection,
  SearchInput,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
} from '@patternfly/react-core';
import { useSearchParams } from 'react-router';
import { useTenant } from '../../auth/permissions';
import { EmptyMessage } from '../../components/EmptyMessage';
import { PageHeader, usePageTitle } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { testIds } from '../../testids';
import { useTargets } from '../targets/api';
import { AssetChildren } from './AssetChildren';
import { AssetSearchResults } from './AssetSearchResults';

const T = testIds.assets;

export function AssetsPage() {
  const tenant = useTenant();
  usePageTitle('Assets', tenant.name);
  const targets = useTargets(tenant.slug);
  // Target and search live in the URL, like the findings filters.
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const targetParam = Number(params.get('target')) || undefined;
  const [draft, setDraft] = useState(q);
  const update = (next: { target?: number; q?: string }) => {
    const p = new URLSearchParams();
    const t = 'target' in next ? next.target : targetParam;
    const text = 'q' in next ? next.q : q;
    if (t) p.set('target', String(t));
    if (text) p.set('q', text);
    setParams(p);
  };

  return (
    <div data-testid={T.page}>
      <PageHeader
        title="Assets"
        description="What the last collections saw, as a tree per target. Each count is the open findings on that asset itself, not on its children."
      />
      <PageSection>
        <QueryState query={targets} what="targets">
          {(list) => {
            if (list.length === 0) return <EmptyMessage title="No targets yet" />;
            const target = targetParam ?? (q ? undefined : list[0]?.id);
            return (
              <>
                <Toolbar inset={{ default: 'insetNone' }}>
                  <ToolbarContent>
                    <ToolbarItem>
                      <FormSelect
                        aria-label="Target"
                        value={target ?? ''}
                        onChange={(_e, v) => update({ target: v ? Number(v) : undefined })}
                        data-testid={T.target}
                        className="pal-select"
                      >
                        {q ? <FormSelectOption value="" label="All targets" /> : null}
                        {list.map((t) => (
                          <FormSelectOption key={t.id} value={t.id} label={t.name} />
                        ))}
                      </FormSelect>
                    </ToolbarItem>
                    <ToolbarItem>
                      <SearchInput
                        aria-label="Search assets by name or key"
                        placeholder="Search name or key"
                        value={draft}
                        onChange={(_e, v) => setDraft(v)}
                        onSearch={(_e, v) => update({ q: v.trim() })}
                        onClear={() => {
                          setDraft('');
                          update({ q: '' });
                        }}
                        data-testid={T.search}
                      />
                    </ToolbarItem>
                  </ToolbarContent>
                </Toolbar>
                <Card isCompact>
                  <CardBody data-testid={T.tree}>
                    {q ? (
                      <AssetSearchResults tenant={tenant.slug} target={target} q={q} />
                    ) : target ? (
                      <AssetChildren key={target} tenant={tenant.slug} target={target} parent="" depth={0} />
                    ) : null}
                  </CardBody>
                </Card>
              </>
            );
          }}
        </QueryState>
      </PageSection>
    </div>
  );
}
