import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { CallDetails } from '../../../src/components/CallDetails';
import { completeCall } from '../../fixtures/calls';

const factors = [
  'Structured data source: ESPN, exact query (+0.90)',
  'Vague words: "a lot" (-0.05)',
];

describe('CallDetails: why this score', () => {
  it('shows the factors behind the score in a closed disclosure beside it', async () => {
    render(<CallDetails call={{ ...completeCall, verifiability_score: 0.85, verifiability_factors: factors }} />);
    const field = screen.getByRole('group', { name: 'Verifiability' });
    expect(field).toHaveTextContent('85%');
    const summary = within(field).getByText('Why this score');
    const disclosure = summary.closest('details')!;
    expect(disclosure).not.toHaveAttribute('open');
    await userEvent.setup().click(summary);
    expect(disclosure).toHaveAttribute('open');
    expect(within(disclosure).getAllByRole('listitem').map((item) => item.textContent)).toEqual(factors);
  });

  it('shows no disclosure for a call without factors (made before they existed)', () => {
    render(<CallDetails call={completeCall} />);
    const field = screen.getByRole('group', { name: 'Verifiability' });
    expect(within(field).queryByText('Why this score')).toBeNull();
  });
});
