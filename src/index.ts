import * as core from '@actions/core';
import { run } from './main.js';
import { exitOnStopSignals } from './stop-signals.js';

exitOnStopSignals((message) => {
  core.setFailed(message);
});
await run();
