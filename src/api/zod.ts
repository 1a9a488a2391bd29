/**
 * zod, as every faultline module imports it, and as plugins get it (`z` from faultline/plugin).
 * tsc compiles this file to a re-export of the package; `npm run build` then replaces the
 * compiled file with the package bundled into one module (scripts/build-zod.ts): zod is some
 * 120 ES modules, and loading them one by one took 40–50 ms more than one file does, paid by a
 * server's first proxy and by `faultline toxic add`. Being one module, it is one zod: the
 * server's schemas and a plugin's are made by the same zod, whichever way the server started.
 */
export * from 'zod';
