#!/usr/bin/env node
// The `klaxon` command: runs the TypeScript CLI through tsx, so there is no build step.
require('tsx/cjs');
require('../client/cli/main.ts');
