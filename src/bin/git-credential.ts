#!/usr/bin/env node
// git-credential-amplify get|store|erase|capability
import { gitCredential } from '../credential/git.js';
import { runHelper } from '../credential/main.js';

const action = process.argv[2];
void runHelper(gitCredential, action, { readsStdin: action !== 'capability', errorsOnStdout: false });
