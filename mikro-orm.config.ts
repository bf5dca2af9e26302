import { catalogConfig } from './src/catalog/open-catalog.ts';
import { DEFAULTS } from './src/settings.ts';

/** For the MikroORM CLI: the default catalog. */
export default catalogConfig(DEFAULTS.dbPath);
