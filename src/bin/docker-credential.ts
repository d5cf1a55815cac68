#!/usr/bin/env node
// docker-credential-amplify get|store|erase|list|version
import { runCredential } from './credential.js';

void runCredential('docker', process.argv.slice(2));
