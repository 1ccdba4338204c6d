#!/usr/bin/env node
// The diff-prompt command. Each command group lives in its own file and registers itself here.
import { Command } from 'commander';
import { DiffPromptError } from '../errors';
import { registerDataCommand } from './data-command';
import { registerDemoCommand } from './demo-command';
import { registerGeneratorCommand } from './generator-command';
import { registerGroundingCommand } from './grounding-command';
import { registerInfoCommand } from './info-command';
import { registerServeCommand } from './serve-command';
import { registerTuneCommands } from './tune-command';
import { registerVaeCommand } from './vae-command';

const program = new Command('diff-prompt').description('Diff-Prompt: diffusion-generated prompts for referring expression comprehension').showHelpAfterError();

registerDataCommand(program);
registerDemoCommand(program);
registerGeneratorCommand(program);
registerGroundingCommand(program);
registerInfoCommand(program);
registerServeCommand(program);
registerTuneCommands(program);
registerVaeCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof DiffPromptError) {
    console.error(`diff-prompt: ${error.code}: ${error.message}`);
  } else {
    console.error(error);
  }
  process.exitCode = 1;
});
