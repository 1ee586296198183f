import type { ReactNode } from 'react';
import { Button, Modal, ModalBody, ModalFooter, ModalHeader } from '@patternfly/react-core';
import { testIds } from '../testids';
import { InlineError } from './InlineError';

/** Asks before an action that cannot be undone. */
export function ConfirmModal({
  title,
  children,
  confirmLabel,
  isOpen,
  isPending,
  error,
  onConfirm,
  onClose,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  isOpen: boolean;
  isPending?: boolean;
  error?: unknown;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Modal variant="small" isOpen={isOpen} onClose={onClose} aria-labelledby="confirm-title" data-testid={testIds.confirm.modal}>
      <ModalHeader title={title} labelId="confirm-title" titleIconVariant="warning" />
      <ModalBody>
        {children}
        <InlineError error={error} title={`${confirmLabel} failed`} />
      </ModalBody>
      <ModalFooter>
        <Button variant="danger" onClick={onConfirm} isLoading={isPending} isDisabled={isPending} data-testid={testIds.confirm.confirm}>
          {confirmLabel}
        </Button>
        <Button variant="link" onClick={onClose} data-testid={testIds.confirm.cancel}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}
