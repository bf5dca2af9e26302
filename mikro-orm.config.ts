import { catalogConfig, DEFAULT_DB_PATH } from './src/sinks/open-catalog.ts';

/** For the MikroORM CLI: the default catalog. */
export default catalogConfig(DEFAULT_DB_PATH);
