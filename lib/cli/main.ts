#!/usr/bin/env node
// Placeholder until the command line lands.
console.log('anime-gan');
