#!/usr/bin/env node
// docker-credential-amplify get|store|erase|list|version
import { dockerCredential } from '../credential/docker.js';
import { runHelper } from '../credential/main.js';

const action = process.argv[2];
void runHelper(dockerCredential, action, { readsStdin: action === 'get' || action === 'store' || action === 'erase', errorsOnStdout: true });
