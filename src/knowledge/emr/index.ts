/** The EMR pack's data: each service's calls and trust, least-privilege templates, the environment file's shape. */
export * from './environment.js';
export * from './service-model.js';
export * from './templates.js';
