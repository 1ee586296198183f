import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { testIds } from '../../testids';
import { DriftChanges } from './DriftChanges';

const T = testIds.drift;

describe('DriftChanges', () => {
  it('lists each field with its value before and after, unset for empty values', () => {
    render(
      <DriftChanges
        eventId={3}
        changes={[
          { field: 'containers[web].securityContext.privileged', before: '', after: 'true' },
          { field: 'subjects', before: 'User:alice', after: 'User:alice,User:mallory' },
        ]}
      />,
    );
    const list = screen.getByTestId(T.changes(3));
    expect(list.getAttribute('aria-label')).toBe('Changed fields');
    expect(list.querySelectorAll('li')).toHaveLength(2);
    const first = screen.getByTestId(T.change('3-0'));
    expect(first.querySelector('code')?.textContent).toBe('containers[web].securityContext.privileged');
    expect(first.textContent).toMatch(/: unset.*changed to.*true$/);
    expect(screen.getByTestId(T.change('3-1')).textContent).toContain('User:alice,User:mallory');
  });

  it('renders nothing without changes', () => {
    const { container } = render(<DriftChanges eventId={1} changes={[]} />);
    expect(container.innerHTML).toBe('');
  });
});
