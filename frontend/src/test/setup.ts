import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

// Whole views render in these tests; on a busy 2-core machine the first render of a lazy
// route can take more than the default second.
configure({ asyncUtilTimeout: 5000 });

afterEach(() => cleanup());
