#!/usr/bin/env node
require('../dist/bundle/eic.cjs');
