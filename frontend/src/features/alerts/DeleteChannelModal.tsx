import { Alert } from '@patternfly/react-core';
import { isApiError } from '../../api/errors';
import type { AlertRule, Channel } from '../../api/types';
import { ConfirmModal } from '../../components/ConfirmModal';
import { testIds } from '../../testids';
import { useDeleteChannel } from './api';

const T = testIds.alerts;

const rulesText = (n: number) => (n === 0 ? 'rules' : `${n} rule${n === 1 ? '' : 's'}`);

/**
 * Asks before deleting a channel. While rules route to it the server refuses (409, naming them); the modal then
 * shows that answer and offers to delete the channel with its rules.
 */
export function DeleteChannelModal({
  tenant,
  channel,
  rules,
  onClose,
}: {
  tenant: string;
  channel: Channel;
  rules: AlertRule[] | undefined;
  onClose: () => void;
}) {
  const remove = useDeleteChannel(tenant);
  const inUse = isApiError(remove.error) && remove.error.status === 409 ? remove.error : undefined;
  const routed = rules?.filter((r) => r.channel_id === channel.id).length ?? 0;
  const close = () => {
    remove.reset();
    onClose();
  };
  return (
    <ConfirmModal
      isOpen
      title={`Delete ${channel.name}?`}
      confirmLabel={inUse ? `Delete with its ${rulesText(routed)}` : 'Delete channel'}
      isPending={remove.isPending}
      error={inUse ? undefined : remove.error}
      onClose={close}
      onConfirm={() => remove.mutate({ id: channel.id, force: !!inUse }, { onSuccess: close })}
    >
      <p>
        This deletes the channel with its queued and past deliveries; their history cannot be recovered. Alerts already raised stay in the
        drift history.
      </p>
      {inUse && (
        <Alert variant="warning" isInline title="Rules route to this channel" data-testid={T.channelDeleteInUse}>
          <p>{inUse.message}</p>
          <p data-testid={T.channelDeleteForce}>
            Delete the channel with its {rulesText(routed)} below, or cancel and route the rules to another channel first.
          </p>
        </Alert>
      )}
    </ConfirmModal>
  );
}
