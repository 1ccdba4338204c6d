import { z } from 'zod';

/** 'cpu', 'cuda', 'cuda:N' or 'auto' (CUDA when libtorch has it and a GPU is visible). */
export const deviceSchema = z
  .string()
  .regex(/^(cpu|auto|cuda(:\d+)?)$/, "must be 'cpu', 'cuda', 'cuda:N' or 'auto'")
  .default('cpu');
