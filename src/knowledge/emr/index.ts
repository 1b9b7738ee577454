/** The EMR pack: the services' calls, least-privilege templates, readiness checks. */
export * from './environment.js';
export * from './service-model.js';
export * from './templates.js';
export * from './readiness.js';
