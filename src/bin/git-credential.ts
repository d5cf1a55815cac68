#!/usr/bin/env node
// git-credential-amplify get|store|erase|capability
import { runCredential } from './credential.js';

void runCredential('git', process.argv.slice(2));
