import { catalogConfig, DEFAULT_DB_PATH } from './src/catalog/open-catalog.ts';

/** For the MikroORM CLI: the default catalog. */
export default catalogConfig(DEFAULT_DB_PATH);
