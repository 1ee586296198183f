import { useState } from 'react';
import { Button, Spinner } from '@patternfly/react-core';
import AngleDownIcon from '@patternfly/react-icons/dist/esm/icons/angle-down-icon';
import AngleRightIcon from '@patternfly/react-icons/dist/esm/icons/angle-right-icon';
import type { Asset } from '../../api/types';
import { InlineError } from '../../components/InlineError';
import { testIds } from '../../testids';
import { useAssets } from './api';
import { AssetRow } from './AssetRow';

const T = testIds.assets;

/** Kinds that never have children in the inventory: no expand button. */
const LEAF_KINDS = new Set<Asset['kind']>(['container', 'node', 'rbac', 'service', 'ingress', 'storageclass', 'image']);

/** One level of the tree, fetched when its parent is expanded (a disclosure list, not role=tree). */
export function AssetChildren({ tenant, target, parent, depth }: { tenant: string; target: number; parent: string; depth: number }) {
  const level = useAssets(tenant, { target, parent });
  if (level.isPending) return <Spinner size="md" aria-label="Loading assets" />;
  if (level.isError) return <InlineError error={level.error} title="Could not load assets" />;
  const items = level.data.pages.flatMap((p) => p.items);
  if (items.length === 0)
    return <div className="pal-muted pal-small">{depth === 0 ? 'No assets collected for this target yet.' : 'No child assets.'}</div>;
  return (
    <>
      <ul className="pal-tree" aria-label={depth === 0 ? 'Assets' : undefined}>
        {items.map((a) => (
          <AssetNode key={a.id} tenant={tenant} target={target} asset={a} depth={depth} />
        ))}
      </ul>
      {level.hasNextPage && (
        <Button
          variant="link"
          size="sm"
          onClick={() => void level.fetchNextPage()}
          isLoading={level.isFetchingNextPage}
          data-testid={T.loadMore}
        >
          Load more
        </Button>
      )}
    </>
  );
}

function AssetNode({ tenant, target, asset, depth }: { tenant: string; target: number; asset: Asset; depth: number }) {
  const [open, setOpen] = useState(false);
  const leaf = LEAF_KINDS.has(asset.kind);
  return (
    <li data-testid={T.node(asset.id)}>
      <div className="pal-tree-row">
        {leaf ? (
          <span className="pal-tree-spacer" />
        ) : (
          <Button
            variant="plain"
            size="sm"
            aria-expanded={open}
            aria-label={`${open ? 'Collapse' : 'Expand'} ${asset.kind} ${asset.name}`}
            onClick={() => setOpen((o) => !o)}
            data-testid={T.toggle(asset.id)}
            icon={open ? <AngleDownIcon /> : <AngleRightIcon />}
          />
        )}
        <AssetRow tenant={tenant} asset={asset} />
      </div>
      {open && (
        <div className="pal-tree-children">
          <AssetChildren tenant={tenant} target={target} parent={asset.key} depth={depth + 1} />
        </div>
      )}
    </li>
  );
}
