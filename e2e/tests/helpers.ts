import { expect, type Page, type APIRequestContext } from '@playwright/test';
import { testIds } from '../../frontend/src/testids';

export { testIds };

export const base = () => {
  const url = process.env.PALISADE_E2E_BASE_URL;
  if (!url) throw new Error('PALISADE_E2E_BASE_URL is not set: the global setup did not run');
  return url;
};

export const password = 'palisade-demo';

/** by returns the locator of a data-testid. */
export const by = (page: Page, id: string) => page.getByTestId(id);

/**
 * login opens a protected page, follows Palisade's redirect to the bundled identity
 * provider, submits its login form and waits until the UI shows the signed-in user.
 */
export async function login(page: Page, user: string, path = '/'): Promise<void> {
  await page.goto(base() + path);
  await page.getByLabel(/username/i).fill(user);
  await page.getByLabel(/password/i).fill(password);
  await page.getByRole('button', { name: /sign in/i }).click();
  // Someone without any tenant lands on the no-access page, which has no masthead.
  await expect(by(page, testIds.app.masthead).or(by(page, testIds.app.noTenant))).toBeVisible();
}

/** api calls the API with the page's session (cookie and CSRF token). */
export async function api(page: Page): Promise<{ req: APIRequestContext; csrf: string }> {
  const req = page.request;
  const res = await req.get(base() + '/api/v1/session');
  expect(res.status()).toBe(200);
  const session = await res.json();
  return { req, csrf: session.csrf_token };
}

/** shot saves a full-page screenshot as a test artifact. */
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
}
